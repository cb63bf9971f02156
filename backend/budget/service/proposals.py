"""Proposals: drafts, submission (by residents or for them, in person), reports, public lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget import phases
from backend.budget.models import (
    EDITABLE_STATUSES,
    Edition,
    PhaseKey,
    Proposal,
    ProposalReport,
    ProposalStatus,
    ReportReason,
)
from backend.budget.notify import tell_authors
from backend.budget.rules import (
    DRAFT_DESCRIPTION_MAX,
    TITLE_MAX,
    Precheck,
    ProposalInput,
    parse_euros,
    prechecks,
    validate_for_submission,
)
from backend.budget.service.editions.common import PROCESS, calendar
from backend.budget.service.editions.envelopes import edition_qpvs, envelope_for, qpv_in_edition
from backend.budget.service.proposal_lists import OBJECT
from backend.db import get_or_not_found, utcnow
from backend.errors import Conflict, Invalid, Problems
from backend.forms import clean_text
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import SYSTEM, ActorRef, record
from backend.territory.models import QpvRef
from backend.territory.service import locator, qpv_ref


def get_proposal(session: Session, proposal_id: int) -> Proposal:
    return get_or_not_found(session, Proposal, proposal_id, _("Cette proposition n'existe pas."))


def proposal_qpv(session: Session, proposal: Proposal) -> QpvRef | None:
    return qpv_ref(session, proposal.qpv_id) if proposal.qpv_id else None


# --- drafts and submission ------------------------------------------------------------------


def journal_proposal(
    session: Session,
    actor: ActorRef,
    proposal: Proposal,
    action: str,
    reason: str,
    payload: Mapping[str, Any],
    *,
    qpv: QpvRef | None | Literal["lookup"] = "lookup",
) -> None:
    """Journal ``action`` about the proposal, under its quartier (looked up unless given), so that
    its page and the quartier's journal list it."""
    ref = proposal_qpv(session, proposal) if qpv == "lookup" else qpv
    record(
        session,
        actor=actor,
        action=action,
        process=PROCESS,
        object_type=OBJECT,
        object_id=proposal.id,
        territory=ref.code if ref else None,
        reason=reason,
        payload=payload,
    )


@dataclass(frozen=True)
class Location:
    """A point chosen on the map or found from the address (lat, lon)."""

    lat: float
    lon: float


def _lenient_euros(value: str) -> int | None:
    try:
        return parse_euros(value, "cost")
    except Invalid:
        return None


def save_draft(
    session: Session,
    edition: Edition,
    proposal: Proposal | None,
    data: ProposalInput,
    *,
    author: User | None,
    location: Location | None = None,
    clear_location: bool = False,
    photo: str | None = None,
) -> Proposal:
    """Keep whatever was typed; nothing is checked beyond that (a description over the limit is
    kept whole so the author can shorten it; sending refuses it). Not journaled: a draft is
    private until it is sent."""
    if proposal is None:
        proposal = Proposal(edition_id=edition.id, author_id=author.id if author else None)
    refs = {r.code: r for r in edition_qpvs(session, edition)}
    ref = refs.get(data.qpv_code)
    proposal.title = clean_text(data.title, TITLE_MAX)
    proposal.description = clean_text(data.description, DRAFT_DESCRIPTION_MAX, multiline=True)
    proposal.theme = data.theme if data.theme in edition.theme_labels else ""
    proposal.qpv_id = ref.id if ref else None
    proposal.location_text = clean_text(data.location_text, 300)
    proposal.estimated_cost = _lenient_euros(data.estimated_cost)
    proposal.operating_cost = _lenient_euros(data.operating_cost)
    if location is not None:
        proposal.location_lat, proposal.location_lon = location.lat, location.lon
    elif clear_location:
        proposal.location_lat = proposal.location_lon = None
    if photo is not None:
        proposal.photo = photo
    proposal.updated_at = utcnow()
    session.add(proposal)
    session.flush()
    return proposal


