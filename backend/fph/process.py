"""The FPH declares itself to the process registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backend.fph import personal_data
from backend.fph.quartier import quartier_sections
from backend.i18n import N_
from backend.processes import Phase, ProcessKind

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session


def _routers() -> Sequence[APIRouter]:
    from backend.fph.views import applications, follow_up, manage, meetings, public

    return [public.router, manage.router, meetings.router, applications.router, follow_up.router]


def _demo(session: Session, ctx: dict[str, Any]) -> None:
    from backend.fph.demo import load_demo

    load_demo(session, ctx)


PROCESS = ProcessKind(
    key="fph",
    label=N_("Fonds de participation des habitants"),
    summary=N_(
        "Une petite aide (jusqu'à 1 500 €) pour une fête, une sortie, un atelier dans votre quartier. "
        "Un comité d'habitants décide."
    ),
    url="/fph",
    routers=_routers,
    phases=(
        Phase("demande", N_("Demande")),
        Phase("comite", N_("Comité d'attribution")),
        Phase("versement", N_("Versement")),
        Phase("bilan", N_("Bilan")),
    ),
    demo=_demo,
    models=("backend.fph.models",),
    personal_data_export={"fonds_participation_habitants": personal_data.export},
    personal_data_erase=(personal_data.delete_for,),
    order=20,
    quartier_sections=quartier_sections,
    extra={"admin_url": "/fph/gestion", "nav_label": N_("Fonds habitants")},
)
