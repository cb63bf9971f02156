"""Plugs voting into the budget participatif: the ballot counter of the phase guards, the phase
listener that counts at close, and personal data (whether and how a person voted)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.accounts.registry import register_personal_data
from backend.budget import hooks
from backend.budget.models import Edition
from backend.ledger.service import ActorRef


def _export(session: Session, user: User) -> dict[str, Any]:
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


def _count(session: Session, edition_id: int) -> int:
    from backend.budget.voting.service import voter_count

    return voter_count(session, edition_id)


def _on_phase_changed(session: Session, actor: ActorRef, edition: Edition, before: str, after: str) -> None:
    from backend.budget.voting.results import on_phase_changed

    on_phase_changed(session, actor, edition, before, after)


def install() -> None:
    """Idempotent; imports nothing heavy (the budget's services call it while they load)."""
    hooks.set_ballot_counter(_count)
    hooks.add_phase_listener(_on_phase_changed)
    # Voter rows stay after an account is deleted: they name only the pseudonymous account row
    # and keep the « one ballot per person » guarantee of the edition.
    register_personal_data("budget_participatif_vote", _export)
