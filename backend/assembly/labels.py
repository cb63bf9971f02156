"""Plain-French labels for statuses and choices, translated at render time (never at import)."""

from __future__ import annotations

from backend.i18n import gettext as _


def status() -> dict[str, str]:
    return {
        "recruiting": _("Appel à volontaires"),
        "pool_frozen": _("Liste des volontaires figée"),
        "seed_fixed": _("Tirage au sort en préparation"),
        "drawn": _("Travaux de l'assemblée"),
        "avis_published": _("Avis remis au COPIL"),
    }


def decision() -> dict[str, str]:
    return {
        "adopted": _("retenue"),
        "adapted": _("retenue avec des changements"),
        "rejected": _("non retenue"),
    }


def follow_up() -> dict[str, str]:
    return {
        "planned": _("prévu"),
        "in_progress": _("en cours"),
        "done": _("réalisé"),
        "abandoned": _("abandonné"),
    }


def choice() -> dict[str, str]:
    return {"pour": _("pour"), "contre": _("contre"), "abstention": _("abstention")}


def presets() -> dict[str, str]:
    return {
        "genre": _("Genre (parité)"),
        "age": _("Âge, par tranches (dont 16-18 ans)"),
        "secteur": _("Secteur, en proportion de la population des quartiers"),
        "quartier": _("Quartier (QPV), en proportion de sa population"),
        "diplome": _("Niveau de diplôme"),
        "logement": _("Type de logement"),
    }


def modes() -> dict[str, str]:
    return {
        "open": _("Ouverte à tous les habitant·es (le code des lettres est accepté)"),
        "code": _("Seulement avec le code reçu par courrier"),
    }
