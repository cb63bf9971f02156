"""One call for a whole draw: checks, lottery, panel, reserve and probabilities."""

from __future__ import annotations

from collections.abc import Sequence

from backend.assembly.sortition.feasibility import check_feasible
from backend.assembly.sortition.legacy import describe_estimate, estimated_probabilities, require_legacy
from backend.assembly.sortition.legacy import legacy_runs as run_legacy
from backend.assembly.sortition.leximin import UNITS, leximin
from backend.assembly.sortition.lottery import person_probabilities, sample_panel
from backend.assembly.sortition.model import Distribution, DrawResult, Quota, Volunteer
from backend.assembly.sortition.pool import reduce_pool
from backend.assembly.sortition.reserve import reserve_list
from backend.assembly.sortition.seeding import pool_hash, quotas_hash

ALGORITHMS = ("leximin", "legacy")


def default_legacy_runs(pool_size: int) -> int:
    """LEGACY runs used to estimate probabilities: 500 for pools up to 200, fewer (at least 100) beyond.

    Each run costs time proportional to the pool, so the total work stays bounded.
    """
    return max(100, min(500, 100_000 // max(1, pool_size)))


def leximin_distribution(
    quotas: Sequence[Quota], volunteers: Sequence[Volunteer], panel_size: int
) -> Distribution:
    """The LEXIMIN lottery (raises ``InfeasibleQuotasError`` naming the failing quotas)."""
    pool = reduce_pool(quotas, volunteers)
    solver = check_feasible(pool, panel_size)
    distribution, _ = leximin(pool, panel_size, solver)
    return distribution


def draw(
    quotas: Sequence[Quota],
    volunteers: Sequence[Volunteer],
    panel_size: int,
    seed: str,
    *,
    algorithm: str = "leximin",
    legacy_runs: int | None = None,
) -> DrawResult:
    """Draw a panel of ``panel_size`` among ``volunteers`` under ``quotas``, reproducibly from ``seed``.

    Raises ``PoolFormatError`` for malformed input, ``InfeasibleQuotasError`` naming the failing quotas,
    ``ValueError`` for an unknown algorithm or empty seed, ``LegacyUnavailableError`` for LEGACY without
    the optional ``sortition-algorithms`` package.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}: choose leximin or legacy")
    if not seed.strip():
        raise ValueError("the seed must not be empty")
    if algorithm == "legacy":
        require_legacy()  # before the feasibility check, which can take a while on a large pool
    pool = reduce_pool(quotas, volunteers)
    solver = check_feasible(pool, panel_size)
    distribution: Distribution | None = None
    if algorithm == "leximin":
        distribution, _ = leximin(pool, panel_size, solver)
        panel = sample_panel(distribution, seed)
        probabilities = person_probabilities(distribution)
        method = (
            f"exact: LEXIMIN lottery over {len(distribution.compositions)} panel compositions "
            f"with integer weights out of {UNITS:.0e}".replace("+", "")
        )
    else:
        runs = legacy_runs or default_legacy_runs(len(pool.volunteers))
        panels = run_legacy(pool, panel_size, seed, runs)
        panel = panels[0]
        probabilities = estimated_probabilities(pool, panels)
        method = describe_estimate(runs)
    return DrawResult(
        algorithm=algorithm,
        seed=seed,
        pool_sha256=pool_hash(volunteers),
        quotas_sha256=quotas_hash(quotas, panel_size),
        panel_size=panel_size,
        panel=panel,
        reserve=reserve_list(panel, quotas, volunteers, seed),
        probabilities=probabilities,
        minimum_probability=min(probabilities.values()),
        probability_method=method,
        distribution=distribution,
    )
