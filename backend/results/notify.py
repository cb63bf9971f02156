"""Telling followers: each new milestone of a realisation they follow, through
`backend.notifications` (in-app, and e-mail or SMS as each person chose)."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.notifications import notify
from backend.results.models import Milestone, Realisation, Subscription


def tell_followers(session: Session, realisation: Realisation, project: str, milestone: Milestone) -> None:
    """The people who follow the realisation hear of its new step."""
    followers = session.exec(
        select(Subscription.user_id).where(Subscription.realisation_id == realisation.id)
    )
    notify(
        session,
        list(followers.all()),
        "milestone",
        params={"project": project, "step": milestone.title, "day": milestone.happened_on},
        url=f"/resultats/realisations/{realisation.id}",
    )
