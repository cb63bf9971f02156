"""Public screens: editions, the list of proposals, a proposal's page with its history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import select

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role
from backend.budget import falc, mapgrid, phases
from backend.budget.models import ELIGIBLE_STATUSES, PUBLIC_STATUSES, Proposal, ProposalStatus
from backend.budget.permissions import (
    EditionDep,
    can_see_hidden,
    is_author,
    load_proposal,
    phase_refusal,
    report_policy,
    staff_policy,
    submit_policy,
)
from backend.budget.phases import Act
from backend.budget.photos import photo_path
from backend.budget.service import editions, instruction, proposal_lists, proposals
from backend.budget.service.proposal_photos import qpv_geometry
from backend.budget.views.common import STATUS_LABELS, labels, paris_today
from backend.deps import DbSession
from backend.errors import NotFound
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import Qpv, Secteur
from backend.views_common import page_count

router = APIRouter(include_in_schema=False)


@router.get("/budget-participatif")
def index(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    shown = editions.list_editions(session, public_only=not principal.is_admin)
    counts = {e.id: editions.status_counts(session, e) for e in shown}
    return render(request, "budget/index.html", {"editions": shown, "counts": counts, **labels()})


def _staff_links(principal: CurrentPrincipal, edition: EditionDep, refs: list[Any]) -> dict[str, bool]:
    return {
        "moderate": principal.is_authenticated
        and staff_policy(principal, edition, Act.moderate, refs) is None,
        "instruct": principal.is_authenticated
        and staff_policy(principal, edition, Act.instruct, refs) is None,
        "file_for": principal.is_authenticated
        and staff_policy(principal, edition, Act.file_for, refs) is None,
        "admin": principal.is_admin,
        "bureau": principal.is_authenticated
        and staff_policy(principal, edition, Act.record_paper_ballot, refs) is None,
    }


@router.get("/budget-participatif/{slug}")
def edition_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    refs = editions.edition_qpvs(session, edition)
    envelopes = editions.envelopes(session, edition)
    counts = editions.status_counts(session, edition)
    submit_refusal = (
        submit_policy(principal, edition, refs) if phase_refusal(edition, Act.submit) is None else None
    )
    status_rows = [
        (status, _(STATUS_LABELS[status]), counts.get(status, 0))
        for status in (ProposalStatus.submitted, *PUBLIC_STATUSES)
        if counts.get(status, 0)
    ]
    return render(
        request,
        "budget/edition.html",
        {
            "edition": edition,
            "spec": phases.spec(edition.phase),
            "phases_list": [p for p in phases.PHASES if p.public],
            "calendar": {row.phase: row for row in editions.calendar(session, edition)},
            "envelopes": envelopes,
            "total": sum(e.amount for e in envelopes),
            "qpv_count": len(refs),
            "status_rows": status_rows,
            "eligible_count": sum(counts.get(s, 0) for s in ELIGIBLE_STATUSES),
            "levels": falc.levels_summary(edition, principal.user),
            "proposal_rules": falc.proposal_rules(edition),
            "vote_rules": falc.vote_rules(edition),
            "can_decide": falc.lines(edition.can_decide),
            "cannot_decide": falc.lines(edition.cannot_decide),
            "submit_open": phase_refusal(edition, Act.submit) is None,
            "submit_refusal": submit_refusal,
            "staff": _staff_links(principal, edition, refs),
            **labels(),
        },
    )


def _list_filters(
    q: str = "", quartier: str = "", theme: str = "", statut: str = "", page: int = 1
) -> proposal_lists.Filters:
    """The list's filters as the query string gives them: the search cut short, page 1 at least."""
    return proposal_lists.Filters(q=q[:100], quartier=quartier, theme=theme, statut=statut, page=max(1, page))


