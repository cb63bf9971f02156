"""Results and accountability as a registered process: the public « what became of it » pages,
the COPIL dashboard, realisation tracking, open data. It has no phases of its own."""

from __future__ import annotations

from backend.i18n import N_
from backend.processes import ProcessKind, demo_of, routers_of
from backend.results import personal_data

PROCESS = ProcessKind(
    key="results",
    label=N_("Résultats et suivi"),
    summary=N_(
        "Ce qui a été décidé dans votre quartier, et ce que c'est devenu. Toutes les données sont ouvertes."
    ),
    url="/resultats",
    routers=routers_of(
        "backend.results", "views.dashboard", "views.follow", "views.opendata", "views.public"
    ),
    demo=demo_of("backend.results.demo"),
    models=("backend.results.models",),
    personal_data_export={"suivi_des_realisations": personal_data.export},
    personal_data_erase=(personal_data.erase,),
    order=90,
    extra={"admin_url": "/resultats/suivi", "nav_label": N_("Résultats")},
)
