"""Impossible quotas explained in plain French, naming each failing quota with the words of the form."""

from __future__ import annotations

from collections.abc import Sequence

from backend.assembly import sortition
from backend.assembly.service.common import CategoryQuotas
from backend.errors import Invalid
from backend.i18n import gettext as _


def explain_problems(
    problems: Sequence[sortition.QuotaProblem],
    groups: Sequence[CategoryQuotas],
    people: Sequence[sortition.Volunteer],
    panel_size: int,
) -> list[str]:
    """One French sentence per failing quota, naming it with the words of the form."""
    labels = {g.category.key: g.category.label for g in groups}
    features = {(g.category.key, f.key): (f.label, f.min, f.max) for g in groups for f in g.features}
    homes = {v.household or f"p:{v.id}" for v in people}
    lines = []
    for problem in problems:
        if "=" in problem.quota:
            category, feature = problem.quota.split("=", 1)
            label, low, high = features.get((category, feature), (feature, 0, 0))
            name = f"{labels.get(category, category)} : {label}"
            having = [v for v in people if v.features.get(category) == feature]
            having_homes = len({v.household or f"p:{v.id}" for v in having})
            if having_homes < low:
                lines.append(
                    _(
                        "Quota « {name} » : il faut au moins {low} personnes, mais seulement {n} volontaires "
                        "(de foyers différents) ont cette réponse."
                    ).format(name=name, low=low, n=having_homes)
                )
            elif ": max" in problem.message or problem.message.endswith(f"max {high}"):
                lines.append(
                    _(
                        "Quota « {name} » : le maximum de {high} ne peut pas être respecté avec les autres quotas."
                    ).format(name=name, high=high)
                )
            else:
                lines.append(
                    _(
                        "Quota « {name} » : le minimum de {low} ne peut pas être atteint avec les autres quotas."
                    ).format(name=name, low=low)
                )
        elif problem.quota in labels:
            lines.append(
                _(
                    "Critère « {label} » : ses minimums et maximums ne permettent pas de composer un panel de {n} "
                    "personnes avec ces volontaires."
                ).format(label=labels[problem.quota], n=panel_size)
            )
        else:
            lines.append(
                _(
                    "Pas assez de volontaires : {v} volontaires dans {h} foyers pour un panel de {n} personnes "
                    "(une seule personne par foyer)."
                ).format(v=len(people), h=len(homes), n=panel_size)
            )
    return list(dict.fromkeys(lines))


def infeasible(lines: list[str]) -> Invalid:
    return Invalid(
        _("Le tirage est impossible avec ces quotas.") + " " + " ".join(lines), extra={"problems": lines}
    )


def check_feasible(
    quotas: Sequence[sortition.Quota], people: Sequence[sortition.Volunteer], size: int
) -> None:
    """Refuse impossible quotas before the seed is published, without computing the whole lottery."""
    # Thin adapter over the core's internals; if they move, the draw itself still checks.
    try:
        from backend.assembly.sortition.feasibility import check_feasible
        from backend.assembly.sortition.pool import reduce_pool
    except ImportError:  # pragma: no cover
        return
    check_feasible(reduce_pool(quotas, people), size)
