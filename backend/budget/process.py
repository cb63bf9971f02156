"""The budget participatif as a registered process (Decidim's component manifest)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backend.budget import personal_data
from backend.budget.notify import remind_voters
from backend.budget.phases import registry_phases
from backend.budget.quartier import quartier_sections
from backend.budget.voting import wiring as voting
from backend.i18n import N_
from backend.processes import PhaseHooks, ProcessKind, demo_of, routers_of

if TYPE_CHECKING:
    from fastapi import FastAPI

    from backend.config import Settings


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
    # The vote API first: it is the hot path of the vote, and routes are matched in order.
    # Then the resident router: « /budget-participatif/mes-propositions » before « /{slug} ».
    routers=routers_of(
        "backend.budget",
        "voting.api",
        "voting.results_api",
        "views.resident",
        "views.public",
        "views.staff",
        "views.admin",
        "api",
        "voting.vote_views",
        "voting.bureau_views",
        "voting.emargement_views",
        "voting.isoloir_views",
        "voting.depouillement_views",
        "voting.results_views",
    ),
    phases=registry_phases(),
    demo=demo_of("backend.budget.demo"),
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
