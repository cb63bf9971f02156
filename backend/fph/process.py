"""The FPH declares itself to the process registry."""

from __future__ import annotations

from backend.fph import personal_data
from backend.fph.quartier import quartier_sections
from backend.i18n import N_
from backend.processes import Phase, ProcessKind, demo_of, routers_of

PROCESS = ProcessKind(
    key="fph",
    label=N_("Fonds de participation des habitants"),
    summary=N_(
        "Une petite aide (jusqu'à 1 500 €) pour une fête, une sortie, un atelier dans votre quartier. "
        "Un comité d'habitants décide."
    ),
    url="/fph",
    routers=routers_of(
        "backend.fph",
        "views.public",
        "views.manage",
        "views.meetings",
        "views.applications",
        "views.follow_up",
    ),
    phases=(
        Phase("demande", N_("Demande")),
        Phase("comite", N_("Comité d'attribution")),
        Phase("versement", N_("Versement")),
        Phase("bilan", N_("Bilan")),
    ),
    demo=demo_of("backend.fph.demo"),
    models=("backend.fph.models",),
    personal_data_export={"fonds_participation_habitants": personal_data.export},
    personal_data_erase=(personal_data.delete_for,),
    order=20,
    quartier_sections=quartier_sections,
    extra={"admin_url": "/fph/gestion", "nav_label": N_("Fonds habitants")},
)
