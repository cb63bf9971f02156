"""The online ballot (phone first, works without JavaScript): choose, check, confirm, receipt.
Also the receipt check, open to anyone holding a receipt."""

from __future__ import annotations

from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import require_authenticated
from backend.budget import falc, phases, trust
from backend.budget.models import Edition, PhaseKey
from backend.budget.permissions import EditionDep
from backend.budget.voting import service
from backend.budget.voting.ballot_form import (
    ballot_context,
    ballot_screen,
    context_of,
    form_value,
    read_choice,
    vote_cache,
)
from backend.budget.voting.context import Choice, EnvelopeBallot, VoteContext
from backend.budget.voting.eligibility import voter_facts
from backend.budget.voting.results import check_published_receipt, results_of
from backend.budget.voting.secrecy import normalize_receipt, receipt_hash
from backend.budget.voting.service import BallotRefused, NotEligible
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import Conflict, DomainError
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.views_common import WholeForm

router = APIRouter(include_in_schema=False)
RECEIPT_KEY = "bp_receipt"


def _base(edition: Edition) -> str:
    return f"/budget-participatif/{edition.slug}"


def _after_vote(edition: Edition) -> bool:
    return phases.ORDER.index(edition.phase) > phases.ORDER.index(PhaseKey.vote)


def _page(
    request: Request,
    session: DbSession,
    edition: Edition,
    ctx: VoteContext,
    envelope: EnvelopeBallot | None,
    choice: Choice,
    *,
    template: str = "budget/vote.html",
    error: DomainError | None = None,
    check: bool = False,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "edition": edition,
        "ctx": ctx,
        "envelope": envelope,
        "error": error,
        "problems": error.problems if isinstance(error, BallotRefused) else [],
        "vote_rules": falc.vote_rules(edition),
        "vote_requirement": trust.requirement("vote", edition.level_to_vote),
        "base": _base(edition),
        "screen": ballot_screen(_base(edition)),
        "voted": None,
        "refusal": None,
        **(extra or {}),
    }
    if envelope is not None:
        context.update(ballot_context(ctx, envelope, choice, check=check))
    return render(request, template, context, status_code=status_code)


def _voter_state(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: Edition
) -> tuple[VoteContext, EnvelopeBallot | None, dict[str, Any], int]:
    """The vote context, this person's envelope (None if refused) and what to tell them."""
    user = require_authenticated(principal)
    service.require_vote_phase(edition.phase, phases.Act.vote)
    ctx = context_of(request, session, edition)
    extra: dict[str, Any] = {}
    voted = service.voter_row(session, ctx.edition_id, user.id)
    extra["voted"] = voted
    try:
        envelope = service.eligible_envelope(
            ctx,
            voter_facts(
                user.birth_year,
                user.qpv_id,
                user.residence_status,
                user.email_confirmed_at,
                user.phone_confirmed_at,
            ),
        )
    except NotEligible as exc:
        extra["refusal"] = exc.refusal
        return ctx, None, extra, 403
    if voted is not None and not (ctx.revote_allowed and voted.channel == "online"):
        extra["closed_for_me"] = True
        return ctx, None, extra, 200
    return ctx, envelope, extra, 200


class VoterState(NamedTuple):
    ctx: VoteContext
    envelope: EnvelopeBallot | None
    extra: dict[str, Any]
    status: int


