"""Greedy counting: fund projects by decreasing score while the envelope allows.

Three variants, as named in pabulib:

* ``greedy``: go down the list and fund every project that still fits; a project that does not
  fit is skipped and the count goes on with cheaper ones (Toulouse, Warszawa, Kraków).
* ``greedy-no-skip``: stop at the first project that does not fit (Gdynia, Wrocław).
* ``greedy-threshold``: like ``greedy``, but only projects whose score reaches a minimum
  (META ``min_project_score_threshold``) can be funded (Łódź, Częstochowa). pabulib's checker
  applies the same minimum in ``greedy-no-skip`` files that give one (Gdynia), so
  :func:`greedy` accepts a threshold with or without skipping.

A project with no vote at all is still funded if money remains, as in pabulib and pabutools; pass
``threshold=1`` to exclude such projects.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from backend.counting.model import FloatArray, Outcome, Project, outcome_of, priority_order


def greedy(
    projects: Sequence[Project],
    budget: Decimal,
    scores: Sequence[float] | FloatArray,
    *,
    skip: bool = True,
    threshold: float | None = None,
) -> Outcome:
    """Fund projects by decreasing score within ``budget`` (ties: lower cost, then list order).

    ``skip=False`` stops at the first project that does not fit; ``threshold`` excludes
    projects whose score is below it.
    """
    if len(scores) != len(projects):
        raise ValueError(f"{len(scores)} scores for {len(projects)} projects")
    chosen: list[int] = []
    spent = Decimal(0)
    for p in priority_order(scores, [project.cost for project in projects]):
        if threshold is not None and float(scores[p]) < threshold:
            continue  # scores only decrease from here on: nothing else is eligible either
        if spent + projects[p].cost <= budget:
            chosen.append(p)
            spent += projects[p].cost
        elif not skip:
            break
    return outcome_of(projects, chosen)


def greedy_completion(
    projects: Sequence[Project], budget: Decimal, scores: Sequence[float] | FloatArray, already: Sequence[int]
) -> list[int]:
    """Positions ``already`` funded, followed by the projects greedy adds with the money left.

    Used after the Method of Equal Shares when a city asks for a greedy completion step.
    """
    chosen = list(already)
    taken = set(chosen)
    spent = sum((projects[p].cost for p in chosen), Decimal(0))
    for p in priority_order(scores, [project.cost for project in projects]):
        if p not in taken and spent + projects[p].cost <= budget:
            chosen.append(p)
            spent += projects[p].cost
    return chosen
