"""Moving an edition from one phase to another: the facts the guards need, the journaled change."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.budget import phases
from backend.budget.models import ELIGIBLE_STATUSES, Edition, Proposal, ProposalStatus
from backend.budget.notify import tell_vote_opened
from backend.budget.phases import EditionFacts
from backend.budget.service.editions.common import journal_edition
from backend.budget.service.editions.envelopes import envelopes
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.processes import PhaseHooks


def edition_facts(session: Session, edition: Edition, hooks: PhaseHooks) -> EditionFacts:
    envs = envelopes(session, edition)
    with_projects = set(
        session.exec(
            select(Proposal.envelope_id).where(
                Proposal.edition_id == edition.id,
                col(Proposal.status).in_(ELIGIBLE_STATUSES),
                col(Proposal.hidden_at).is_(None),
            )
        ).all()
    )
    awaiting = session.exec(
        select(func.count(col(Proposal.id))).where(
            Proposal.edition_id == edition.id, Proposal.status == ProposalStatus.published
        )
    ).one()
    return EditionFacts(
        envelopes=len(envs),
        themes=len(edition.themes),
        criteria=len(edition.checklist),
        envelopes_without_projects=tuple(e.label for e in envs if e.id not in with_projects),
        awaiting_instruction=int(awaiting),
        ballots=hooks.ballots(session, edition.id),
    )


def phase_problems(session: Session, edition: Edition, target: str, hooks: PhaseHooks) -> list[str]:
    return phases.transition_problems(edition.phase, target, edition_facts(session, edition, hooks))


def change_phase(
    session: Session, actor: ActorRef, edition: Edition, target: str, reason: str = "", *, hooks: PhaseHooks
) -> None:
    """An explicit administrator decision, guarded and journaled; `hooks` are the budget's phase
    hooks from the registry (the vote's ballot count and its count at close)."""
    problems = phase_problems(session, edition, target, hooks)
    if problems:
        raise Conflict(" ".join(problems), field="phase")
    backwards = phases.ORDER.index(target) < phases.ORDER.index(edition.phase)
    reason = " ".join(reason.split())
    if backwards and len(reason) < 5:
        raise Invalid(_("Expliquez pourquoi l'édition revient à une phase précédente."), field="reason")
    before = edition.phase
    edition.phase = target
    edition.phase_changed_at = utcnow()
    session.add(edition)
    session.flush()
    text = _("Budget participatif « %(name)s » : passage de « %(from)s » à « %(to)s ».") % {
        "name": edition.name,
        "from": phases.label(before),
        "to": phases.label(target),
    }
    journal_edition(
        session,
        actor,
        edition,
        "phase_changed",
        f"{text} {reason}".strip(),
        {"from": before, "to": target, "backwards": backwards},
    )
    hooks.changed(session, actor, edition, before, target)
    tell_vote_opened(session, edition, before, target)
