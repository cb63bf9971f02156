"""Count a pabulib instance with a named rule (the names pabulib uses in META ``rule``).

* ``greedy``: by score, skipping projects that no longer fit (any ballots).
* ``greedy-no-skip``: by score, stopping at the first project that does not fit (any ballots);
  applies META ``min_project_score_threshold`` when the file gives one, as pabulib's checker
  does (Gdynia 2020).
* ``greedy-threshold``: ``greedy`` among the projects scoring at least META
  ``min_project_score_threshold`` (any ballots).
* ``equalshares``: one run of the Method of Equal Shares, cost satisfaction (approval ballots).
* ``equalshares/add1``: MES with the Add1 completion, as the cities run it (approval ballots).
* ``equalshares/add1-comparison``: counted as ``equalshares/add1``; the comparison with greedy
  kept MES's outcome in Wieliczka 2023, the only such file we count.
* ``equalshares/add1+greedy``: ``equalshares/add1``, then greedy with the money left.
* ``majority-judgment``: majority judgment on scoring ballots whose points are grades 0, 1, ...;
  a project a voter did not grade gets grade 0.

Scores: votes (approval, choose-1), points (cumulative, scoring) or positional points (ordinal,
see :func:`backend.counting.profile.ordinal_points`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np

from backend.counting.model import Outcome
from backend.counting.pabulib import PbInstance
from backend.counting.pabulib_sections import PbFormatError
from backend.counting.profile import BallotKind, project_scores
from backend.counting.rules.equal_shares import equal_shares, equal_shares_add1
from backend.counting.rules.greedy import greedy
from backend.counting.rules.majority_judgment import majority_judgment

THRESHOLD_KEY = "min_project_score_threshold"


class TallyError(ValueError):
    """The rule cannot count this instance (unknown rule, wrong ballot kind, missing setting)."""


def _threshold(instance: PbInstance, required: bool) -> float | None:
    raw = instance.meta.get(THRESHOLD_KEY)
    if raw is None or not raw.strip():
        if required:
            raise TallyError(f"rule greedy-threshold needs META {THRESHOLD_KEY}, which this file lacks")
        return None
    try:
        return float(raw)
    except ValueError:
        raise TallyError(f"META {THRESHOLD_KEY} must be a number, got {raw!r}") from None


def _greedy(
    skip: bool, threshold: Literal["ignore", "optional", "required"]
) -> Callable[[PbInstance], Outcome]:
    def count(instance: PbInstance) -> Outcome:
        scores = project_scores(instance.kind, instance.ballots, len(instance.projects))
        limit = None if threshold == "ignore" else _threshold(instance, required=threshold == "required")
        return greedy(instance.envelope, instance.budget, scores, skip=skip, threshold=limit)

    return count


def _approval_only(rule: str, instance: PbInstance) -> None:
    if not instance.kind.is_approval:
        raise TallyError(f"rule {rule} counts approval ballots; this file has {instance.kind} ballots")


def _mes(rule: str, instance: PbInstance) -> Outcome:
    _approval_only(rule, instance)
    if rule == "equalshares":
        return equal_shares(instance.envelope, instance.budget, instance.ballots)
    completion = rule == "equalshares/add1+greedy"
    return equal_shares_add1(
        instance.envelope, instance.budget, instance.ballots, greedy_completion=completion
    )


def _majority_judgment(instance: PbInstance) -> Outcome:
    if instance.kind is not BallotKind.SCORING or instance.ballots.points is None:
        raise TallyError(
            f"rule majority-judgment counts graded (scoring) ballots; this file has {instance.kind}"
        )
    points = instance.ballots.points
    if len(points) and (points.min() < 0 or not np.all(points == np.round(points))):
        raise TallyError("rule majority-judgment needs grades that are whole numbers from 0")
    n_grades = int(points.max()) + 1 if len(points) else 1
    n_projects = len(instance.projects)
    counts = np.zeros((n_projects, n_grades), dtype=np.int64)
    np.add.at(counts, (instance.ballots.indices, points.astype(np.int64)), 1)
    graded = np.bincount(instance.ballots.indices, minlength=n_projects)
    counts[:, 0] += instance.ballots.n_voters - graded  # an ungraded project gets the lowest grade
    return majority_judgment(instance.envelope, instance.budget, counts.tolist())


RULES: dict[str, Callable[[PbInstance], Outcome]] = {
    "greedy": _greedy(skip=True, threshold="ignore"),
    "greedy-no-skip": _greedy(skip=False, threshold="optional"),
    "greedy-threshold": _greedy(skip=True, threshold="required"),
    "equalshares": lambda inst: _mes("equalshares", inst),
    "equalshares/add1": lambda inst: _mes("equalshares/add1", inst),
    "equalshares/add1-comparison": lambda inst: _mes("equalshares/add1-comparison", inst),
    "equalshares/add1+greedy": lambda inst: _mes("equalshares/add1+greedy", inst),
    "majority-judgment": _majority_judgment,
}


def resolve_rule(instance: PbInstance, rule: str | None) -> str:
    """The rule to apply: ``rule`` if given, else the file's META ``rule``; checked against RULES."""
    name = (rule if rule is not None else instance.meta.get("rule", "")).strip()
    if not name:
        raise TallyError("the file names no rule (META rule); pass one with --rule")
    if name not in RULES:
        origin = "" if rule is not None else " (from META rule)"
        raise TallyError(f"unknown rule {name!r}{origin}; known rules: {', '.join(RULES)}")
    return name


def tally(instance: PbInstance, rule: str | None = None) -> tuple[str, Outcome]:
    """Count ``instance`` with ``rule`` (default: its META rule); return the rule used and the outcome."""
    name = resolve_rule(instance, rule)
    try:
        return name, RULES[name](instance)
    except PbFormatError as exc:  # e.g. a META budget that only matters to this rule
        raise TallyError(str(exc)) from exc
