"""What the results domain holds about a person: the projects they follow (subscriptions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col, delete

from backend.accounts.models import User
from backend.results.models import Subscription


def export(session: Session, user: User) -> Any:
    rows = session.scalars(select(Subscription).where(col(Subscription.user_id) == user.id))
    return {
        "projets_suivis": [
            {"realisation_id": s.realisation_id, "depuis": s.created_at.isoformat()} for s in rows
        ]
    }


def erase(session: Session, user: User) -> None:
    session.execute(delete(Subscription).where(col(Subscription.user_id) == user.id))
    session.flush()
