"""The COPIL dashboard page (and its PDF summary)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from backend.deps import DbSession
from backend.rendering import render
from backend.results import counters
from backend.results.dashboard import Filters, as_context, build
from backend.results.permissions import DashboardScope

router = APIRouter(include_in_schema=False)


@router.get("/resultats/tableau-de-bord")
def dashboard_page(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    scope: DashboardScope,
    edition: str = "",
    secteur: str = "",
    quartier: str = "",
    annee: str = "",
) -> Response:
    year = int(annee) if annee.isdigit() else None
    d = build(
        session,
        scope,
        Filters(edition=edition[:80], secteur=secteur[:60], quartier=quartier[:12], annee=year),
    )
    if d.rebuild_edition is not None:
        background.add_task(counters.rebuild_in_background, request.app.state.sessionmaker, d.rebuild_edition)
    return render(request, "results/dashboard.html", as_context(d), block="figures")
