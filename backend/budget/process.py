"""The budget participatif as a registered process (Decidim's component manifest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backend.accounts.registry import register_personal_data
from backend.budget import personal_data
from backend.budget.phases import registry_phases
from backend.processes import ProcessKind

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from sqlmodel import Session

    from backend.config import Settings


def routers() -> Sequence[APIRouter]:
    import backend.budget.voting.api as vote_api
    import backend.budget.voting.bureau_views as bureau_views
    import backend.budget.voting.depouillement_views as depouillement_views
    import backend.budget.voting.results_views as results_views
    import backend.budget.voting.vote_views as vote_views
    from backend.budget import api
    from backend.budget.views import admin, public, resident, staff

    # The vote API first: it is the hot path of the vote, and routes are matched in order.
    # Then the resident router: « /budget-participatif/mes-propositions » before « /{slug} ».
    return (
        vote_api.router,
        resident.router,
        public.router,
        staff.router,
        admin.router,
        api.router,
        vote_views.router,
        bureau_views.router,
        depouillement_views.router,
        results_views.router,
    )


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    from backend.budget.demo import load_demo as load

    load(session, ctx)


register_personal_data("budget_participatif", personal_data.export, personal_data.erase)


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """On PostgreSQL, first online ballots through the JSON API take the fast path."""
    if settings.vote_fast_path and settings.database_url.startswith(("postgresql", "postgres")):
        from backend.budget.voting.fastpath import FastBallotPath

        app.add_middleware(FastBallotPath, settings=settings, state=app.state)


PROCESS = ProcessKind(
    key="bp",
    label="Budget participatif",
    summary="Proposez des idées pour votre quartier, puis votez pour les projets que la mairie réalisera.",
    url="/budget-participatif",
    routers=routers,
    phases=registry_phases(),
    demo=load_demo,
    order=10,
    extra={"admin_url": "/admin/budget-participatif"},
    middleware=install_middleware,
)
