"""Majority judgment for graded ballots (Paris-style: 4 grades, 0 = worst, 3 = best).

Every voter grades every project of the envelope; a project no voter left ungraded is compared
on the same number of grades as the others (:func:`grade_counts` counts a missing grade as
``missing_grade``, the lowest one by default, so that every project has one grade per voter).

Ranking: a project's *majority grade* is the lower median of its grades. Ties are broken by the
usual median-removal procedure (Balinski & Laraki's majority value): remove one median grade from
each tied project, compare the new medians, and so on; the first difference decides. Projects
with exactly the same grades are then ordered by the rule shared with the other counts (lower
cost, then list order).

Removing medians one by one visits the sorted grades from the middle outwards, alternately on
each side (for n voters: position ceil(n/2) first, then the next one on the side that the
lower median leaves). So two projects are compared in O(grades) instead of O(voters): only the
positions where their sorted grade lists differ matter, and the one visited first decides.

Funding: down the ranking, every project that still fits in the envelope is funded (like
greedy); ``min_grade`` optionally refuses projects whose majority grade is below it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from decimal import Decimal
from itertools import accumulate

import numpy as np
import numpy.typing as npt

from backend.counting.model import Outcome, Project, outcome_of


def grade_counts(grades: npt.ArrayLike, n_grades: int = 4, *, missing_grade: int = 0) -> list[list[int]]:
    """Per project, how many voters gave each grade.

    ``grades`` is a (voters × projects) array of grades ``0..n_grades - 1``; ``-1`` marks a project
    the voter did not grade, counted as ``missing_grade``.
    """
    table = np.asarray(grades, dtype=np.int64)
    if table.ndim != 2:
        raise ValueError("grades must be a (voters x projects) table")
    if table.size and (table.min() < -1 or table.max() >= n_grades):
        raise ValueError(f"grades must be between 0 and {n_grades - 1} (or -1 for no grade)")
    if not 0 <= missing_grade < n_grades:
        raise ValueError(f"missing_grade must be between 0 and {n_grades - 1}")
    table = np.where(table < 0, missing_grade, table)
    return [np.bincount(column, minlength=n_grades).tolist() for column in table.T]


def _visit_rank(position: int, n: int) -> int:
    """When the median-removal procedure reaches 1-based ``position`` of n sorted grades."""
    t = n // 2
    if n % 2 == 0:  # positions t, t+1, t-1, t+2, t-2, ...
        return 2 * (t - position) if position <= t else 2 * (position - t) - 1
    # n odd: positions t+1, t, t+2, t-1, t+3, ...
    return 2 * (position - t - 1) if position > t else 2 * (t - position) + 1


def _grade_at(cumulative: Sequence[int], position: int) -> int:
    """Grade at 1-based ``position`` of the sorted grades (cumulative counts per grade)."""
    return next(g for g, c in enumerate(cumulative) if position <= c)


def majority_grade(counts: Sequence[int]) -> int:
    """The lower median grade of one project (``counts[g]`` voters gave grade g)."""
    n = sum(counts)
    if n == 0:
        raise ValueError("a project without grades has no majority grade")
    return _grade_at(list(accumulate(counts)), (n + 1) // 2)


def compare(a: Sequence[int], b: Sequence[int]) -> int:
    """Majority-value comparison of two grade count vectors: 1 if ``a`` ranks higher, -1 if
    ``b`` does, 0 if their grades are identical. Both need the same number of grades."""
    n = sum(a)
    if n != sum(b) or len(a) != len(b):
        raise ValueError("projects must be compared on the same number of grades")
    cum_a, cum_b = list(accumulate(a)), list(accumulate(b))
    best: tuple[int, int] | None = None  # (visit rank, position) of the first difference
    centre = {(n + 1) // 2, (n + 2) // 2}
    for ca, cb in zip(cum_a[:-1], cum_b[:-1], strict=True):
        if ca == cb:
            continue
        lo, hi = min(ca, cb), max(ca, cb)  # sorted grade lists differ at positions lo+1..hi
        for position in {lo + 1, hi} | {c for c in centre if lo < c <= hi}:
            candidate = (_visit_rank(position, n), position)
            best = candidate if best is None or candidate < best else best
    if best is None:
        return 0
    grade_a, grade_b = _grade_at(cum_a, best[1]), _grade_at(cum_b, best[1])
    return 1 if grade_a > grade_b else -1


def ranking(counts: Sequence[Sequence[int]], costs: Sequence[Decimal]) -> list[int]:
    """Project positions from best to worst by majority judgment (ties: lower cost, list order)."""

    def order(p: int, q: int) -> int:
        by_grades = compare(counts[q], counts[p])
        if by_grades:
            return by_grades
        return -1 if (costs[p], p) < (costs[q], q) else 1

    return sorted(range(len(counts)), key=functools.cmp_to_key(order))


def majority_judgment(
    projects: Sequence[Project],
    budget: Decimal,
    counts: Sequence[Sequence[int]],
    *,
    min_grade: int | None = None,
) -> Outcome:
    """Fund projects down the majority-judgment ranking while they fit in ``budget``.

    ``counts[p][g]`` is the number of voters who gave grade g to project p (see
    :func:`grade_counts`). ``details`` lists each project's majority grade as ``grade:<id>``.
    """
    if len(counts) != len(projects):
        raise ValueError(f"{len(counts)} grade counts for {len(projects)} projects")
    if not projects:
        return outcome_of(projects, [])
    grades = [majority_grade(c) for c in counts]
    chosen: list[int] = []
    spent = Decimal(0)
    for p in ranking(counts, [project.cost for project in projects]):
        if min_grade is not None and grades[p] < min_grade:
            continue
        if spent + projects[p].cost <= budget:
            chosen.append(p)
            spent += projects[p].cost
    return outcome_of(
        projects, chosen, **{f"grade:{projects[p].id}": grades[p] for p in range(len(projects))}
    )
