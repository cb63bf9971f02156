"""Tables de quartier and agents: moderation queue, filing for a resident met in person,
eligibility instruction."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlmodel import col, select

from backend.accounts import service as accounts
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import Principal, enforce
from backend.budget import phases
from backend.budget.models import ELIGIBLE_STATUSES, Edition, Proposal, ProposalStatus
from backend.budget.permissions import (
    EditionDep,
    Instructed,
    Moderated,
    acting_role,
    staff_policy,
    staff_qpvs,
)
from backend.budget.phases import Act
from backend.budget.rules import Answer, ProposalInput, parse_euros
from backend.budget.service import editions, instruction, moderation, proposal_lists, proposals
from backend.budget.service.moderation import MODERATED
from backend.budget.service.proposal_photos import ProposalForm, errors_of, place, store_upload
from backend.budget.views.common import (
    ModerationForm,
    PostedProposal,
    form_context,
    labels,
    proposal_url,
    upload_of,
)
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import QpvRef
from backend.views_common import Posted, WholeForm, chosen_quartiers, done

router = APIRouter(include_in_schema=False)


def _covered(session: DbSession, principal: Principal, edition: Edition, act: Act) -> list[QpvRef]:
    refs = editions.edition_qpvs(session, edition)
    enforce(staff_policy(principal, edition, act, refs))
    roles = tuple(phases.spec(edition.phase).roles_for(act))
    return staff_qpvs(principal, edition, roles, refs)


def _queue(
    session: DbSession, edition: Edition, qpv_ids: list[int], statuses: tuple[str, ...], hidden: bool = False
) -> list[Proposal]:
    query = select(Proposal).where(Proposal.edition_id == edition.id, col(Proposal.qpv_id).in_(qpv_ids))
    if hidden:
        query = query.where(col(Proposal.hidden_at).is_not(None))
    else:
        query = query.where(col(Proposal.status).in_(statuses), col(Proposal.hidden_at).is_(None))
    return list(session.exec(query.order_by(col(Proposal.submitted_at), col(Proposal.id))).all())


class _StaffList:
    """A staff list of one edition: the quartiers in one's charge for an act (checked here), and
    those the list is filtered on (`quartier`)."""

    def __init__(
        self, session: DbSession, principal: Principal, edition: Edition, act: Act, quartier: str
    ) -> None:
        self.session, self.edition, self.quartier = session, edition, quartier
        self.covered = _covered(session, principal, edition, act)
        self.ids = [r.id for r in chosen_quartiers(self.covered, quartier)]

    def proposals(self, statuses: tuple[str, ...], hidden: bool = False) -> list[Proposal]:
        return _queue(self.session, self.edition, self.ids, statuses, hidden)

    def context(self) -> dict[str, Any]:
        return {
            "edition": self.edition,
            "covered": self.covered,
            "quartier": self.quartier,
            "qpv_names": {r.id: r.name for r in self.covered},
            **labels(),
        }


# --- moderation --------------------------------------------------------------------------------


@router.get("/budget-participatif/{slug}/moderation")
def moderation_queue(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, quartier: str = ""
) -> Response:
    queue = _StaffList(session, principal, edition, Act.moderate, quartier)
    return render(
        request,
        "budget/moderation.html",
        {
            **queue.context(),
            "waiting": queue.proposals((ProposalStatus.submitted,)),
            "hidden": queue.proposals((), hidden=True),
            "changes": queue.proposals((ProposalStatus.changes_requested,)),
            "published": queue.proposals((ProposalStatus.published, *ELIGIBLE_STATUSES)),
        },
    )


def _moderation_page(
    request: Request,
    session: DbSession,
    access: Any,
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    proposal, edition = access.proposal, access.edition
    others = [
        p
        for p in _queue(
            session, edition, [proposal.qpv_id] if proposal.qpv_id else [], (*MODERATED, *ELIGIBLE_STATUSES)
        )
        if p.id != proposal.id
    ]
    return render(
        request,
        "budget/moderate.html",
        {
            "edition": edition,
            "proposal": proposal,
            "qpv": access.qpv,
            "theme_label": edition.theme_labels.get(proposal.theme, proposal.theme),
            "authors": proposal_lists.author_names(session, proposal),
            "reports": proposals.open_reports(session, proposal),
            "prechecks": proposals.proposal_prechecks(session, edition, proposal),
            "others": others,
            "error": error,
            "form": form or {},
            **labels(),
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}/moderation")
def moderation_form(request: Request, session: DbSession, access: Moderated) -> Response:
    return _moderation_page(request, session, access)


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/moderation")
def moderate(
    request: Request, session: DbSession, access: Moderated, posted: Posted[ModerationForm]
) -> Response:
    proposal, edition, actor = access.proposal, access.edition, access.actor
    reason = posted.decision_reason
    form = {**posted.typed("decision", "message", "category", "target"), "reason": reason}

    def decide() -> str:
        """What to tell the moderator (the authors are told by the service)."""
        if posted.decision == "publier":
            moderation.publish(session, actor, proposal)
            return _("Proposition publiée.")
        if posted.decision == "modifier":
            moderation.request_changes(session, actor, proposal, posted.message)
            return _("Demande de modification envoyée à l'auteur·rice.")
        if posted.decision == "refuser":
            moderation.reject(session, actor, proposal, posted.category, reason)
            return _("Proposition refusée. La raison est publique.")
        if posted.decision == "fusionner":
            other = session.get(Proposal, int(posted.target)) if posted.target.isdigit() else None
            if other is None or other.edition_id != edition.id:
                raise Invalid(_("Choisissez la proposition à garder."), field="target")
            moderation.merge(session, actor, proposal, other, reason)
            return _("Propositions fusionnées. Les auteur·rices des deux sont crédité·es.")
        if posted.decision == "reafficher":
            moderation.restore(session, actor, proposal, reason)
            return _("Proposition affichée de nouveau.")
        raise Invalid(_("Choisissez une décision."), field="decision")

    outcome = attempt(session, decide)
    if isinstance(outcome, DomainError):
        return _moderation_page(request, session, access, outcome, form)
    code = access.qpv.code if access.qpv else ""
    return done(request, f"/budget-participatif/{edition.slug}/moderation?quartier={code}", outcome)


# --- filing for a resident met in person ----------------------------------------------------


def _in_person_context(
    session: DbSession, edition: Edition, covered: list[QpvRef], form: ProposalForm, person: dict[str, str]
) -> dict[str, Any]:
    ctx = form_context(session, edition, covered, form, None)
    ctx.update(in_person=True, person=person)
    return ctx


@router.get("/budget-participatif/{slug}/deposer-pour")
def in_person_form(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    covered = _covered(session, principal, edition, Act.file_for)
    code = covered[0].code if len(covered) == 1 else ""
    form = ProposalForm(ProposalInput("", "", "", code, "", "", ""))
    return render(request, "budget/form.html", _in_person_context(session, edition, covered, form, {}))


@router.post("/budget-participatif/{slug}/deposer-pour")
def in_person_submit(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    form: PostedProposal,
    author_identifier: Annotated[str, Form()] = "",
    author_label: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    covered = _covered(session, principal, edition, Act.file_for)
    data = form.data
    person = {"author_identifier": author_identifier, "author_label": author_label}
    store_upload(session, request.app.state.settings.upload_dir, form, upload_of(photo))
    ref = next((r for r in covered if r.code == data.qpv_code), None)

    def file() -> Proposal:
        if ref is None:
            raise Invalid(_("Choisissez un quartier dont vous avez la charge."), field="qpv_code")
        role = acting_role(principal, edition, Act.file_for, ref)
        author = None
        if author_identifier.strip():
            try:
                author = accounts.find_by_identifier(session, author_identifier)
            except Invalid:
                author = None
            if author is None:
                raise Invalid(
                    _("Aucun compte avec cet identifiant. Laissez la case vide pour déposer sans compte."),
                    field="author_identifier",
                )
        if form.errors:
            raise form.errors[0]
        location, _clear = place(session, request.app.state.geocoder, form, None)
        return proposals.file_for_resident(
            session,
            principal.actor(role),
            edition,
            data,
            author=author,
            author_label=author_label,
            location=location,
            photo=form.photo_name,
        )

    proposal = attempt(session, file)
    if isinstance(proposal, DomainError):
        errors = errors_of(proposal)
        form.errors = errors + [e for e in form.errors if e not in errors]
        return render(
            request,
            "budget/form.html",
            _in_person_context(session, edition, covered, form, person),
            status_code=422,
        )
    message = _("Proposition déposée pour la personne. Elle attend maintenant la relecture.")
    return done(request, proposal_url(edition, proposal), message)


# --- eligibility instruction --------------------------------------------------------------------


@router.get("/budget-participatif/{slug}/instruction")
def instruction_queue(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, quartier: str = ""
) -> Response:
    queue = _StaffList(session, principal, edition, Act.instruct, quartier)
    todo = queue.proposals((ProposalStatus.published,))
    return render(
        request,
        "budget/instruction.html",
        {
            **queue.context(),
            "todo": todo,
            "checks": {p.id: proposals.proposal_prechecks(session, edition, p) for p in todo},
            "decided": queue.proposals((*ELIGIBLE_STATUSES, ProposalStatus.ineligible)),
        },
    )


def _instruct_page(
    request: Request,
    session: DbSession,
    access: Any,
    errors: list[Invalid] | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    proposal, edition = access.proposal, access.edition
    stored = instruction.answers_of(session, proposal)
    if form is None:
        form = {
            "answers": {k: ("oui" if a.met else "non", a.reason) for k, a in stored.items()},
            "decision": proposal.status if proposal.status != ProposalStatus.published else "",
            "services_cost": str(proposal.services_cost or ""),
            "services_operating_cost": str(proposal.services_operating_cost or ""),
            "changes": proposal.eligibility_changes or "",
            "summary": "",
        }
    errors = errors or []
    return render(
        request,
        "budget/instruct.html",
        {
            "edition": edition,
            "proposal": proposal,
            "qpv": access.qpv,
            "theme_label": edition.theme_labels.get(proposal.theme, proposal.theme),
            "prechecks": proposals.proposal_prechecks(session, edition, proposal, services=True),
            "form": form,
            "errors": {e.field or "": e for e in errors},
            "error_list": errors,
            **labels(),
        },
        status_code=422 if errors else 200,
    )


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}/instruction")
def instruct_form(request: Request, session: DbSession, access: Instructed) -> Response:
    return _instruct_page(request, session, access)


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/instruction")
def instruct(request: Request, session: DbSession, access: Instructed, raw: WholeForm) -> Response:
    def value(name: str) -> str:
        item = raw.get(name)
        return item if isinstance(item, str) else ""

    edition, proposal = access.edition, access.proposal
    answers: dict[str, Answer] = {}
    typed: dict[str, tuple[str, str]] = {}
    for criterion in edition.checklist:
        key = criterion["key"]
        met_text, reason = value(f"c-{key}"), value(f"r-{key}")
        typed[key] = (met_text, reason)
        answers[key] = Answer({"oui": True, "non": False}.get(met_text), reason)
    form: dict[str, Any] = {
        "answers": typed,
        "decision": value("decision"),
        "services_cost": value("services_cost"),
        "services_operating_cost": value("services_operating_cost"),
        "changes": value("changes"),
        "summary": value("summary"),
    }
    errors: list[Invalid] = []
    cost = operating = None
    try:
        cost = parse_euros(form["services_cost"], "services_cost")
    except Invalid as exc:
        errors.append(exc)
    try:
        operating = parse_euros(form["services_operating_cost"], "services_operating_cost")
    except Invalid as exc:
        errors.append(exc)
    if not errors:
        outcome = attempt(
            session,
            lambda: instruction.instruct(
                session,
                access.actor,
                edition,
                proposal,
                answers=answers,
                decision=form["decision"],
                services_cost=cost,
                services_operating_cost=operating,
                changes=form["changes"],
                summary=form["summary"],
            ),
        )
        if isinstance(outcome, DomainError):
            errors = errors_of(outcome)
    if errors:
        return _instruct_page(request, session, access, errors, form)
    code = access.qpv.code if access.qpv else ""
    url = f"/budget-participatif/{edition.slug}/instruction?quartier={code}"
    return done(request, url, _("Décision enregistrée. L'auteur·rice est prévenu·e."))
