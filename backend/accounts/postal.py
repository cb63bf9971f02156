"""Residence verified by post: an agent prints a letter carrying a one-time code to the declared
address; the resident types the code in « Mon compte ».

The code is tied to the address it was mailed to: ``OneTimeCode.target`` holds a keyed hash of the
address and QPV at issue time, so a code only verifies while the address is unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from backend.accounts import codes
from backend.accounts.models import CodePurpose, OneTimeCode, ResidenceStatus, User
from backend.accounts.service import mark_residence_verified
from backend.db import utcnow
from backend.errors import Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef, record
from backend.territory.models import Qpv

METHOD = "code reçu par courrier"
TARGET_PREFIX = "adresse:"
WAITING = (ResidenceStatus.declared, ResidenceStatus.declared_in_area)


def address_key(secret_key: str, user: User) -> str:
    """Keyed hash of the address and QPV a letter goes to (the address itself is not copied)."""
    address = " ".join((user.address or "").split()).casefold()
    message = f"postal:{user.qpv_id}:{address}".encode()
    return TARGET_PREFIX + hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:48]


@dataclass(frozen=True, slots=True)
class Waiting:
    """A resident of the QPV whose declared address waits for a verification."""

    user: User
    qpv_name: str
    letter_sent_at: datetime | None  # a live code was already issued for this very address


def waiting(session: Session, secret_key: str, qpv_ids: list[int]) -> list[Waiting]:
    """Residents with a declared address in these QPV, not verified yet."""
    if not qpv_ids:
        return []
    users = session.exec(
        select(User)
        .where(
            col(User.qpv_id).in_(qpv_ids),
            col(User.residence_status).in_(list(WAITING)),
            col(User.address).is_not(None),
            col(User.deleted_at).is_(None),
            col(User.is_active).is_(True),
        )
        .order_by(col(User.qpv_id), col(User.display_name))
    ).all()
    names = dict(session.exec(select(Qpv.id, Qpv.name).where(col(Qpv.id).in_(qpv_ids))).all())
    now = utcnow()
    live = {
        (row.user_id, row.target): row.created_at
        for row in session.exec(
            select(OneTimeCode).where(
                col(OneTimeCode.user_id).in_([u.id for u in users]),
                OneTimeCode.purpose == CodePurpose.postal,
                col(OneTimeCode.used_at).is_(None),
                col(OneTimeCode.expires_at) > now,
            )
        )
    }
    return [
        Waiting(u, names.get(u.qpv_id or 0, ""), live.get((u.id, address_key(secret_key, u)))) for u in users
    ]


@dataclass(frozen=True, slots=True)
class Letter:
    name: str
    address: str
    qpv_name: str
    code: str
    expires_on: datetime


def issue_letters(session: Session, secret_key: str, actor: ActorRef, rows: list[Waiting]) -> list[Letter]:
    """One fresh code per person (an earlier unused letter of theirs stops working); journaled as a
    count per QPV, without names or addresses."""
    letters = []
    per_qpv: dict[int, int] = {}
    for row in rows:
        user = row.user
        code = codes.issue(
            session,
            secret_key,
            user,
            CodePurpose.postal,
            target=address_key(secret_key, user),
            issued_by=actor.id,
        )
        expires = utcnow() + codes.DEFAULT_TTL[CodePurpose.postal]
        letters.append(Letter(user.display_name, user.address or "", row.qpv_name, code, expires))
        per_qpv[user.qpv_id or 0] = per_qpv.get(user.qpv_id or 0, 0) + 1
    for qpv_id, count in per_qpv.items():
        qpv = session.get(Qpv, qpv_id)
        record(
            session,
            actor=actor,
            action="accounts.postal_codes_issued",
            process="accounts",
            object_type="qpv",
            object_id=qpv.code if qpv else str(qpv_id),
            territory=qpv.code if qpv else None,
            reason=(
                f"{count} courrier avec un code imprimé pour vérifier une adresse."
                if count == 1
                else f"{count} courriers avec un code imprimés pour vérifier des adresses."
            ),
            payload={"count": count},
        )
    return letters


def verify_with_code(session: Session, secret_key: str, user: User, code: str) -> Qpv:
    """Verify the residence with the code of the letter; refused if the address changed since.
    A wrong code counts as an attempt (see :func:`codes.consume`); nothing else is changed."""
    if not "".join(code.split()):
        raise Invalid(_("Écrivez le code imprimé sur le courrier."), field="code")
    if user.residence_status == ResidenceStatus.verified:
        raise Invalid(_("Votre adresse est déjà vérifiée."), field="code")
    row = codes.consume(session, secret_key, CodePurpose.postal, code, user=user)
    if user.qpv_id is None or row.target != address_key(secret_key, user):
        raise Invalid(
            _(
                "Ce code a été envoyé pour une autre adresse. Votre adresse a changé depuis : "
                "demandez un nouveau courrier à la mairie ou à votre table de quartier."
            ),
            field="code",
        )
    qpv = session.get(Qpv, user.qpv_id)
    assert qpv is not None
    mark_residence_verified(
        session,
        user,
        qpv,
        method=METHOD,
        verified_by=row.issued_by,
        actor=None,
        reason=f"Résidence dans le quartier {qpv.name} vérifiée avec le code reçu par courrier.",
    )
    return qpv
