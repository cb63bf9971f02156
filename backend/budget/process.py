"""The budget participatif as a registered process (Decidim's component manifest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backend.budget import personal_data
from backend.budget.notify import remind_voters
from backend.budget.phases import registry_phases
from backend.budget.quartier import quartier_sections
from backend.budget.voting import wiring as voting
from backend.i18n import N_
from backend.processes import PhaseHooks, ProcessKind

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from sqlmodel import Session

    from backend.config import Settings


def routers() -> Sequence[APIRouter]:
    import backend.budget.voting.api as vote_api
    import backend.budget.voting.bureau_views as bureau_views
    import backend.budget.voting.depouillement_views as depouillement_views
    import backend.budget.voting.emargement_views as emargement_views
    import backend.budget.voting.isoloir_views as isoloir_views
    import backend.budget.voting.results_api as vote_results_api
    import backend.budget.voting.results_views as results_views
    import backend.budget.voting.vote_views as vote_views
    from backend.budget import api
    from backend.budget.views import admin, public, resident, staff

    # The vote API first: it is the hot path of the vote, and routes are matched in order.
    # Then the resident router: « /budget-participatif/mes-propositions » before « /{slug} ».
    return (
        vote_api.router,
        vote_results_api.router,
        resident.router,
        public.router,
        staff.router,
        admin.router,
        api.router,
        vote_views.router,
        bureau_views.router,
        emargement_views.router,
        isoloir_views.router,
        depouillement_views.router,
        results_views.router,
    )


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    from backend.budget.demo import load_demo as load

    load(session, ctx)


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """On PostgreSQL, first online ballots through the JSON API take the fast path."""
    if settings.vote_fast_path and settings.database_url.startswith(("postgresql", "postgres")):
        from backend.budget.voting.fastpath import FastBallotPath

        app.add_middleware(FastBallotPath, settings=settings, state=app.state)


PROCESS = ProcessKind(
    key="bp",
    label=N_("Budget participatif"),
    summary=N_(
        "Proposez des idées pour votre quartier, puis votez pour les projets que la mairie réalisera."
    ),
    url="/budget-participatif",
    routers=routers,
    phases=registry_phases(),
    demo=load_demo,
    order=10,
    quartier_sections=quartier_sections,
    extra={"admin_url": "/admin/budget-participatif"},
    middleware=install_middleware,
    # The voting tables live in their own module.
    models=("backend.budget.models", "backend.budget.voting.models"),
    # Voter rows stay after an account is deleted: they name only the pseudonymous account row
    # and keep the « one ballot per person » guarantee of the edition (an export, no eraser).
    personal_data_export={
        "budget_participatif": personal_data.export,
        "budget_participatif_vote": voting.export_votes,
    },
    personal_data_erase=(personal_data.erase,),
    # The vote plugs into the phase guards and counts when the edition enters « Résultats ».
    phase_hooks=PhaseHooks(ballot_count=voting.count_ballots, listeners=(voting.on_phase_changed,)),
    reminders=(remind_voters,),  # `qp worker`: the vote's last days, to residents who have not voted
)
