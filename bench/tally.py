"""Benchmark of the counting core (``backend.counting``), optionally against pabutools.

    .venv/bin/python bench/tally.py            # 1,000,000 ballots; pabutools on 20,000 voters (minutes)
    .venv/bin/python bench/tally.py --quick    # smaller instances, a few seconds
    .venv/bin/python bench/tally.py --no-pabutools

Instances are random but shaped like real ones: project popularity is skewed (log-normal
weights, the favourite gathers about a tenth of the approvals), ballots name 1 to 5 projects
(mostly 3 to 5), costs are log-normal and the envelope covers about a third of their total.
Times cover the whole count (scores, grouping identical ballots, every run of the Add1 loop),
not generating the ballots. Nothing is asserted: the figures are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.counting.model import Ballots, Outcome, Project  # noqa: E402
from backend.counting.profile import approval_counts  # noqa: E402
from backend.counting.rules.equal_shares import equal_shares_add1  # noqa: E402
from backend.counting.rules.greedy import greedy  # noqa: E402

T = TypeVar("T")
LENGTH_WEIGHTS = [0.10, 0.15, 0.25, 0.25, 0.25]  # ballots of 1, 2, 3, 4, 5 projects


def make_election(
    n_voters: int, n_projects: int, median_cost: float, seed: int
) -> tuple[list[Project], Decimal, Ballots]:
    """Random approval ballots with skewed popularity; budget about a third of all costs."""
    rng = np.random.default_rng(seed)
    log_popularity = np.log(rng.lognormal(0.0, 1.0, n_projects))
    lengths = rng.choice(np.arange(1, 6), size=n_voters, p=LENGTH_WEIGHTS)
    chunks = []
    for start in range(0, n_voters, 100_000):
        size = min(100_000, n_voters - start)
        # Gumbel top-k: sampling without replacement, proportionally to popularity.
        keys = log_popularity - np.log(-np.log(rng.random((size, n_projects))))
        top = np.argsort(-keys, axis=1)[:, :5]
        chunks.append(top[np.arange(5) < lengths[start : start + size, None]])
    indptr = np.zeros(n_voters + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    ballots = Ballots(indptr, np.concatenate(chunks).astype(np.int32))
    costs = np.maximum(np.round(rng.lognormal(np.log(median_cost), 0.8, n_projects), -3), 1000)
    projects = [Project(f"P{i:02d}", Decimal(int(c))) for i, c in enumerate(costs)]
    budget = Decimal(int(costs.sum() // 3))
    return projects, budget, ballots


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[T, float, float]:
    """Result of ``fn``, its best wall-clock time and the CPU time of that run, over ``repeat`` runs.

    The CPU time tells a slow machine from a busy one: on a shared machine, wall time can be
    several times the CPU time.
    """
    best, cpu, result = float("inf"), 0.0, None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall = time.perf_counter() - start
        if wall < best:
            best, cpu = wall, time.process_time() - start_cpu
    assert result is not None
    return result, best, cpu


def count_greedy(projects: list[Project], budget: Decimal, ballots: Ballots) -> Outcome:
    return greedy(projects, budget, approval_counts(ballots, len(projects)))


def pabutools_add1(projects: list[Project], budget: Decimal, ballots: Ballots) -> set[str]:
    """The pabutools call that reproduces the cities' Add1 outcomes (exact fractions, slow)."""
    from fractions import Fraction

    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance
    from pabutools.election import Project as PabuProject
    from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares

    pabu = [PabuProject(p.id, Fraction(p.cost)) for p in projects]
    instance = Instance(pabu, budget_limit=Fraction(budget))
    profile = ApprovalProfile(
        [ApprovalBallot([pabu[i] for i in ballots.row(v)]) for v in range(ballots.n_voters)]
    )
    outcome = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_class": Cost_Sat},
        exhaustive_stop=False,
        budget_step=len(profile),
    )
    return {p.name for p in outcome}


def seconds(t: float, cpu: float | None = None) -> str:
    text = f"{t * 1000:.0f} ms" if t < 1 else f"{t:.2f} s"
    return text if cpu is None else f"{text} (cpu {cpu:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller instances (seconds, not minutes)")
    parser.add_argument("--no-pabutools", action="store_true", help="skip the comparison with pabutools")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    big_n, small_n, small_p = (100_000, 2_000, 30) if args.quick else (1_000_000, 20_000, 50)

    rows: list[tuple[str, str, str, str, str]] = []
    print(f"generating {big_n:,} approval ballots over 60 projects...", flush=True)
    projects, budget, ballots = make_election(
        big_n, 60, median_cost=1_500_000 * big_n / 1_000_000, seed=args.seed
    )
    share = float(budget) / big_n
    print(f"  envelope {budget:,} ({share:.2f} per voter), {len(ballots.indices):,} approvals", flush=True)
    outcome, t, cpu = timed(lambda: count_greedy(projects, budget, ballots), repeat=3)
    rows.append(
        (f"greedy, {big_n:,} ballots x 60", seconds(t, cpu), "", "", f"{len(outcome.selected)} funded")
    )
    mes, t, cpu = timed(lambda: equal_shares_add1(projects, budget, ballots), repeat=2)
    note = f"{len(mes.selected)} funded, {mes.details['increments']} increments"
    rows.append((f"MES Add1, {big_n:,} ballots x 60", seconds(t, cpu), "", "", note))

    if not args.no_pabutools:
        print(f"comparing with pabutools on {small_n:,} voters x {small_p} projects (slow)...", flush=True)
        small = make_election(small_n, small_p, median_cost=small_n, seed=args.seed + 1)
        ours, t_ours, cpu_ours = timed(lambda: equal_shares_add1(*small), repeat=3)
        reference, t_ref, cpu_ref = timed(lambda: pabutools_add1(*small))
        same = "same winners" if set(ours.selected) == reference else "DIFFERENT WINNERS"
        speedup = f"{t_ref / t_ours:,.0f}x"
        note = f"{same}, {ours.details['increments']} increments"
        name = f"MES Add1, {small_n:,} voters x {small_p}"
        rows.append((name, seconds(t_ours, cpu_ours), seconds(t_ref, cpu_ref), speedup, note))

    header = ("count", "ours", "pabutools", "speed-up", "")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(5)]
    print()
    for row in [header, *rows]:
        print(
            "  ".join(
                cell.ljust(w) if i in (0, 4) else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )


if __name__ == "__main__":
    main()
