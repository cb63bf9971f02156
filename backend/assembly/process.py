"""The Assemblée citoyenne des quartiers as a registered process (Decidim's component manifest)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from backend.assembly.quartier import quartier_sections
from backend.assembly.service.recruitment.personal_data import erase_for_user, export_for_user
from backend.i18n import N_
from backend.processes import Phase, ProcessKind

if TYPE_CHECKING:
    from fastapi import APIRouter
    from sqlmodel import Session


def routers() -> Sequence[APIRouter]:
    from backend.assembly import api
    from backend.assembly.views import copil, draws, member, public, recommendations, recruitment, staff, work

    # Fixed paths (« /assemblee/nouvelle-saisine ») before « /assemblee/{saisine_id} ».
    return (
        copil.router,
        staff.router,
        recruitment.router,
        draws.router,
        work.router,
        recommendations.router,
        member.router,
        public.router,
        api.router,
    )


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    from backend.assembly.demo import load_demo as load

    load(session, ctx)


PROCESS = ProcessKind(
    key="assembly",
    label=N_("Assemblée citoyenne des quartiers"),
    summary=N_(
        "Des habitants tirés au sort répondent à une question du comité de pilotage. Le comité leur répond."
    ),
    url="/assemblee",
    routers=routers,
    phases=(
        Phase("recruiting", N_("Appel à volontaires")),
        Phase("pool_frozen", N_("Liste des volontaires figée")),
        Phase("seed_fixed", N_("Tirage au sort public")),
        Phase("drawn", N_("Travaux de l'assemblée")),
        Phase("avis_published", N_("Avis et réponses du COPIL")),
    ),
    demo=load_demo,
    models=("backend.assembly.models",),
    personal_data_export={"assemblee_citoyenne": export_for_user},
    personal_data_erase=(erase_for_user,),
    order=30,
    quartier_sections=quartier_sections,
    extra={"admin_url": "/assemblee", "nav_label": N_("Assemblée citoyenne")},
)
