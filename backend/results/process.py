"""Results and accountability as a registered process: the public « what became of it » pages,
the COPIL dashboard, realisation tracking, open data. It has no phases of its own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backend.i18n import N_
from backend.processes import ProcessKind
from backend.results import personal_data

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session


def routers() -> Sequence[APIRouter]:
    from backend.results.views import dashboard, follow, opendata, public

    return (dashboard.router, follow.router, opendata.router, public.router)


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    from backend.results.demo import load_demo as load

    load(session, ctx)


PROCESS = ProcessKind(
    key="results",
    label=N_("Résultats et suivi"),
    summary=N_(
        "Ce qui a été décidé dans votre quartier, et ce que c'est devenu. Toutes les données sont ouvertes."
    ),
    url="/resultats",
    routers=routers,
    demo=load_demo,
    models=("backend.results.models",),
    personal_data_export={"suivi_des_realisations": personal_data.export},
    personal_data_erase=(personal_data.erase,),
    order=90,
    extra={"admin_url": "/resultats/suivi", "nav_label": N_("Résultats")},
)
