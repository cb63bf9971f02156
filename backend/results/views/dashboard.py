"""The COPIL dashboard page (and its PDF summary)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import Response

from backend.deps import DbSession
from backend.rendering import render
from backend.results import counters
from backend.results.dashboard import Filters, as_context, build
from backend.results.permissions import DashboardScope

router = APIRouter(include_in_schema=False)


def _filters(edition: str = "", secteur: str = "", quartier: str = "", annee: str = "") -> Filters:
    """The dashboard's filters as the query string gives them, cut short; a year that is not a
    number means all years."""
    year = int(annee) if annee.isdigit() else None
    return Filters(edition=edition[:80], secteur=secteur[:60], quartier=quartier[:12], annee=year)


@router.get("/resultats/tableau-de-bord")
def dashboard_page(
    request: Request,
    background: BackgroundTasks,
    session: DbSession,
    scope: DashboardScope,
    filters: Annotated[Filters, Depends(_filters)],
) -> Response:
    d = build(session, scope, filters)
    if d.rebuild_edition is not None:
        background.add_task(counters.rebuild_in_background, request.app.state.sessionmaker, d.rebuild_edition)
    return render(request, "results/dashboard.html", as_context(d), block="figures")