def _validate_and_place(
    session: Session, edition: Edition, proposal: Proposal, data: ProposalInput
) -> QpvRef:
    codes = [r.code for r in edition_qpvs(session, edition)]
    problems = validate_for_submission(data, list(edition.theme_labels), codes)
    if problems:
        raise Problems(problems)
    ref = qpv_ref(session, proposal.qpv_id)  # type: ignore[arg-type]
    envelope = envelope_for(session, edition, ref)
    if envelope is None:
        raise Invalid(
            _("Aucune enveloppe ne couvre ce quartier : prévenez l'équipe du budget participatif."),
            field="qpv_code",
        )
    proposal.envelope_id = envelope.id
    return ref


def submit(
    session: Session, actor: ActorRef, edition: Edition, proposal: Proposal, data: ProposalInput
) -> list[Precheck]:
    """Send a draft to the table de quartier (or send it back after a request for changes).
    Every field is checked; the pre-checks come back as warnings for the author."""
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(_("Cette proposition a déjà été envoyée."))
    ref = _validate_and_place(session, edition, proposal, data)
    resubmitted = proposal.status == ProposalStatus.changes_requested
    proposal.status = ProposalStatus.submitted
    proposal.submitted_at = utcnow()
    session.add(proposal)
    session.flush()
    found = proposal_prechecks(session, edition, proposal)
    if resubmitted:
        action = "bp.proposal_resubmitted"
        reason = _(
            "Proposition %(ref)s modifiée par la personne qui l'a proposée et renvoyée à la table de quartier."
        )
    else:
        action = "bp.proposal_submitted"
        reason = _("Proposition %(ref)s déposée dans le quartier %(qpv)s.")
    reason %= {"ref": proposal.reference, "qpv": ref.name}
    payload = {"edition": edition.slug, "theme": proposal.theme, "prechecks": [p.code for p in found]}
    journal_proposal(session, actor, proposal, action, reason, payload, qpv=ref)
    return found


def file_for_resident(
    session: Session,
    actor: ActorRef,
    edition: Edition,
    data: ProposalInput,
    *,
    author: User | None,
    author_label: str,
    location: Location | None = None,
    photo: str | None = None,
) -> Proposal:
    """A moderator or agent files the proposal of a resident met in person; recorded as such."""
    label = " ".join(author_label.split())
    if author is None and not 2 <= len(label) <= 80:
        raise Invalid(_("Indiquez le nom de la personne, de 2 à 80 lettres ou signes."), field="author_label")
    codes = [r.code for r in edition_qpvs(session, edition)]
    problems = validate_for_submission(data, list(edition.theme_labels), codes)
    if problems:
        raise Problems(problems)
    proposal = save_draft(session, edition, None, data, author=author, location=location, photo=photo)
    ref = _validate_and_place(session, edition, proposal, data)
    proposal.author_label = None if author else label
    proposal.filed_by = actor.id
    proposal.filed_by_role = actor.role
    proposal.status = ProposalStatus.submitted
    proposal.submitted_at = utcnow()
    session.add(proposal)
    session.flush()
    found = proposal_prechecks(session, edition, proposal)
    from backend.rendering import role_label

    journal_proposal(
        session,
        actor,
        proposal,
        "bp.proposal_filed_in_person",
        _(
            "Proposition %(ref)s déposée en personne pour un habitant ou une habitante, avec l'aide de : %(role)s."
        )
        % {"ref": proposal.reference, "role": role_label(actor.role)},
        {
            "edition": edition.slug,
            "in_person": True,
            "has_account": author is not None,
            "prechecks": [p.code for p in found],
        },
        qpv=ref,
    )
    return proposal


# Residents are warned this many days before the announced end of the dépôt des idées.
DEADLINE_WARNING_DAYS = 7


@dataclass(frozen=True)
class DraftDeadline:
    """Until when a draft can be sent: the announced last day of the dépôt des idées (if any)
    and whether the dépôt is over (then drafts can no longer be sent)."""

    ends_on: date | None
    days_left: int | None
    closed: bool

    @property
    def soon(self) -> bool:
        return not self.closed and self.days_left is not None and self.days_left <= DEADLINE_WARNING_DAYS


