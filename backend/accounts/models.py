"""Users, their logged-in sessions, role grants scoped to territories, login attempts."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index
from sqlmodel import Field

from backend.db import UtcDateTime, utc_field, utcnow
from backend.i18n import N_
from backend.models_common import PUBLIC_ID_LENGTH, Record, actor_field


class Role(StrEnum):
    resident = "resident"
    moderator = "moderator"  # table de quartier / conseil citoyen
    agent = "agent"
    fph_committee = "fph_committee"
    copil = "copil"
    admin = "admin"


class ScopeKind(StrEnum):
    """What a grant covers; wider scopes include the narrower ones inside them."""

    all = "all"
    metropole = "metropole"
    commune = "commune"
    secteur = "secteur"
    qpv = "qpv"


class ResidenceStatus(StrEnum):
    none = "none"
    declared = "declared"  # declared by the resident, to be verified
    # Declared, and the geocoder places the address inside the QPV: a hint, never a verification.
    declared_in_area = "declared_in_area"
    verified = "verified"  # seen in person (agent, table de quartier) or by a postal code


class CodePurpose(StrEnum):
    """What a one-time code (or single-use link) is for."""

    confirm_email = "confirm_email"
    confirm_phone = "confirm_phone"
    reset_password = "reset_password"  # noqa: S105 - a purpose, not a password
    login = "login"  # passwordless login by SMS
    activation = "activation"  # printed by staff after an in-person identity check
    postal = "postal"  # mailed to the address: verifies the residence


# What each status is called on every page (translated where shown: `backend.rendering.residence_label`).
RESIDENCE_LABELS = {
    ResidenceStatus.none: N_("Quartier non indiqué"),
    ResidenceStatus.declared: N_("Quartier déclaré, à vérifier"),
    ResidenceStatus.declared_in_area: N_("Quartier déclaré (adresse dans le quartier), à vérifier"),
    ResidenceStatus.verified: N_("Résidence vérifiée"),
}


def new_public_id() -> str:
    """A pseudonymous id for the journal: random, never derived from personal data."""
    return secrets.token_hex(8)


class User(Record, table=True):
    __tablename__ = "user_account"

    public_id: str = Field(default_factory=new_public_id, max_length=PUBLIC_ID_LENGTH, unique=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    # For people with no e-mail and no phone (registered in person): printed on their slip, see
    # backend/accounts/activation.py. Stored as « QP » + 6 letters or digits, shown « QP-XXXXXX ».
    login_id: str | None = Field(default=None, max_length=12, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    display_name: str = Field(max_length=80)
    birth_year: int | None = None
    address: str | None = Field(default=None, max_length=300)
    address_lat: float | None = None
    address_lon: float | None = None
    qpv_id: int | None = Field(default=None, foreign_key="qpv.id", index=True)
    residence_status: str = Field(default=ResidenceStatus.none, max_length=20)
    residence_method: str | None = Field(default=None, max_length=200)
    residence_verified_by: str | None = actor_field(nullable=True)  # verifier's public_id
    residence_verified_at: datetime | None = utc_field(nullable=True)
    # Bumped on password change and logout-everywhere: API bearer tokens carry it and stop working.
    session_version: int = 0
    is_active: bool = True
    # Registered by a moderator or agent for a resident met in person (their public_id).
    registered_by: str | None = actor_field(nullable=True)
    # Contact confirmed by a link (e-mail) or a code (SMS): see backend/accounts/levels.py.
    email_confirmed_at: datetime | None = utc_field(nullable=True)
    phone_confirmed_at: datetime | None = utc_field(nullable=True)
    # Identity document seen in person: only a keyed hash (HMAC) of its number, so that one document
    # takes part once per edition whatever the channel; kind is e.g. "carte_identite". Purged after retention.
    id_document_hash: str | None = Field(default=None, max_length=64, index=True)
    id_document_kind: str | None = Field(default=None, max_length=30)
    id_document_seen_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()
    deleted_at: datetime | None = utc_field(nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class UserSession(Record, table=True):
    """One logged-in device. The cookie carries a random key and only its hash is stored here:
    deleting the row (logout, password change, account deletion) ends every copy of that cookie."""

    __tablename__ = "user_session"

    key_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the cookie's key
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = utc_field()
    # Refreshed at most once an hour; a session unused for the cookie's lifetime has expired.
    last_seen_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )


class RoleGrant(Record, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_user_active", "user_id", "revoked_at"),)

    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=30)
    scope_kind: str = Field(max_length=20)
    scope_code: str = Field(default="", max_length=60)  # QPV code, secteur slug, INSEE, SIREN, "" for all
    granted_by: str = actor_field()
    granted_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginAttempt(Record, table=True):
    """Failed logins, kept in the database so the limit holds across workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_account_at", "account_key", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    account_key: str = Field(max_length=64)  # SHA-256 of the normalised identifier
    ip: str = Field(max_length=64)
    at: datetime = utc_field()


class OneTimeCode(Record, table=True):
    """A single-use, short-lived secret: a link token or a code sent by e-mail, SMS, post or on paper.

    Only a keyed hash of the code is stored. ``target`` is the e-mail or phone number it was sent to
    (confirmation must prove that exact contact), empty for printed and postal codes.
    """

    __tablename__ = "one_time_code"
    __table_args__ = (
        Index("ix_one_time_code_user_purpose", "user_id", "purpose"),
        Index("ix_one_time_code_target_at", "target", "created_at"),
    )

    user_id: int = Field(foreign_key="user_account.id")
    purpose: str = Field(max_length=20)
    code_hash: str = Field(max_length=64, unique=True)
    target: str = Field(default="", max_length=254)
    issued_by: str | None = actor_field(nullable=True)  # staff public_id for printed codes
    attempts: int = 0
    created_at: datetime = utc_field()
    expires_at: datetime = utc_field()
    used_at: datetime | None = utc_field(nullable=True)


class RateEvent(Record, table=True):
    """Something limited per hour or per day (a sign-up, a code request), counted per kind and key.

    ``key`` is a keyed hash (of an IP address, say), never the value itself.
    """

    __tablename__ = "rate_event"
    __table_args__ = (Index("ix_rate_event_kind_key_at", "kind", "key", "at"),)

    kind: str = Field(max_length=30)
    key: str = Field(max_length=64)
    at: datetime = utc_field()