@router.get("/budget-participatif/{slug}/propositions")
def proposal_list(
    request: Request,
    session: DbSession,
    edition: EditionDep,
    filters: Annotated[proposal_lists.Filters, Depends(_list_filters)],
) -> Response:
    items, total = proposal_lists.search(session, edition, filters)
    refs = editions.edition_qpvs(session, edition)
    names = {r.id: r.name for r in refs}
    return render(
        request,
        "budget/list.html",
        {
            "edition": edition,
            "items": items,
            "total": total,
            "page": filters.page,
            "pages": page_count(total, proposal_lists.PAGE_SIZE),
            "filters": filters,
            "qpvs": refs,
            "qpv_names": names,
            "statuses": [
                ("recevable", _("Recevables (au vote)")),
                *[(s.value, _(STATUS_LABELS[s])) for s in PUBLIC_STATUSES],
            ],
            **labels(),
        },
        block="results",
    )


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}")
def proposal_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, proposal_id: int
) -> Response:
    proposal, qpv = load_proposal(edition, proposal_id, session, principal)
    hidden_for_me = proposal.is_hidden and not can_see_hidden(principal, proposal, qpv)
    staff = _staff_links(principal, edition, [qpv] if qpv else [])
    author = is_author(principal, proposal)
    answers = instruction.answers_of(session, proposal)
    checklist_labels = {c["key"]: c["label"] for c in edition.checklist}
    merged_into = session.get(Proposal, proposal.merged_into_id) if proposal.merged_into_id else None
    point = (proposal.location_lat, proposal.location_lon)
    geom = qpv_geometry(session, qpv.code) if qpv and point[0] is not None and point[1] is not None else None
    envelope = proposal_lists.envelope_of(session, proposal)
    secteur = None
    if qpv and qpv.secteur_slug:
        secteur = session.exec(select(Secteur.name).where(Secteur.slug == qpv.secteur_slug)).first()
    show_checks = (
        author or staff["moderate"] or staff["instruct"] or principal.has_role(Role.agent, Role.moderator)
    )
    return render(
        request,
        "budget/proposal.html",
        {
            "edition": edition,
            "proposal": proposal,
            "hidden_for_me": hidden_for_me,
            "qpv": qpv,
            "secteur": secteur,
            "envelope": envelope,
            "theme_label": edition.theme_labels.get(proposal.theme, proposal.theme),
            "authors": proposal_lists.author_names(session, proposal),
            "history": proposal_lists.history(session, proposal),
            "answers": [(checklist_labels.get(k, k), a) for k, a in answers.items()],
            "merged_into": merged_into,
            "merged_sources": proposal_lists.merged_sources(session, proposal),
            "map": mapgrid.picker(geom, point) if geom is not None else None,  # type: ignore[arg-type]
            "is_author": author,
            "can_edit": author
            and proposal.status in (ProposalStatus.draft, ProposalStatus.changes_requested),
            "deadline": proposals.draft_deadline(session, edition, paris_today()),
            "can_report": report_policy(principal, edition, proposal) is None,
            "prechecks": proposals.proposal_prechecks(session, edition, proposal, services=True)
            if show_checks
            else [],
            "staff": staff,
            **labels(),
        },
    )


@router.get("/budget-participatif/{slug}/propositions/{proposal_id}/photo")
def proposal_photo(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, proposal_id: int
) -> Response:
    proposal, qpv = load_proposal(edition, proposal_id, session, principal)
    if proposal.is_hidden and not can_see_hidden(principal, proposal, qpv):
        raise NotFound(_("Cette photo n'existe pas."))
    path = photo_path(request.app.state.settings.upload_dir, proposal.photo or "")
    if path is None:
        raise NotFound(_("Cette photo n'existe pas."))
    public = proposal.status in PUBLIC_STATUSES and not proposal.is_hidden
    return FileResponse(
        path,
        media_type="image/jpeg",
        headers={"Cache-Control": "public, max-age=86400" if public else "private, no-store"},
    )


def qpv_name(session: DbSession, qpv_id: int | None) -> str:
    if qpv_id is None:
        return ""
    qpv = session.get(Qpv, qpv_id)
    return qpv.name if qpv else ""
