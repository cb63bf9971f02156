"""Residents: write a proposal from a phone (drafts kept), send it, change it, report one."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import enforce, require_authenticated
from backend.budget.models import EDITABLE_STATUSES, Edition, Proposal, ProposalStatus
from backend.budget.permissions import Authored, EditionDep, Reported, submit_policy
from backend.budget.rules import ProposalInput, description_too_long
from backend.budget.service import editions, proposal_lists, proposal_photos, proposals
from backend.budget.service.proposal_photos import ProposalForm
from backend.budget.views.common import (
    PostedProposal,
    form_context,
    labels,
    paris_today,
    picker_for,
    proposal_url,
    upload_of,
)
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.territory.models import Qpv
from backend.views_common import done, refused

router = APIRouter(include_in_schema=False)


@router.get("/budget-participatif/mes-propositions")
def my_proposals(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    mine = proposal_lists.my_proposals(session, user)
    slugs = {e.id: e for e in editions.list_editions(session, public_only=False)}
    today = paris_today()
    deadlines = {
        p.edition_id: proposals.draft_deadline(session, slugs[p.edition_id], today)
        for p in mine
        if p.status == ProposalStatus.draft and p.edition_id in slugs
    }
    return render(
        request,
        "budget/mine.html",
        {"items": mine, "editions_by_id": slugs, "deadlines": deadlines, **labels()},
    )


@router.get("/budget-participatif/{slug}/carte")
def map_picker(request: Request, session: DbSession, edition: EditionDep, qpv_code: str = "") -> Response:
    """The map for the chosen QPV (htmx swaps it in when the QPV changes)."""
    return render(
        request,
        "budget/_picker.html",
        {"picker": picker_for(session, qpv_code, None, None), "form": {"point": ""}},
    )


# The session remembers which draft each « Proposer » form created, so that sending the same
# form again (a reload, a double tap, the back button) reuses that draft instead of adding one.
FORM_KEYS = "bp_draft_forms"
FORM_KEYS_KEPT = 5


def _form_draft(request: Request, form_key: str) -> int | None:
    value = request.session.get(FORM_KEYS, {}).get(form_key) if form_key else None
    return value if isinstance(value, int) else None


def _remember_draft(request: Request, form_key: str, proposal: Proposal) -> None:
    if not form_key or len(form_key) > 40 or proposal.id is None:
        return
    known = {k: v for k, v in request.session.get(FORM_KEYS, {}).items() if k != form_key}
    kept = list(known.items())[-(FORM_KEYS_KEPT - 1) :]
    request.session[FORM_KEYS] = {**dict(kept), form_key: proposal.id}


def _resident_context(
    session: DbSession, edition: Edition, form: ProposalForm, proposal: Proposal | None, form_key: str = ""
) -> dict[str, Any]:
    """The proposal form with what only residents see: the dépôt deadline and the form key."""
    ctx = form_context(session, edition, editions.edition_qpvs(session, edition), form, proposal)
    ctx["deadline"] = proposals.draft_deadline(session, edition, paris_today())
    ctx["form_key"] = form_key
    return ctx


def _profile_qpv_code(session: DbSession, principal: CurrentPrincipal) -> str:
    user = principal.user
    qpv = session.get(Qpv, user.qpv_id) if user and user.qpv_id else None
    return qpv.code if qpv else ""


def _save(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: Edition,
    proposal: Proposal | None,
    form: ProposalForm,
    photo: UploadFile | None,
    action: str,
    form_key: str = "",
) -> Response:
    """Save the draft; send it when asked. On any problem the draft keeps what was typed and
    the form comes back with every error."""
    user = require_authenticated(principal)
    outcome = proposal_photos.save_from_form(
        session,
        edition,
        proposal,
        form,
        author=user,
        actor=principal.actor(),
        send=action == "envoyer",
        photo=upload_of(photo),
        upload_dir=request.app.state.settings.upload_dir,
        geocoder=request.app.state.geocoder,
    )
    saved = outcome.proposal
    _remember_draft(request, form_key, saved)
    if outcome.sent:
        message = _("Votre proposition est envoyée. La table de quartier va la relire.")
        if outcome.prechecks:
            checks = " ".join(p.message for p in outcome.prechecks)
            message += " " + _("Attention : %(checks)s") % {"checks": checks}
        return done(request, proposal_url(edition, saved), message)
    if form.errors:
        ctx = _resident_context(session, edition, form, saved)
        ctx["draft_saved"] = True
        return render(request, "budget/form.html", ctx, status_code=422)
    return done(
        request,
        proposal_url(edition, saved, "/modifier"),
        _("Votre brouillon est enregistré. Vous pouvez le reprendre plus tard."),
    )


@router.get("/budget-participatif/{slug}/proposer")
def new_form(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    refs = editions.edition_qpvs(session, edition)
    enforce(submit_policy(principal, edition, refs))
    form = ProposalForm(ProposalInput("", "", "", _profile_qpv_code(session, principal), "", "", ""))
    ctx = _resident_context(session, edition, form, None, secrets.token_urlsafe(12))
    return render(request, "budget/form.html", ctx)


@router.post("/budget-participatif/{slug}/proposer")
def create(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    form: PostedProposal,
    action: Annotated[str, Form()] = "brouillon",
    form_key: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    user = require_authenticated(principal)
    enforce(submit_policy(principal, edition, editions.edition_qpvs(session, edition)))
    draft = None
    if (draft_id := _form_draft(request, form_key)) is not None:
        found = session.get(Proposal, draft_id)
        if found is not None and found.author_id == user.id and found.edition_id == edition.id:
            if found.status not in EDITABLE_STATUSES:  # this form was already sent
                return redirect(proposal_url(edition, found), request)
            draft = found
    return _save(request, session, principal, edition, draft, form, photo, action, form_key)


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}/modifier")
def edit_form(request: Request, session: DbSession, access: Authored) -> Response:
    proposal, edition = access.proposal, access.edition
    code = access.qpv.code if access.qpv else _profile_qpv_code(session, access.principal)
    form = ProposalForm.from_proposal(proposal, code)
    if too_long := description_too_long(proposal.description):
        form.errors.append(too_long)
    return render(request, "budget/form.html", _resident_context(session, edition, form, proposal))


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/modifier")
def update(
    request: Request,
    session: DbSession,
    access: Authored,
    form: PostedProposal,
    action: Annotated[str, Form()] = "brouillon",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    return _save(request, session, access.principal, access.edition, access.proposal, form, photo, action)


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/supprimer")
def delete(request: Request, session: DbSession, access: Authored) -> Response:
    proposal_photos.delete_draft(session, request.app.state.settings.upload_dir, access.proposal)
    return done(request, "/budget-participatif/mes-propositions", _("Le brouillon est supprimé."))


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/signaler")
def report(
    request: Request, session: DbSession, access: Reported, reason: Annotated[str, Form()] = ""
) -> Response:
    user = require_authenticated(access.principal)
    url = proposal_url(access.edition, access.proposal)
    hidden = attempt(
        session, lambda: proposals.report(session, user, access.edition, access.proposal, reason)
    )
    if isinstance(hidden, DomainError):
        return refused(request, url + "#signaler", hidden)
    return done(request, url, _("Merci. Votre signalement est transmis à la table de quartier."))
