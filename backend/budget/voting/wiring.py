"""What the vote plugs into the budget participatif, declared in `backend.budget.process`: the
ballot counter of the phase guards, the phase listener that counts at close, and personal data
(whether and how a person voted)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget.models import Edition
from backend.ledger.service import ActorRef


def export_votes(session: Session, user: User) -> dict[str, Any]:
    from backend.budget.voting.models import Voter

    rows = session.exec(select(Voter).where(Voter.user_id == user.id).order_by(col(Voter.id))).all()
    names = {e.id: e.name for e in session.exec(select(Edition)).all()}
    return {
        "votes": [
            {
                "edition": names.get(v.edition_id),
                "canal": v.channel,
                "bureau_de_vote": v.voting_point,
                "verification_identite": v.identity_check,
                "verification_residence": v.residence_check,
                "le": v.voted_at.isoformat(),
                "choix": "secret : le bulletin n'est pas relié à votre compte",
            }
            for v in rows
        ]
    }


def count_ballots(session: Session, edition_id: int) -> int:
    from backend.budget.voting.service import voter_count

    return voter_count(session, edition_id)


def on_phase_changed(session: Session, actor: ActorRef, edition: Edition, before: str, after: str) -> None:
    from backend.budget.voting.results import on_phase_changed

    on_phase_changed(session, actor, edition, before, after)
