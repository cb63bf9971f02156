"""LEXIMIN on HiGHS (Flanigan et al., Nature 2021): the fast exact path of ``relaxation`` first, else
column generation over panel compositions, as in the paper.

Column generation, stage ``s`` solves the master LP over the known compositions ``P`` (columns ``x_P``)::

    maximise z   s.t.  sum_P x_P * P_j / n_j >= z        for every class j not yet fixed
                       sum_P x_P * P_j / n_j >= p_j      for every fixed class j
                       sum_P x_P <= 1,  x >= 0

(``n_j`` = members of class ``j``). Its duals ``y_j >= 0`` and ``yhat`` price new compositions: the
pricing ILP finds the feasible composition maximising ``sum_j y_j P_j / n_j``; if that beats ``yhat``
the composition enters the LP, otherwise the LP is optimal over *all* panels. Every unfixed class with
``y_j > 0`` is then tight in every optimal solution (complementary slackness), so its probability is
fixed at ``z``; at least one class is fixed per stage since the unfixed ``y_j`` sum to 1. When all are
fixed, the last LP solution is the LEXIMIN lottery, rounded to integer weights out of ``UNITS``.

Working on classes rather than people is exact (see ``pool``) and keeps the LP and ILP small: a pool
of thousands has a few hundred classes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np

from backend.assembly.sortition.ilp import INF, PanelSolver, new_highs
from backend.assembly.sortition.model import Composition, Distribution
from backend.assembly.sortition.pool import ReducedPool
from backend.assembly.sortition.pricing import SwapSearch
from backend.assembly.sortition.relaxation import decompose, relaxed_leximin

UNITS = 10**12
"""Lottery weights are integers out of this total (probabilities exact to about 1e-12)."""

PRICE_EPS = 1e-10
FIX_EPS = 1e-7
_MAX_COLUMNS = 200_000
SWAP_STARTS = 10
SWAP_STEPS = 5


@dataclass
class LeximinStats:
    """Work done, for benchmarks and logs."""

    method: str = ""
    stages: int = 0
    columns: int = 0
    lp_solves: int = 0
    ilp_solves: int = 0
    seconds: float = 0.0


class _Master:
    """The master LP, kept in one HiGHS instance so each solve warm-starts from the last basis."""

    def __init__(self, sizes: list[int]) -> None:
        self.sizes = sizes
        self.n = len(sizes)
        self.highs = new_highs()
        # Adding a column keeps the basis primal feasible: primal simplex re-optimises in a few pivots.
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.highs.addCol(1.0, 0.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))  # z
        for _ in range(self.n):
            self.highs.addRow(0.0, INF, 1, np.array([0], dtype=np.int32), np.array([-1.0]))
        self.highs.addRow(-INF, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        self.columns: list[tuple[int, ...]] = []
        self.known: set[tuple[int, ...]] = set()
        self.solves = 0

    def add(self, counts: tuple[int, ...]) -> None:
        rows = [j for j, c in enumerate(counts) if c]
        values = [counts[j] / self.sizes[j] for j in rows]
        self.highs.addCol(
            0.0, 0.0, INF, len(rows) + 1, np.array([*rows, self.n], dtype=np.int32), np.array([*values, 1.0])
        )
        self.columns.append(counts)
        self.known.add(counts)

    def fix(self, j: int, value: float) -> None:
        self.highs.changeCoeff(j, 0, 0.0)
        self.highs.changeRowBounds(j, max(0.0, value - 1e-11), INF)  # float noise must not cut it off

    def solve(self) -> tuple[float, list[float], float]:
        """Optimal ``z``, the class duals ``y_j`` and the convexity dual ``yhat``."""
        self.highs.run()
        self.solves += 1
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"LEXIMIN master LP not solved: {self.highs.modelStatusToString(status)}")
        duals = self.highs.getSolution().row_dual
        # HiGHS reports duals of a maximisation with the opposite sign of the textbook dual.
        y = [max(0.0, -duals[j]) for j in range(self.n)]
        return self.highs.getInfo().objective_function_value, y, max(0.0, duals[self.n])

    def weights(self) -> list[float]:
        return list(self.highs.getSolution().col_value[1:])


def _cover(solver: PanelSolver, master: _Master) -> list[bool]:
    """Seed the LP with compositions that together include every class that can be on a panel at all."""
    covered = [False] * master.n
    while True:
        counts = solver.best([0.0 if done else 1.0 for done in covered])
        if counts is None:  # check_feasible ran first, so this means numerical trouble
            raise RuntimeError("no feasible panel found while covering the classes")
        new = [j for j, c in enumerate(counts) if c and not covered[j]]
        if counts not in master.known:
            master.add(counts)
        if not new:
            return covered
        for j in new:
            covered[j] = True


def _swap_columns(
    master: _Master, search: SwapSearch, weights: np.ndarray, yhat: float
) -> list[tuple[int, ...]]:
    """New columns with positive reduced cost, found by swaps from the panels the LP currently uses."""
    x = master.weights()
    starts = sorted((i for i, v in enumerate(x) if v > 1e-12), key=lambda i: -x[i])[:SWAP_STARTS]
    found: set[tuple[int, ...]] = set()
    for index in starts:
        counts = search.improve(master.columns[index], weights, SWAP_STEPS)
        if (
            counts is not None
            and counts not in master.known
            and float(weights @ np.array(counts)) > yhat + PRICE_EPS
        ):
            found.add(counts)
    return sorted(found)


def leximin(pool: ReducedPool, panel_size: int, solver: PanelSolver) -> tuple[Distribution, LeximinStats]:
    """The LEXIMIN lottery over compositions of ``pool`` (quotas already checked feasible).

    Fast path (``relaxation``): LEXIMIN over the LP relaxation, then a decomposition into real panels,
    which certifies it. Otherwise column generation over panels, exact in every case.
    """
    started = time.perf_counter()
    target = relaxed_leximin(pool, panel_size)
    found = decompose(pool, panel_size, target)
    if found is not None:
        columns, weights = found
        stats = LeximinStats(method="relaxation", columns=len(columns), seconds=time.perf_counter() - started)
        return _rounded(pool, columns, weights), stats
    return column_generation(pool, panel_size, solver)


def column_generation(
    pool: ReducedPool, panel_size: int, solver: PanelSolver
) -> tuple[Distribution, LeximinStats]:
    """LEXIMIN by column generation over panel compositions (see module docstring)."""
    started = time.perf_counter()
    sizes = [len(cls.members) for cls in pool.classes]
    master = _Master(sizes)
    covered = _cover(solver, master)
    fixed: dict[int, float] = {}
    for j, ok in enumerate(covered):
        if not ok:  # on no feasible panel at all: probability 0, whatever the lottery
            fixed[j] = 0.0
            master.fix(j, 0.0)
    stats = LeximinStats(method="column generation")
    search = SwapSearch(pool)
    while len(fixed) < master.n:
        stats.stages += 1
        while True:
            z, y, yhat = master.solve()
            weights = np.array([y[j] / sizes[j] for j in range(master.n)])
            found = _swap_columns(master, search, weights, yhat)
            if not found:
                counts = solver.best(list(weights))
                if counts is None:
                    raise RuntimeError("pricing ILP became infeasible")
                if float(weights @ np.array(counts)) > yhat + PRICE_EPS and counts not in master.known:
                    found = [counts]
            if not found:
                break
            if len(master.columns) >= _MAX_COLUMNS:
                raise RuntimeError("LEXIMIN column generation did not converge")
            for counts in found:
                master.add(counts)
        newly = [j for j in range(master.n) if j not in fixed and y[j] > FIX_EPS]
        if not newly and z >= 1.0 - 1e-9:  # everyone left can be selected for sure
            newly = [j for j in range(master.n) if j not in fixed]
        if not newly:  # cannot happen with exact duals (they sum to 1); fix the largest to progress
            newly = [max((j for j in range(master.n) if j not in fixed), key=lambda j: y[j])]
        for j in newly:
            fixed[j] = z
            master.fix(j, z)
    master.solve()  # fixing changed the model: solve the final feasibility LP for the lottery itself
    lottery = master.weights()
    stats.columns = len(master.columns)
    stats.lp_solves = master.solves
    stats.ilp_solves = solver.solves
    stats.seconds = time.perf_counter() - started
    return _rounded(pool, master.columns, lottery), stats


def _rounded(pool: ReducedPool, columns: list[tuple[int, ...]], weights: list[float]) -> Distribution:
    """Integer weights out of ``UNITS`` by largest remainder, ties broken by composition order."""
    total = sum(max(0.0, w) for w in weights)
    scaled = [(counts, max(0.0, w) / total * UNITS) for counts, w in zip(columns, weights, strict=True)]
    scaled.sort(key=lambda item: item[0])
    floors = [int(value) for _, value in scaled]
    missing = UNITS - sum(floors)
    order = sorted(range(len(scaled)), key=lambda i: (-(scaled[i][1] - floors[i]), scaled[i][0]))
    for i in order[:missing]:
        floors[i] += 1
    compositions = tuple(
        Composition(counts=counts, weight=weight)
        for (counts, _), weight in zip(scaled, floors, strict=True)
        if weight > 0
    )
    return Distribution(
        categories=pool.categories,
        classes=pool.classes,
        compositions=compositions,
        units=UNITS,
        households=pool.households,
    )
