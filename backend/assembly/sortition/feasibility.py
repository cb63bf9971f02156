"""Quota checks before any solving, each naming the quota that cannot be met."""

from __future__ import annotations

from collections import defaultdict

from backend.assembly.sortition.ilp import PanelSolver, minimal_relaxation
from backend.assembly.sortition.model import InfeasibleQuotasError, QuotaProblem
from backend.assembly.sortition.pool import ReducedPool


def _plural(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def quota_problems(pool: ReducedPool, panel_size: int) -> list[QuotaProblem]:
    """Problems visible by counting alone: size, each quota against the pool, each category's sums."""
    problems: list[QuotaProblem] = []
    volunteers = sum(len(cls.members) for cls in pool.classes)
    households = sum(len(kind) for kind in pool.households)
    if panel_size < 1:
        problems.append(QuotaProblem("", f"panel size must be at least 1 (got {panel_size})"))
        return problems
    if panel_size > volunteers:
        problems.append(
            QuotaProblem("", f"panel of {panel_size} but only {_plural(volunteers, 'volunteer')} in the pool")
        )
    elif panel_size > households:
        problems.append(
            QuotaProblem(
                "",
                f"panel of {panel_size} but only {_plural(households, 'household')} "
                "(one member per household)",
            )
        )
    available: dict[str, int] = {}
    by_category: dict[str, list[str]] = defaultdict(list)
    for quota in pool.quotas:
        classes = pool.quota_classes(quota)
        people = sum(len(pool.classes[j].members) for j in classes)
        homes = len({_household_key(pool, pid) for j in classes for pid in pool.classes[j].members})
        available[quota.label] = min(quota.max, homes)
        by_category[quota.category].append(quota.label)
        if quota.min > panel_size:
            problems.append(
                QuotaProblem(
                    quota.label, f"quota {quota.label}: min {quota.min} exceeds the panel size {panel_size}"
                )
            )
        elif quota.min > people:
            problems.append(
                QuotaProblem(
                    quota.label,
                    f"quota {quota.label}: min {quota.min} but only {_plural(people, 'volunteer')}",
                )
            )
        elif quota.min > homes:
            problems.append(
                QuotaProblem(
                    quota.label,
                    f"quota {quota.label}: min {quota.min} but the {_plural(people, 'volunteer')} live in only "
                    f"{_plural(homes, 'household')} (one member per household)",
                )
            )
    for category in pool.categories:
        quotas = [q for q in pool.quotas if q.category == category]
        minimum = sum(q.min for q in quotas)
        if minimum > panel_size:
            problems.append(
                QuotaProblem(
                    category,
                    f"category {category}: the minimums add up to {minimum} but the panel has {panel_size} seats",
                )
            )
        reachable = sum(available[label] for label in by_category[category])
        if reachable < panel_size:
            detail = ", ".join(f"{q.feature} {available[q.label]}" for q in quotas)
            problems.append(
                QuotaProblem(
                    category,
                    f"category {category}: at most {reachable} seats can be filled ({detail}; "
                    f"maximum or available volunteers) but the panel has {panel_size} seats",
                )
            )
    return problems


def _household_key(pool: ReducedPool, volunteer_id: str) -> str:
    household = pool.volunteers[volunteer_id].household
    return f"h:{household}" if household else f"p:{volunteer_id}"


def check_feasible(pool: ReducedPool, panel_size: int, solver: PanelSolver | None = None) -> PanelSolver:
    """Raise :class:`InfeasibleQuotasError` unless some panel meets every quota; return the solver used.

    Counting checks come first (clear messages); the exact integer program then catches conflicts
    between categories, explained by the smallest relaxation of the quotas.
    """
    problems = quota_problems(pool, panel_size)
    if problems:
        raise InfeasibleQuotasError(problems)
    solver = solver or PanelSolver(pool, panel_size)
    if solver.best([0.0] * len(pool.classes)) is None:
        raise InfeasibleQuotasError(minimal_relaxation(pool, panel_size))
    return solver
