"""Users, role grants scoped to territories, login attempts."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from backend.db import utc_field


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
    verified = "verified"


# What each status is called on every page (translated where shown: `backend.web.residence_label`).
RESIDENCE_LABELS = {
    ResidenceStatus.none: "Quartier non indiqué",
    ResidenceStatus.declared: "Quartier déclaré, à vérifier",
    ResidenceStatus.verified: "Résidence vérifiée",
}


def new_public_id() -> str:
    """A pseudonymous id for the journal: random, never derived from personal data."""
    return secrets.token_hex(8)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(default_factory=new_public_id, max_length=32, unique=True)
    email: str | None = Field(default=None, max_length=254, unique=True)
    phone: str | None = Field(default=None, max_length=20, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    display_name: str = Field(max_length=80)
    birth_year: int | None = None
    address: str | None = Field(default=None, max_length=300)
    address_lat: float | None = None
    address_lon: float | None = None
    qpv_id: int | None = Field(default=None, foreign_key="qpv.id", index=True)
    residence_status: str = Field(default=ResidenceStatus.none, max_length=20)
    residence_method: str | None = Field(default=None, max_length=200)
    residence_verified_by: str | None = Field(default=None, max_length=32)  # verifier's public_id
    residence_verified_at: datetime | None = utc_field(nullable=True)
    # Bumped on password change and logout-everywhere: older session cookies stop working.
    session_version: int = 0
    is_active: bool = True
    # Registered by a moderator or agent for a resident met in person (their public_id).
    registered_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = utc_field()
    deleted_at: datetime | None = utc_field(nullable=True)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class RoleGrant(SQLModel, table=True):
    __tablename__ = "role_grant"
    __table_args__ = (Index("ix_role_grant_user_active", "user_id", "revoked_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    role: str = Field(max_length=30)
    scope_kind: str = Field(max_length=20)
    scope_code: str = Field(default="", max_length=60)  # QPV code, secteur slug, INSEE, SIREN, "" for all
    granted_by: str = Field(max_length=32)
    granted_at: datetime = utc_field()
    revoked_at: datetime | None = utc_field(nullable=True)


class LoginAttempt(SQLModel, table=True):
    """Failed logins, kept in the database so the limit holds across workers."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_account_at", "account_key", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=64)  # SHA-256 of the normalised identifier
    ip: str = Field(max_length=64)
    at: datetime = utc_field()
