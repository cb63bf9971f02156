"""What the ballot box writes in the accountability journal: always about the edition, with counts,
voting points and file hashes — never a person or a choice (ballots are secret)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from backend.budget.models import Edition
from backend.ledger.service import ActorRef, record

PROCESS = "bp"


def journal(
    session: Session,
    actor: ActorRef,
    edition: Edition,
    action: str,
    reason: str,
    payload: Mapping[str, Any],
    territory: str | None = None,
) -> None:
    """One journal entry about the edition, in the caller's transaction."""
    record(
        session,
        actor=actor,
        action=action,
        process=PROCESS,
        object_type="bp_edition",
        object_id=edition.slug,
        reason=reason,
        territory=territory,
        payload=payload,
    )
