"""Plain-French labels for statuses and kinds, translated at render time (never at import)."""

from __future__ import annotations

from typing import Any

from backend.i18n import gettext as _


def labels() -> dict[str, Any]:
    return {
        "status": {
            "draft": _("Brouillon"),
            "submitted": _("Envoyée au comité"),
            "postponed": _("Reportée : à compléter"),
            "granted": _("Aide accordée"),
            "refused": _("Refusée"),
            "withdrawn": _("Retirée"),
            "closed": _("Terminée"),
        },
        "status_badge": {
            "draft": "",
            "submitted": "badge-warn",
            "postponed": "badge-warn",
            "granted": "badge-ok",
            "refused": "badge-err",
            "withdrawn": "",
            "closed": "badge-ok",
        },
        "outcome": {"granted": _("Accordée"), "refused": _("Refusée"), "postponed": _("Reportée")},
        "vote": {"pour": _("Pour"), "contre": _("Contre"), "abstention": _("Abstention")},
        "member_kind": {
            "resident": _("Habitant ou habitante (vote)"),
            "institution": _("Institution (sans vote)"),
            "gestionnaire": _("Association gestionnaire (sans vote)"),
        },
        "payment": {"advance": _("Avance"), "balance": _("Solde")},
        "bilan": {
            None: _("Pas encore envoyé"),
            "submitted": _("Envoyé, à examiner"),
            "accepted": _("Accepté"),
            "returned": _("Renvoyé : à compléter"),
        },
        "holder_kind": {"group": _("Groupe d'habitants"), "association": _("Association")},
        "channel": {"online": _("En ligne"), "in_person": _("En personne")},
    }
