"""An account's events in the journal: under the "accounts" process, about the user's pseudonymous id."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from backend.accounts.models import Role, User
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, record


def journal_user(
    session: Session,
    user: User,
    *,
    action: str,
    reason: str,
    actor: ActorRef | None = None,
    territory: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Journal ``action`` about ``user``; the actor is the person themself unless another is given."""
    return record(
        session,
        actor=actor or ActorRef(role=Role.resident, id=user.public_id),
        action=action,
        process="accounts",
        object_type="user",
        object_id=user.public_id,
        territory=territory,
        reason=reason,
        payload=payload,
    )
