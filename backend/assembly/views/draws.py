"""Staff pages of the public draw: the frozen pool, the seed, the draw and replacements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.assembly.permissions import SaisineContext, StaffSaisine
from backend.assembly.service import draws
from backend.assembly.views.common import manage_url, one_click, saisine_url
from backend.assembly.views.forms import SeedForm
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import Posted, done, refused

router = APIRouter(include_in_schema=False)


WITNESS_ROWS = 5


def _seed_context(
    ctx: SaisineContext, labels: list[str], values: list[str], error: DomainError | None
) -> dict[str, Any]:
    rows = list(zip(labels, values, strict=False)) + [("", "")] * WITNESS_ROWS
    return {"saisine": ctx.saisine, "rows": rows[:WITNESS_ROWS], "error": error}


@router.get("/assemblee/{saisine_id}/gestion/graine")
def seed_form(request: Request, ctx: StaffSaisine) -> Response:
    return render(request, "assembly/seed.html", _seed_context(ctx, [], [], None))


@router.post("/assemblee/{saisine_id}/gestion/graine")
def seed_fix(request: Request, session: DbSession, ctx: StaffSaisine, posted: Posted[SeedForm]) -> Response:
    labels, values = posted.label, posted.value
    outcome = attempt(
        session,
        lambda: draws.fix_seed(session, ctx.actor, ctx.saisine, list(zip(labels, values, strict=False))),
    )
    if isinstance(outcome, DomainError):
        return render(
            request,
            "assembly/seed.html",
            _seed_context(ctx, labels, values, outcome),
            status_code=outcome.status_code,
        )
    return done(
        request,
        saisine_url(ctx.saisine, "/tirage"),
        _("La graine est fixée et publiée. Le tirage peut avoir lieu."),
    )


@router.post("/assemblee/{saisine_id}/gestion/liste")
def pool_freeze(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return one_click(
        request,
        session,
        lambda: draws.freeze_pool(session, ctx.actor, ctx.saisine),
        back=manage_url(ctx, "#tirage"),
        then=saisine_url(ctx.saisine, "/tirage"),
        message=lambda _frozen: _(
            "Les inscriptions sont closes. La liste des volontaires est figée et publiée, sans les noms."
        ),
    )


@router.post("/assemblee/{saisine_id}/gestion/tirage")
def draw_run(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return one_click(
        request,
        session,
        lambda: draws.run_draw(session, ctx.actor, ctx.saisine),
        back=manage_url(ctx),
        then=saisine_url(ctx.saisine, "/tirage"),
        message=lambda _draw: _("Le panel est tiré au sort."),
    )


@router.post("/assemblee/{saisine_id}/gestion/membres/{member_id}/remplacer")
def member_replace(request: Request, session: DbSession, ctx: StaffSaisine, member_id: int) -> Response:
    member = draws.get_member(session, ctx.saisine, member_id)
    outcome = attempt(session, lambda: draws.replace_member(session, ctx.actor, ctx.saisine, member))
    if isinstance(outcome, DomainError):
        return refused(request, manage_url(ctx, "#membres"), outcome)
    if outcome.replacement is None:
        message = _(
            "Le membre n° {old} a quitté le panel. Personne sur la liste de réserve ne peut le remplacer."
        )
    elif outcome.quotas_met:
        message = _("Le membre n° {old} est remplacé par la personne n° {new} de la réserve. Prévenez-la.")
    else:
        message = _(
            "Le membre n° {old} est remplacé par la personne n° {new} de la réserve ; certains quotas ne sont plus respectés."
        )
    text = message.format(old=member.pool_id, new=outcome.replacement.pool_id if outcome.replacement else "")
    return done(request, manage_url(ctx, "#membres"), " ".join([text, *outcome.problems]))
