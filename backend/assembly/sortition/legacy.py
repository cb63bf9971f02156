"""LEGACY: the Sortition Foundation's greedy algorithm (``sortition-algorithms``), seeded and repeated.

LEGACY draws one panel directly and has no closed-form selection probabilities. We run it once per
derived seed: run 0 is the panel; runs ``0 .. runs-1`` estimate each person's probability as the share
of runs that selected them (so the estimates add up to the panel size exactly). Each run is seeded
with ``SeededStream(seed, f"legacy-{i}").seed_int()``; the library draws from Python's global
``random`` module, whose state we save and restore around the runs.

``sortition-algorithms`` is an optional extra (``quartiers-participatifs[legacy]``; the dev extra includes
it): it pulls cvxpy, scipy and gspread, which production does not need. It is imported only when LEGACY
runs, and its absence raises :class:`LegacyUnavailableError` rather than an ``ImportError``.
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from backend.assembly.sortition.model import InfeasibleQuotasError, QuotaProblem, SortitionError
from backend.assembly.sortition.pool import ReducedPool
from backend.assembly.sortition.seeding import SeededStream, natural_key

if TYPE_CHECKING:
    from sortition_algorithms.features import FeatureCollection
    from sortition_algorithms.people import People

_HOUSEHOLD = "qp_household"
MAX_ATTEMPTS = 100
EXTRA = "legacy"


class LegacyUnavailableError(SortitionError):
    """LEGACY was asked for but ``sortition-algorithms`` (the ``legacy`` extra) is not installed."""

    def __init__(self) -> None:
        super().__init__(
            "the LEGACY algorithm needs the optional 'sortition-algorithms' package, not installed here: "
            f"install the '{EXTRA}' extra (uv sync --extra {EXTRA}, or "
            f"pip install 'quartiers-participatifs[{EXTRA}]'), or draw with leximin"
        )


def _library() -> ModuleType:
    """The ``sortition_algorithms`` package, imported on first use."""
    try:
        import sortition_algorithms
        import sortition_algorithms.committee_generation.legacy
        import sortition_algorithms.errors
        import sortition_algorithms.features
        import sortition_algorithms.people
        import sortition_algorithms.utils  # noqa: F401 - submodules the runs use
    except ImportError as exc:
        raise LegacyUnavailableError() from exc
    return sortition_algorithms


def require_legacy() -> None:
    """Raise :class:`LegacyUnavailableError` unless LEGACY can run (checked before any work is done)."""
    _library()


def _library_inputs(pool: ReducedPool) -> tuple[FeatureCollection, People]:
    sa = _library()
    features: FeatureCollection = {}
    for quota in pool.quotas:
        features.setdefault(quota.category, {})
        features[quota.category][quota.feature] = sa.features.FeatureValueMinMax(min=quota.min, max=quota.max)
    people = sa.people.People(columns_to_keep=[_HOUSEHOLD])
    ordered = sorted(pool.volunteers.values(), key=lambda v: natural_key(v.id))
    for row, volunteer in enumerate(ordered, start=1):
        data = dict(volunteer.features)
        # A lone volunteer gets a key of their own, so the address check only joins real households.
        data[_HOUSEHOLD] = f"h:{volunteer.household}" if volunteer.household else f"p:{volunteer.id}"
        people.add(volunteer.id, data, features, row)
    return features, people


def legacy_runs(pool: ReducedPool, panel_size: int, seed: str, runs: int) -> list[tuple[str, ...]]:
    """``runs`` panels drawn by LEGACY with seeds derived from ``seed`` (the first one is the draw)."""
    if runs < 1:
        raise ValueError("legacy needs at least one run")
    sa = _library()
    sa_utils = sa.utils
    features, people = _library_inputs(pool)
    saved_state = random.getstate()
    saved_provider = sa_utils._random_provider
    # The library logs every attempt to stdout, which would corrupt `qp draw`'s JSON.
    loggers = [sa_utils.logger, sa_utils.user_logger]
    saved_levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.ERROR)
    panels: list[tuple[str, ...]] = []
    try:
        for run in range(runs):
            sa_utils.set_random_provider(SeededStream(seed, f"legacy-{run}").seed_int())
            try:
                committees, _ = sa.committee_generation.legacy.find_random_sample_legacy(
                    people, features, panel_size, [_HOUSEHOLD], max_attempts=MAX_ATTEMPTS
                )
            except sa.errors.SelectionError as exc:
                raise InfeasibleQuotasError(
                    [QuotaProblem("", f"LEGACY found no panel in {MAX_ATTEMPTS} attempts (run {run}): {exc}")]
                ) from exc
            panels.append(tuple(sorted(committees[0], key=natural_key)))
    finally:
        for log, level in zip(loggers, saved_levels, strict=True):
            log.setLevel(level)
        sa_utils._random_provider = saved_provider
        random.setstate(saved_state)
    return panels


def estimated_probabilities(pool: ReducedPool, panels: Sequence[tuple[str, ...]]) -> dict[str, float]:
    """Share of the runs that selected each volunteer."""
    counts = Counter(pid for panel in panels for pid in panel)
    ordered = sorted(pool.volunteers, key=natural_key)
    return {pid: counts[pid] / len(panels) for pid in ordered}


def describe_estimate(runs: int) -> str:
    """Plain words on how LEGACY probabilities were obtained, with their worst-case standard error."""
    return (
        f"estimated: share of {runs} seeded LEGACY runs that selected each person "
        f"(standard error at most {0.5 / math.sqrt(runs):.4f})"
    )
