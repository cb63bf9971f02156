"""Residents: write a proposal from a phone (drafts kept), send it, change it, report one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.accounts.deps import CurrentPrincipal, DbSession
from backend.accounts.levels import level_of
from backend.accounts.permissions import require_authenticated
from backend.accounts.security import flash
from backend.budget import notify, trust
from backend.budget.models import Edition, Proposal
from backend.budget.permissions import Authored, EditionDep, Reported, enforce, submit_policy
from backend.budget.photos import delete_photo
from backend.budget.rules import ProposalInput
from backend.budget.service import editions, proposals
from backend.budget.views.common import (
    ProposalForm,
    errors_of,
    form_context,
    labels,
    location_of,
    picker_for,
    proposal_url,
    read_photo,
)
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.territory.models import Qpv
from backend.web import redirect, render

router = APIRouter(include_in_schema=False)


@router.get("/budget-participatif/mes-propositions")
def my_proposals(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    mine = proposals.my_proposals(session, user)
    slugs = {e.id: e for e in editions.list_editions(session, public_only=False)}
    return render(request, "budget/mine.html", {"items": mine, "editions_by_id": slugs, **labels()})


@router.get("/budget-participatif/{slug}/carte")
def map_picker(request: Request, session: DbSession, edition: EditionDep, qpv_code: str = "") -> Response:
    """The map for the chosen QPV (htmx swaps it in when the QPV changes)."""
    return render(
        request,
        "budget/_picker.html",
        {"picker": picker_for(session, qpv_code, None, None), "form": {"point": ""}},
    )


def _read(
    title: str, description: str, theme: str, qpv_code: str, location_text: str, estimated_cost: str, operating_cost: str,
    point: str, map_qpv: str, remove_photo: str,
) -> ProposalForm:  # fmt: skip
    data = ProposalInput(title, description, theme, qpv_code, location_text, estimated_cost, operating_cost)
    return ProposalForm(data, point=point, map_qpv=map_qpv, remove_photo=bool(remove_photo))


def _profile_qpv_code(session: DbSession, principal: CurrentPrincipal) -> str:
    user = principal.user
    qpv = session.get(Qpv, user.qpv_id) if user and user.qpv_id else None
    return qpv.code if qpv else ""


def _save(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: Edition,
    proposal: Proposal | None,
    form: ProposalForm,
    photo: UploadFile | None,
    action: str,
) -> Response:
    """Save the draft; send it when asked. On any problem the draft keeps what was typed and
    the form comes back with every error."""
    user = require_authenticated(principal)
    refs = editions.edition_qpvs(session, edition)
    read_photo(request, form, photo)
    location, clear = location_of(request, session, form, proposal)
    old_photo = proposal.photo if proposal else None
    photo_name = form.photo_name
    if form.remove_photo and not photo_name:
        photo_name = ""
    if action == "envoyer" and (
        missing := trust.missing("propose", level_of(user), edition.level_to_propose)
    ):
        # A draft written before the person lost (or never had) the level stays saved as a draft.
        form.errors.append(Invalid(missing.message))
    if action == "envoyer" and not form.errors:
        try:
            with session.begin_nested():
                saved = proposals.save_draft(
                    session,
                    edition,
                    proposal,
                    form.data,
                    author=user,
                    location=location,
                    clear_location=clear,
                    photo=photo_name,
                )
                found = proposals.submit(session, principal.actor(), edition, saved, form.data)
        except DomainError as exc:
            form.errors.extend(errors_of(exc))
        else:
            if old_photo and photo_name is not None and old_photo != photo_name:
                delete_photo(request.app.state.settings.upload_dir, old_photo)
            notify.send_after_response(request, background, session, edition, saved)
            message = _("Votre proposition est envoyée. La table de quartier va la relire.")
            if found:
                message += " " + _("Attention : %(checks)s") % {"checks": " ".join(p.message for p in found)}
            flash(request, message, "success")
            return redirect(proposal_url(edition, saved), request)
    saved = proposals.save_draft(
        session,
        edition,
        proposal,
        form.data,
        author=user,
        location=location,
        clear_location=clear,
        photo=photo_name,
    )
    if old_photo and photo_name is not None and old_photo != photo_name:
        delete_photo(request.app.state.settings.upload_dir, old_photo)
    if form.errors:
        ctx = form_context(session, edition, refs, form, saved)
        ctx["draft_saved"] = True
        return render(request, "budget/form.html", ctx, status_code=422)
    flash(request, _("Votre brouillon est enregistré. Vous pouvez le reprendre plus tard."), "success")
    return redirect(proposal_url(edition, saved, "/modifier"), request)


@router.get("/budget-participatif/{slug}/proposer")
def new_form(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    refs = editions.edition_qpvs(session, edition)
    enforce(submit_policy(principal, edition, refs))
    form = ProposalForm(ProposalInput("", "", "", _profile_qpv_code(session, principal), "", "", ""))
    return render(request, "budget/form.html", form_context(session, edition, refs, form, None))


@router.post("/budget-participatif/{slug}/proposer")
def create(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    theme: Annotated[str, Form()] = "",
    qpv_code: Annotated[str, Form()] = "",
    location_text: Annotated[str, Form()] = "",
    estimated_cost: Annotated[str, Form()] = "",
    operating_cost: Annotated[str, Form()] = "",
    point: Annotated[str, Form()] = "",
    map_qpv: Annotated[str, Form()] = "",
    remove_photo: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "brouillon",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    enforce(submit_policy(principal, edition, editions.edition_qpvs(session, edition)))
    form = _read(
        title,
        description,
        theme,
        qpv_code,
        location_text,
        estimated_cost,
        operating_cost,
        point,
        map_qpv,
        remove_photo,
    )
    return _save(request, background, session, principal, edition, None, form, photo, action)


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}/modifier")
def edit_form(request: Request, session: DbSession, access: Authored) -> Response:
    proposal, edition = access.proposal, access.edition
    refs = editions.edition_qpvs(session, edition)
    code = access.qpv.code if access.qpv else _profile_qpv_code(session, access.principal)
    form = ProposalForm.from_proposal(proposal, code)
    return render(request, "budget/form.html", form_context(session, edition, refs, form, proposal))


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/modifier")
def update(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    access: Authored,
    title: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    theme: Annotated[str, Form()] = "",
    qpv_code: Annotated[str, Form()] = "",
    location_text: Annotated[str, Form()] = "",
    estimated_cost: Annotated[str, Form()] = "",
    operating_cost: Annotated[str, Form()] = "",
    point: Annotated[str, Form()] = "",
    map_qpv: Annotated[str, Form()] = "",
    remove_photo: Annotated[str, Form()] = "",
    action: Annotated[str, Form()] = "brouillon",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    form = _read(
        title,
        description,
        theme,
        qpv_code,
        location_text,
        estimated_cost,
        operating_cost,
        point,
        map_qpv,
        remove_photo,
    )
    return _save(
        request, background, session, access.principal, access.edition, access.proposal, form, photo, action
    )


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/supprimer")
def delete(request: Request, session: DbSession, access: Authored) -> Response:
    photo = proposals.delete_draft(session, access.proposal)
    delete_photo(request.app.state.settings.upload_dir, photo)
    flash(request, _("Le brouillon est supprimé."), "success")
    return redirect("/budget-participatif/mes-propositions", request)


@router.post("/budget-participatif/{slug}/propositions/{proposal_id}/signaler")
def report(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    access: Reported,
    reason: Annotated[str, Form()] = "",
) -> Response:
    user = require_authenticated(access.principal)
    url = proposal_url(access.edition, access.proposal)
    try:
        with session.begin_nested():
            hidden = proposals.report(session, user, access.edition, access.proposal, reason)
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(url + "#signaler", request)
    if hidden:
        notify.send_after_response(
            request, background, session, access.edition, access.proposal, event="hidden"
        )
    flash(request, _("Merci. Votre signalement est transmis à la table de quartier."), "success")
    return redirect(url, request)
