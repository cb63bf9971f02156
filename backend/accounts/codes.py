"""One-time codes and single-use link tokens: issued for one purpose, stored only as a keyed hash,
short-lived, single use and limited in attempts."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from backend.accounts.models import CodePurpose, OneTimeCode, User
from backend.db import utcnow
from backend.errors import Invalid
from backend.i18n import gettext as _

# Digits only for codes typed on a phone or read from a slip; a long token for links.
CODE_DIGITS = 6
MAX_ATTEMPTS = 5
# Printed and postal codes: letters and digits people can read aloud (no 0/O, 1/I/L).
SLIP_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SLIP_LENGTH = 10

DEFAULT_TTL = {
    CodePurpose.confirm_email: timedelta(hours=24),
    CodePurpose.confirm_phone: timedelta(minutes=15),
    CodePurpose.reset_password: timedelta(minutes=30),
    CodePurpose.login: timedelta(minutes=10),
    CodePurpose.activation: timedelta(days=30),
    CodePurpose.postal: timedelta(days=60),
}


def code_hash(secret_key: str, purpose: str, code: str) -> str:
    """Keyed hash of a code for one purpose; the code itself is never stored."""
    normalised = "".join(code.split()).upper().replace("-", "")
    message = f"{purpose}:{normalised}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


# Short numeric codes share a space of 10**6 per purpose (code_hash is unique): spent ones are purged
# a while after they expire so that the space never fills up. Other purposes keep their history.
NUMERIC_PURGE_AFTER = timedelta(days=2)


def new_code(purpose: str, *, numeric: bool = False) -> str:
    if purpose in (CodePurpose.activation, CodePurpose.postal):
        return "".join(secrets.choice(SLIP_ALPHABET) for _ in range(SLIP_LENGTH))
    if not numeric and purpose in (CodePurpose.confirm_email, CodePurpose.reset_password):
        return secrets.token_urlsafe(24)
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def issue(
    session: Session,
    secret_key: str,
    user: User,
    purpose: CodePurpose,
    *,
    target: str = "",
    issued_by: str | None = None,
    ttl: timedelta | None = None,
    numeric: bool = False,
) -> str:
    """A fresh code for ``user`` and ``purpose``; earlier unused codes of that purpose stop working.
    ``numeric`` asks for a 6-digit code where a link token is the default (a password reset by SMS)."""
    now = utcnow()
    short = numeric or purpose in (CodePurpose.confirm_phone, CodePurpose.login)
    if short:
        session.execute(
            delete(OneTimeCode).where(
                col(OneTimeCode.purpose) == purpose, col(OneTimeCode.expires_at) < now - NUMERIC_PURGE_AFTER
            )
        )
    for old in session.exec(
        select(OneTimeCode).where(
            OneTimeCode.user_id == user.id, OneTimeCode.purpose == purpose, col(OneTimeCode.used_at).is_(None)
        )
    ):
        old.used_at = now
        session.add(old)
    while True:
        code = new_code(purpose, numeric=numeric)
        digest = code_hash(secret_key, purpose, code)
        if session.exec(select(OneTimeCode.id).where(OneTimeCode.code_hash == digest)).first() is None:
            break
    assert user.id is not None
    session.add(
        OneTimeCode(
            user_id=user.id,
            purpose=purpose,
            code_hash=digest,
            target=target,
            issued_by=issued_by,
            created_at=now,
            expires_at=now + (ttl or DEFAULT_TTL[purpose]),
        )
    )
    session.flush()
    return code


def sent_since(session: Session, *, target: str, since_hours: int = 24) -> int:
    """How many codes went to this e-mail or phone number lately (for the daily limit)."""
    since = utcnow() - timedelta(hours=since_hours)
    return session.exec(
        select(func.count(col(OneTimeCode.id))).where(
            OneTimeCode.target == target, col(OneTimeCode.created_at) >= since
        )
    ).one()


def peek(session: Session, secret_key: str, purpose: CodePurpose, code: str) -> OneTimeCode | None:
    """The live code (unused, unexpired, attempts left) without using it: a link's page shows whether it
    still works before the person presses the button."""
    row = session.exec(
        select(OneTimeCode).where(
            OneTimeCode.code_hash == code_hash(secret_key, purpose, code), OneTimeCode.purpose == purpose
        )
    ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or row.attempts >= MAX_ATTEMPTS:
        return None
    return row


def consume(
    session: Session, secret_key: str, purpose: CodePurpose, code: str, *, user: User | None = None
) -> OneTimeCode:
    """Use a code once. With ``user`` (codes typed by a known person, e.g. an SMS code), a wrong code
    counts an attempt against that person's live code; after MAX_ATTEMPTS it is spent."""
    invalid = Invalid(
        _("Ce code n'est pas bon ou n'est plus valable. Demandez un nouveau code."), field="code"
    )
    now = utcnow()
    digest = code_hash(secret_key, purpose, code)
    row = session.exec(
        select(OneTimeCode).where(OneTimeCode.code_hash == digest, OneTimeCode.purpose == purpose)
    ).first()
    if row is not None and user is not None and row.user_id != user.id:
        row = None
    if row is None or row.used_at is not None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        if user is not None:
            live = session.exec(
                select(OneTimeCode).where(
                    OneTimeCode.user_id == user.id,
                    OneTimeCode.purpose == purpose,
                    col(OneTimeCode.used_at).is_(None),
                )
            ).all()
            for other in live:
                other.attempts += 1
                if other.attempts >= MAX_ATTEMPTS:
                    other.used_at = now
                session.add(other)
            session.flush()
        raise invalid
    row.used_at = now
    session.add(row)
    session.flush()
    return row