def voter_state(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> VoterState:
    """The routes that read a ballot: signed in (401), vote open (409), then the person's envelope."""
    return VoterState(*_voter_state(request, session, principal, edition))


VoterDep = Annotated[VoterState, Depends(voter_state)]


@router.get("/budget-participatif/{slug}/voter")
def ballot_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    if _after_vote(edition):
        return redirect(f"{_base(edition)}/resultats")
    ctx, envelope, extra, status = _voter_state(request, session, principal, edition)
    return _page(request, session, edition, ctx, envelope, Choice(), extra=extra, status_code=status)


@router.post("/budget-participatif/{slug}/voter/compteur")
def running_count(request: Request, state: VoterDep, raw: WholeForm) -> Response:
    """htmx: the count (or budget) as projects are ticked; nothing is stored."""
    ctx, envelope = state.ctx, state.envelope
    if envelope is None:
        return Response(status_code=204)
    return render(request, "budget/_vote_counter.html", ballot_context(ctx, envelope, read_choice(ctx, raw)))


@router.post("/budget-participatif/{slug}/voter")
def submit_ballot(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    state: VoterDep,
    raw: WholeForm,
) -> Response:
    ctx, envelope, extra, status = state
    if envelope is None:
        return _page(request, session, edition, ctx, None, Choice(), extra=extra, status_code=status or 409)
    user = require_authenticated(principal)
    choice = read_choice(ctx, raw)
    action = form_value(raw, "action")
    problems = ctx.problems(envelope, choice)
    if action == "modifier":
        return _page(request, session, edition, ctx, envelope, choice, extra=extra)
    if not problems and action != "confirmer":
        return _page(
            request, session, edition, ctx, envelope, choice, template="budget/vote_confirm.html", extra=extra
        )
    result = (
        BallotRefused(problems)
        if problems
        else attempt(
            session,
            lambda: service.cast_online(
                session,
                secret=request.app.state.settings.secret_key,
                edition_id=ctx.edition_id,
                slug=edition.slug,
                user_id=user.id,
                choice=choice,
                cache=vote_cache(request),
            ),
        )
    )
    if isinstance(result, DomainError):
        code = result.status_code if result.status_code in (403, 409, 422) else 422
        return _page(
            request,
            session,
            edition,
            ctx,
            envelope,
            choice,
            error=result,
            check=True,
            extra=extra,
            status_code=code,
        )
    request.session[RECEIPT_KEY] = {
        "slug": edition.slug,
        "code": result.receipt,
        "revote": result.revote,
        "envelope": result.envelope.label,
    }
    return redirect(f"{_base(edition)}/voter/recu", request)


@router.get("/budget-participatif/{slug}/voter/recu")
def receipt_page(request: Request, principal: CurrentPrincipal, edition: EditionDep) -> Response:
    """The receipt, shown once: it is removed from the session as it is displayed."""
    require_authenticated(principal)
    data = request.session.get(RECEIPT_KEY)
    if not data or data.get("slug") != edition.slug:
        return redirect(f"{_base(edition)}/voter")
    request.session.pop(RECEIPT_KEY, None)
    return render(
        request,
        "budget/vote_receipt.html",
        {
            "edition": edition,
            "receipt": data,
            "base": _base(edition),
            "check_url": f"{_base(edition)}/verifier-recu",
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/budget-participatif/{slug}/verifier-recu")
def receipt_check_form(request: Request, edition: EditionDep) -> Response:
    """The receipt check form. The code is sent by POST only: in an address it would stay in the
    browser's history and the server's logs. An old link with `?code=` goes to the bare form."""
    if request.url.query:
        return redirect(f"{_base(edition)}/verifier-recu")
    return _check_page(request, edition)


@router.post("/budget-participatif/{slug}/verifier-recu")
def check_receipt(request: Request, session: DbSession, edition: EditionDep, raw: WholeForm) -> Response:
    """Anyone holding a receipt checks that the ballot is counted (after close: in the file)."""
    code = form_value(raw, "code")
    if not code:
        return _check_page(request, edition, error=Conflict(_("Tapez le code de votre reçu.")))
    canonical = normalize_receipt(code)
    if canonical is None:
        return _check_page(
            request,
            edition,
            code=code,
            error=Conflict(
                _("Ce code n'a pas la bonne forme : il a 12 caractères, par exemple 7K3M-Q9XD-2HRA.")
            ),
        )
    found: Any
    if results_of(session, edition):
        found = check_published_receipt(session, edition, receipt_hash(canonical))
    else:
        found = {"recorded": service.ballot_by_receipt(session, edition.id, canonical) is not None}
    return _check_page(request, edition, code=code, found=found)


def _check_page(
    request: Request, edition: Edition, *, code: str = "", found: Any = None, error: DomainError | None = None
) -> Response:
    return render(
        request,
        "budget/vote_check.html",
        {"edition": edition, "code": code[:40], "found": found, "error": error, "base": _base(edition)},
        status_code=422 if error else 200,
        headers={"Cache-Control": "no-store"},
    )