def draft_deadline(session: Session, edition: Edition, today: date) -> DraftDeadline:
    """The dépôt deadline of an edition as seen on `today` (a Paris date)."""
    row = next((r for r in calendar(session, edition) if r.phase == PhaseKey.depot), None)
    ends_on = row.ends_on if row else None
    current = phases.ORDER.index(edition.phase) if edition.phase in phases.ORDER else 0
    closed = current > phases.ORDER.index(PhaseKey.depot)
    return DraftDeadline(ends_on, (ends_on - today).days if ends_on else None, closed)


def delete_draft(session: Session, proposal: Proposal) -> str | None:
    """Delete a private draft; returns its photo name so the caller removes the file."""
    if proposal.status != ProposalStatus.draft:
        raise Conflict(_("Seul un brouillon peut être supprimé."))
    photo = proposal.photo
    session.delete(proposal)
    session.flush()
    return photo


# --- pre-checks --------------------------------------------------------------------------------


def proposal_prechecks(
    session: Session, edition: Edition, proposal: Proposal, *, services: bool = False
) -> list[Precheck]:
    """The automatic checks, on the author's figures or (at instruction) the services'."""
    ref = proposal_qpv(session, proposal)
    located: bool | None = None
    if proposal.location_lat is not None and proposal.location_lon is not None:
        code = locator(session).locate(proposal.location_lat, proposal.location_lon)
        located = code is not None and code in {r.code for r in edition_qpvs(session, edition)}
    use_services = services and proposal.services_cost is not None
    return prechecks(
        cost=proposal.services_cost if use_services else proposal.estimated_cost,
        operating_cost=proposal.services_operating_cost if use_services else proposal.operating_cost,
        cost_cap=edition.cost_cap,
        operating_share_max=edition.operating_share_max,
        qpv_in_territory=qpv_in_edition(edition, ref) if ref else None,
        location_in_territory=located,
    )


# --- reports -----------------------------------------------------------------------------------


def report(session: Session, user: User, edition: Edition, proposal: Proposal, reason: str) -> bool:
    """Record a resident's report (who may report is `permissions.report_policy`, checked by the
    route); past the edition's threshold the proposal is hidden until a moderator reviews it
    (journaled, without naming who reported). True when it got hidden."""
    if reason not in set(ReportReason):
        raise Invalid(_("Choisissez pourquoi vous signalez cette proposition."), field="reason")
    already = session.exec(
        select(ProposalReport.id).where(
            ProposalReport.proposal_id == proposal.id, ProposalReport.user_id == user.id
        )
    ).first()
    if already is not None:
        raise Conflict(
            _("Vous avez déjà signalé cette proposition. Merci, la table de quartier est prévenue.")
        )
    session.add(ProposalReport(proposal_id=proposal.id, user_id=user.id, reason=reason))
    proposal.report_count += 1
    hidden = proposal.report_count >= edition.report_threshold
    if hidden:
        proposal.hidden_at = utcnow()
    session.add(proposal)
    session.flush()
    if hidden:
        reason = ngettext(
            "Proposition %(ref)s masquée après %(n)d signalement, en attendant la vérification de la table de quartier.",
            "Proposition %(ref)s masquée après %(n)d signalements, en attendant la vérification de la table de quartier.",
            proposal.report_count,
        ) % {"ref": proposal.reference, "n": proposal.report_count}
        payload = {"reports": proposal.report_count, "threshold": edition.report_threshold}
        journal_proposal(session, SYSTEM, proposal, "bp.proposal_hidden", reason, payload)
        tell_authors(session, proposal, event="hidden")
    return hidden


def open_reports(session: Session, proposal: Proposal) -> dict[str, int]:
    rows = session.exec(
        select(ProposalReport.reason, func.count(col(ProposalReport.id)))
        .where(ProposalReport.proposal_id == proposal.id, col(ProposalReport.dismissed_at).is_(None))
        .group_by(ProposalReport.reason)
    ).all()
    return dict(rows)
