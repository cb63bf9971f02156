"""The Assemblée citoyenne des quartiers as a registered process (Decidim's component manifest)."""

from __future__ import annotations

from backend.assembly.quartier import quartier_sections
from backend.assembly.service.recruitment.personal_data import erase_for_user, export_for_user
from backend.i18n import N_
from backend.processes import Phase, ProcessKind, demo_of, routers_of

PROCESS = ProcessKind(
    key="assembly",
    label=N_("Assemblée citoyenne des quartiers"),
    summary=N_(
        "Des habitants tirés au sort répondent à une question du comité de pilotage. Le comité leur répond."
    ),
    url="/assemblee",
    # Fixed paths (« /assemblee/nouvelle-saisine ») before « /assemblee/{saisine_id} ».
    routers=routers_of(
        "backend.assembly",
        "views.copil",
        "views.staff",
        "views.recruitment",
        "views.draws",
        "views.work",
        "views.recommendations",
        "views.member",
        "views.public",
        "api",
    ),
    phases=(
        Phase("recruiting", N_("Appel à volontaires")),
        Phase("pool_frozen", N_("Liste des volontaires figée")),
        Phase("seed_fixed", N_("Tirage au sort public")),
        Phase("drawn", N_("Travaux de l'assemblée")),
        Phase("avis_published", N_("Avis et réponses du COPIL")),
    ),
    demo=demo_of("backend.assembly.demo"),
    models=("backend.assembly.models",),
    personal_data_export={"assemblee_citoyenne": export_for_user},
    personal_data_erase=(erase_for_user,),
    order=30,
    quartier_sections=quartier_sections,
    extra={"admin_url": "/assemblee", "nav_label": N_("Assemblée citoyenne")},
)
