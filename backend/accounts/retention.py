"""Retention of verification data: one-time codes and identity-document hashes are deleted once
they are no longer needed (run by `qp purge`; explained on the « Données personnelles » page)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col

from backend.accounts.models import OneTimeCode, User


def delete_old_codes(session: Session, before: datetime) -> int:
    """Delete codes used or expired before ``before``; live codes stay."""
    result = session.execute(
        delete(OneTimeCode).where(
            or_(col(OneTimeCode.used_at) < before, col(OneTimeCode.expires_at) < before)
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def clear_document_hashes(session: Session, seen_before: datetime) -> int:
    """Forget the identity-document hash (and its kind and date) of documents seen before ``seen_before``.
    The caller checks that no edition still needs them (one document, one ballot)."""
    result = session.execute(
        update(User)
        .where(col(User.id_document_hash).is_not(None), col(User.id_document_seen_at) < seen_before)
        .values(id_document_hash=None, id_document_kind=None, id_document_seen_at=None)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
