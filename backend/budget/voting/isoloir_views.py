"""The voter's screens on the voting point's tablet (« isoloir »): after the émargement
(:mod:`.emargement_views`), the person chooses, checks and confirms alone, then sees their receipt
once before handing the tablet back. The same ballot templates as online (:func:`.ballot_screen`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.accounts.security import flash
from backend.budget.voting import ballot_form, isoloir
from backend.budget.voting.context import Choice
from backend.budget.voting.service import BallotRefused
from backend.budget.voting.voting_point import GRANT_KEY, RECEIPT_KEY, PointDep, VotingPoint
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, NotFound
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.views_common import WholeForm

router = APIRouter(include_in_schema=False)


def _isoloir_page(
    request: Request,
    session: DbSession,
    point: VotingPoint,
    grant: isoloir.Pass,
    choice: Choice,
    *,
    template: str = "budget/vote.html",
    error: DomainError | None = None,
) -> Response:
    ctx = ballot_form.context_of(request, session, point.edition)
    envelope = ctx.envelopes.get(grant.envelope_id)
    if envelope is None:
        raise NotFound(_("Ce bulletin ne correspond à aucune enveloppe."))
    context: dict[str, Any] = {
        "edition": point.edition,
        "base": point.base,
        "screen": ballot_form.ballot_screen(point.base, tablet=True),
        "error": error,
        "problems": error.problems if isinstance(error, BallotRefused) else [],
        "isoloir": True,
        "refusal": None,  # the agent checked who may vote before the sign-in
        "voted": None,
        **ballot_form.ballot_context(ctx, envelope, choice, check=error is not None),
    }
    status_code = error.status_code if error else 200
    return render(request, template, context, status_code=status_code, headers={"Cache-Control": "no-store"})


@router.get("/budget-participatif/{slug}/bureau/isoloir")
def isoloir_page(request: Request, session: DbSession, point: PointDep) -> Response:
    """The voter's screen: their ballot, alone."""
    if point.grant is None:
        return redirect(point.base)
    return _isoloir_page(request, session, point, point.grant, Choice())


@router.post("/budget-participatif/{slug}/bureau/isoloir/compteur")
def isoloir_running_count(request: Request, session: DbSession, point: PointDep, raw: WholeForm) -> Response:
    """htmx: the count (or budget) of the ballot being chosen; nothing is stored."""
    ctx = ballot_form.context_of(request, session, point.edition)
    envelope = ctx.envelopes.get(point.grant.envelope_id) if point.grant else None
    if envelope is None:
        return Response(status_code=204)
    return render(
        request,
        "budget/_vote_counter.html",
        ballot_form.ballot_context(ctx, envelope, ballot_form.read_choice(ctx, raw)),
    )


@router.post("/budget-participatif/{slug}/bureau/isoloir")
def isoloir_ballot(request: Request, session: DbSession, point: PointDep, raw: WholeForm) -> Response:
    """« Vérifier » shows the choice again; « Confirmer » drops it in the urn (once per pass)."""
    grant = point.grant
    if grant is None:
        flash(
            request,
            _("Ce vote sur la tablette est déjà enregistré, ou la personne n'a pas signé la liste."),
            "error",
        )
        return redirect(point.base)
    ctx = ballot_form.context_of(request, session, point.edition)
    choice = ballot_form.read_choice(ctx, raw)
    action = ballot_form.form_value(raw, "action")
    if action != "confirmer":
        problems = ctx.problems(ctx.envelopes[grant.envelope_id], choice) if action == "verifier" else []
        if action == "verifier" and not problems:
            return _isoloir_page(request, session, point, grant, choice, template="budget/vote_confirm.html")
        return _isoloir_page(
            request, session, point, grant, choice, error=BallotRefused(problems) if problems else None
        )
    receipt = attempt(
        session,
        lambda: isoloir.cast(
            session, edition=point.edition, grant=grant, choice=choice, cache=ballot_form.vote_cache(request)
        ),
    )
    if isinstance(receipt, BallotRefused):
        return _isoloir_page(request, session, point, grant, choice, error=receipt)
    request.session.pop(GRANT_KEY, None)
    if isinstance(receipt, DomainError):
        flash(request, receipt.message, "error")
        return redirect(point.base)
    request.session[RECEIPT_KEY] = {"slug": point.edition.slug, "code": receipt}
    return redirect(f"{point.base}/isoloir/recu", request)


@router.get("/budget-participatif/{slug}/bureau/isoloir/recu")
def isoloir_receipt(request: Request, point: PointDep) -> Response:
    """Still the voter's screen: their receipt, shown once, before the tablet goes back."""
    data = request.session.pop(RECEIPT_KEY, None)
    if not data or data.get("slug") != point.edition.slug:
        return redirect(f"{point.base}/a-vote")
    return render(
        request,
        "budget/isoloir_receipt.html",
        {"edition": point.edition, "base": point.base, "code": data["code"], "isoloir": True},
        headers={"Cache-Control": "no-store"},
    )
