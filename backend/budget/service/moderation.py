"""Moderation by the tables de quartier: publish, ask for changes, reject, merge duplicates,
review proposals hidden by reports. Each decision is journaled with its reason."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.budget.models import (
    ELIGIBLE_STATUSES,
    Proposal,
    ProposalCoauthor,
    ProposalReport,
    ProposalStatus,
    RejectCategory,
)
from backend.budget.notify import tell_authors
from backend.budget.service.proposals import journal_proposal
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

REJECT_LABELS = {
    RejectCategory.spam: N_("Publicité ou message sans rapport (spam)"),
    RejectCategory.abusive: N_("Propos injurieux ou discriminatoires"),
    RejectCategory.off_topic: N_("Hors sujet pour le budget participatif"),
}
MODERATED = (ProposalStatus.submitted, ProposalStatus.published)


def _reason(text: str, field: str, what: str) -> str:
    text = " ".join(text.split())
    if len(text) < 5:
        raise Invalid(what, field=field)
    return text[:1000]


def _record(
    session: Session, actor: ActorRef, proposal: Proposal, action: str, reason: str, **payload: object
) -> None:
    journal_proposal(session, actor, proposal, action, reason, payload)


def publish(session: Session, actor: ActorRef, proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.submitted:
        raise Conflict(_("Seule une proposition qui attend la modération peut être publiée."))
    proposal.status = ProposalStatus.published
    proposal.published_at = utcnow()
    proposal.moderation_message = None
    session.add(proposal)
    session.flush()
    _record(
        session,
        actor,
        proposal,
        "bp.proposal_published",
        _("Proposition %(ref)s relue et publiée.") % {"ref": proposal.reference},
    )
    tell_authors(session, proposal)


def request_changes(session: Session, actor: ActorRef, proposal: Proposal, message: str) -> None:
    """Send the proposal back to its author with a message saying what to change."""
    if proposal.status not in MODERATED:
        raise Conflict(
            _("On ne peut demander des modifications que pour une proposition envoyée ou publiée.")
        )
    text = _reason(
        message, "message", _("Écrivez à l'auteur·rice ce qu'il faut changer (5 caractères au moins).")
    )
    proposal.status = ProposalStatus.changes_requested
    proposal.moderation_message = text
    session.add(proposal)
    session.flush()
    _record(
        session, actor, proposal, "bp.changes_requested",
        _("Modifications demandées à l'auteur·rice de la proposition %(ref)s : %(msg)s") % {"ref": proposal.reference, "msg": text},
    )  # fmt: skip
    tell_authors(session, proposal)


def reject(session: Session, actor: ActorRef, proposal: Proposal, category: str, reason: str) -> None:
    """Refuse a proposal (spam, abusive, off-topic) with a public reason."""
    if proposal.status not in (*MODERATED, ProposalStatus.changes_requested) and not proposal.is_hidden:
        raise Conflict(_("Cette proposition ne peut plus être refusée par la modération."))
    if category not in set(RejectCategory):
        raise Invalid(_("Choisissez le motif du refus."), field="category")
    text = _reason(
        reason, "reason", _("Écrivez la raison du refus : elle sera publique (5 caractères au moins).")
    )
    proposal.status = ProposalStatus.rejected
    proposal.reject_category = category
    proposal.public_reason = text
    proposal.hidden_at = None
    proposal.decided_at = utcnow()
    session.add(proposal)
    _dismiss_reports(session, proposal)
    session.flush()
    _record(
        session, actor, proposal, "bp.proposal_rejected",
        _("Proposition %(ref)s refusée par la table de quartier (%(cat)s) : %(reason)s")
        % {"ref": proposal.reference, "cat": _(REJECT_LABELS[RejectCategory(category)]).lower(), "reason": text},
        category=category,
    )  # fmt: skip
    tell_authors(session, proposal)


def merge(session: Session, actor: ActorRef, source: Proposal, target: Proposal, reason: str) -> None:
    """Merge a duplicate into another proposal of the same edition and QPV; the authors of
    both are credited on the one that stays."""
    if source.id == target.id:
        raise Invalid(_("Choisissez une autre proposition que celle-ci."), field="target")
    if source.status not in MODERATED:
        raise Conflict(_("Cette proposition ne peut plus être fusionnée."))
    if target.status not in (*MODERATED, *ELIGIBLE_STATUSES) or target.is_hidden:
        raise Invalid(_("La proposition gardée doit être envoyée, publiée ou recevable."), field="target")
    if (source.edition_id, source.qpv_id) != (target.edition_id, target.qpv_id):
        raise Invalid(
            _("On ne fusionne que des propositions du même quartier et de la même édition."), field="target"
        )
    text = _reason(
        reason, "merge_reason", _("Expliquez en quelques mots pourquoi ces propositions sont en double.")
    )
    credited = {p for p in (source.author_id,) if p}
    credited |= set(
        session.exec(select(ProposalCoauthor.user_id).where(ProposalCoauthor.proposal_id == source.id)).all()
    )
    already = set(
        session.exec(select(ProposalCoauthor.user_id).where(ProposalCoauthor.proposal_id == target.id)).all()
    )
    for user_id in sorted(credited - already - {target.author_id}):
        session.add(ProposalCoauthor(proposal_id=target.id, user_id=user_id, from_proposal_id=source.id))
    source.status = ProposalStatus.merged
    source.merged_into_id = target.id
    source.public_reason = text
    source.decided_at = utcnow()
    session.add(source)
    session.flush()
    _record(
        session, actor, source, "bp.proposal_merged",
        _("Proposition %(ref)s fusionnée avec la proposition %(into)s : %(reason)s")
        % {"ref": source.reference, "into": target.reference, "reason": text},
        into=target.id,
    )  # fmt: skip
    _record(
        session, actor, target, "bp.proposal_merge_received",
        _("La proposition %(ref)s a reçu la proposition %(src)s en double ; ses auteur·rices sont crédité·es.")
        % {"ref": target.reference, "src": source.reference},
        source=source.id,
    )  # fmt: skip
    tell_authors(session, source)


def _dismiss_reports(session: Session, proposal: Proposal) -> None:
    reports = session.exec(
        select(ProposalReport).where(
            ProposalReport.proposal_id == proposal.id, col(ProposalReport.dismissed_at).is_(None)
        )
    ).all()
    for item in reports:
        item.dismissed_at = utcnow()
        session.add(item)


def restore(session: Session, actor: ActorRef, proposal: Proposal, reason: str) -> None:
    """A moderator reviewed a proposal hidden by reports and shows it again."""
    if not proposal.is_hidden:
        raise Conflict(_("Cette proposition n'est pas masquée."))
    text = _reason(
        reason, "restore_reason", _("Expliquez pourquoi la proposition peut être affichée de nouveau.")
    )
    proposal.hidden_at = None
    proposal.report_count = 0
    session.add(proposal)
    _dismiss_reports(session, proposal)
    session.flush()
    _record(
        session, actor, proposal, "bp.proposal_restored",
        _("Proposition %(ref)s vérifiée après signalements et affichée de nouveau : %(reason)s")
        % {"ref": proposal.reference, "reason": text},
    )  # fmt: skip
    tell_authors(session, proposal, event="restored")
