"""Eligibility instruction by the city's agents: the checklist, the services' cost, the decision."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session, select

from backend.budget.models import ELIGIBLE_STATUSES, Edition, EligibilityAnswer, Proposal, ProposalStatus
from backend.budget.notify import tell_authors
from backend.budget.rules import Answer, check_decision
from backend.budget.service.moderation import _record
from backend.db import utcnow
from backend.errors import Conflict, Problems
from backend.formatting import format_euros
from backend.forms import clean_text
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

INSTRUCTABLE = (ProposalStatus.published, *ELIGIBLE_STATUSES, ProposalStatus.ineligible)
DECISION_LABELS = {
    ProposalStatus.eligible: N_("recevable"),
    ProposalStatus.eligible_after_changes: N_("recevable après modification"),
    ProposalStatus.ineligible: N_("non recevable"),
}


def answers_of(session: Session, proposal: Proposal) -> dict[str, EligibilityAnswer]:
    rows = session.exec(select(EligibilityAnswer).where(EligibilityAnswer.proposal_id == proposal.id)).all()
    return {row.criterion: row for row in rows}


def instruct(
    session: Session,
    actor: ActorRef,
    edition: Edition,
    proposal: Proposal,
    *,
    answers: Mapping[str, Answer],
    decision: str,
    services_cost: int | None,
    services_operating_cost: int | None,
    changes: str = "",
    summary: str = "",
) -> None:
    """Record the answers and the decision (a later decision replaces an earlier one while the
    instruction phase lasts; the journal keeps both)."""
    if proposal.status not in INSTRUCTABLE or proposal.is_hidden:
        raise Conflict(_("Cette proposition n'est pas prête pour l'étude de recevabilité."))
    problems = check_decision(edition.checklist, answers, decision, services_cost, changes, edition.cost_cap)
    if problems:
        raise Problems(problems)
    stored = answers_of(session, proposal)
    public: list[dict[str, object]] = []
    for criterion in edition.checklist:
        key = criterion["key"]
        answer = answers[key]
        row = stored.get(key) or EligibilityAnswer(
            proposal_id=proposal.id, criterion=key, met=bool(answer.met), reason="", answered_by=actor.id
        )
        row.met = bool(answer.met)
        row.reason = clean_text(answer.reason, 1000, multiline=True)
        row.answered_by = actor.id
        row.answered_at = utcnow()
        session.add(row)
        public.append({"criterion": key, "met": row.met, "reason": row.reason})
    unmet = [
        f"{c['label']} : {answers[c['key']].reason.strip()}"
        for c in edition.checklist
        if answers[c["key"]].met is False
    ]
    summary = clean_text(summary, 1000, multiline=True)
    proposal.status = decision
    proposal.services_cost = services_cost
    proposal.services_operating_cost = services_operating_cost
    proposal.eligibility_changes = (
        clean_text(changes, 2000, multiline=True)
        if decision == ProposalStatus.eligible_after_changes
        else None
    )
    proposal.public_reason = (
        " ".join([summary, *unmet]).strip() or None
        if decision == ProposalStatus.ineligible
        else (summary or None)
    )
    proposal.decided_at = utcnow()
    session.add(proposal)
    session.flush()
    label = _(DECISION_LABELS[ProposalStatus(decision)])
    reason = _("Proposition %(ref)s déclarée %(decision)s.") % {"ref": proposal.reference, "decision": label}
    if decision == ProposalStatus.ineligible:
        reason += " " + _("Raisons : %(why)s") % {"why": proposal.public_reason}
    elif services_cost is not None:
        reason += " " + _("Coût estimé par les services : %(cost)s.") % {"cost": format_euros(services_cost)}
    if proposal.eligibility_changes:
        reason += " " + _("Ce qui change : %(changes)s") % {"changes": proposal.eligibility_changes}
    _record(
        session, actor, proposal, "bp.eligibility_decided", reason,
        decision=decision, services_cost=services_cost, services_operating_cost=services_operating_cost, answers=public,
    )  # fmt: skip
    tell_authors(session, proposal)
