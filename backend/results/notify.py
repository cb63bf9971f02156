"""Telling followers what became of a realisation they follow — each new milestone, each change
of step, progress or service — through `backend.notifications` (in-app, and e-mail or SMS as
each person chose, in their language), in the change's own transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from backend.notifications import Param, notify
from backend.results.models import Milestone, Realisation, Subscription


def followers(session: Session, realisation: Realisation) -> list[int]:
    return list(
        session.exec(select(Subscription.user_id).where(Subscription.realisation_id == realisation.id)).all()
    )


def tell_followers(
    session: Session, realisation: Realisation, project: str, milestone: Milestone, stands: Param
) -> None:
    """The people who follow the realisation hear of its new step (and `stands`: where the
    project stands now)."""
    details: list[Param] = [milestone.text] if milestone.text else []
    notify(
        session,
        followers(session, realisation),
        "milestone",
        params={"project": project, "step": milestone.title, "day": milestone.happened_on},
        url=f"/resultats/realisations/{realisation.id}",
        details=[*details, stands],
    )


def tell_update(
    session: Session, realisation: Realisation, project: str, changes: Sequence[Param], stands: Param
) -> None:
    """The people who follow the realisation hear what changed (step, progress, service)."""
    notify(
        session,
        followers(session, realisation),
        "project_update",
        params={"project": project},
        url=f"/resultats/realisations/{realisation.id}",
        details=[*changes, stands],
    )
