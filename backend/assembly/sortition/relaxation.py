"""Fast exact LEXIMIN: solve it over the LP relaxation, then prove it attainable by real panels.

Let ``P`` be the polytope of fractional compositions (the panel constraints with ``c`` real) and
``conv(F)`` the convex hull of the feasible integer compositions: ``conv(F) ⊆ P``. The LEXIMIN vector of
expected counts over ``P`` is found by a sequence of small LPs with one variable per class (no column
generation). If that vector is a convex combination of feasible compositions, it is also LEXIMIN over
``conv(F)`` — nothing in the smaller set can beat the optimum of the larger one — and the combination
*is* the fair lottery. ``decompose`` searches such a combination the Carathéodory way: pick an integer
composition ``c`` on the smallest face of ``P`` containing the current point ``m`` (an ILP with the
tight constraints as equalities), walk from ``c`` through ``m`` to the boundary, and repeat on the new
point, which lies on a strictly smaller face. If no such ``c`` exists, ``None`` tells the caller to fall
back to column generation, which is exact in every case.
"""

from __future__ import annotations

import highspy
import numpy as np

from backend.assembly.sortition.ilp import INF, FacePricer, new_highs
from backend.assembly.sortition.pool import ReducedPool
from backend.assembly.sortition.pricing import Face, SwapSearch

TIGHT = 1e-9
"""Distance under which a point is taken to lie on a bound or quota."""
SLACK_DONE = 1e-9
FIX_SLACK = 1e-11
"""A fixed level is kept as ``>= value - FIX_SLACK`` so float noise can never make later LPs infeasible."""
PRICE_TOL = 1e-9
SWAP_STARTS = 16
SWAP_STEPS = 100


class _Decomposition:
    """The decomposition LP in one HiGHS instance (primal simplex: new columns keep it feasible)."""

    def __init__(self, target: np.ndarray, free: np.ndarray) -> None:
        self.free = free
        self.size = len(target)
        self.rows = len(free)
        self.highs = new_highs()
        self.highs.setOptionValue("simplex_strategy", 4)
        empty_index, empty_value = np.array([], dtype=np.int32), np.array([])
        for j in free:
            self.highs.addRow(target[j], target[j], 0, empty_index, empty_value)
        self.highs.addRow(1.0, 1.0, 0, empty_index, empty_value)
        for row in range(self.rows):
            for sign in (1.0, -1.0):
                self.highs.addCol(1.0, 0.0, INF, 1, np.array([row], dtype=np.int32), np.array([sign]))
        self.columns: list[tuple[int, ...]] = []
        self.known: set[tuple[int, ...]] = set()

    def add(self, counts: tuple[int, ...]) -> None:
        values = np.array(counts, dtype=float)[self.free]
        rows = np.flatnonzero(values)
        self.highs.addCol(
            0.0,
            0.0,
            INF,
            len(rows) + 1,
            np.array([*rows, self.rows], dtype=np.int32),
            np.array([*values[rows], 1.0]),
        )
        self.columns.append(counts)
        self.known.add(counts)

    def solve(self) -> tuple[float, np.ndarray, float]:
        """Total slack, the pricing weight of each class and the constant term of a column's value."""
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"decomposition LP: {self.highs.modelStatusToString(self.highs.getModelStatus())}"
            )
        duals = np.array(self.highs.getSolution().row_dual)
        weights = np.zeros(self.size)
        weights[self.free] = duals[: self.rows]
        return self.highs.getInfo().objective_function_value, weights, float(duals[self.rows])

    def x(self) -> np.ndarray:
        return np.array(self.highs.getSolution().col_value[2 * self.rows :])

    def swap_columns(self, search: SwapSearch, weights: np.ndarray, offset: float) -> list[tuple[int, ...]]:
        """Improving columns found by swaps from the compositions the LP uses most."""
        x = self.x()
        found: set[tuple[int, ...]] = set()
        for index in np.argsort(-x, kind="stable")[:SWAP_STARTS]:
            if x[index] <= 1e-12:
                break
            counts = search.improve(self.columns[index], weights, SWAP_STEPS)
            if (
                counts is not None
                and counts not in self.known
                and float(weights @ np.array(counts)) + offset > PRICE_TOL
            ):
                found.add(counts)
        return sorted(found)

    def result(self) -> tuple[list[tuple[int, ...]], list[float]]:
        x = np.clip(self.x(), 0.0, None)
        keep = [i for i in range(len(self.columns)) if x[i] > 0.0]
        return [self.columns[i] for i in keep], [float(x[i]) for i in keep]


def _rows(pool: ReducedPool, panel_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dense constraint rows (size, quotas, multi-class household kinds) with lower/upper bounds."""
    n = len(pool.classes)
    matrix, low, high = [np.ones(n)], [float(panel_size)], [float(panel_size)]
    for quota in pool.quotas:
        row = np.zeros(n)
        row[pool.quota_classes(quota)] = 1.0
        matrix.append(row)
        low.append(float(quota.min))
        high.append(float(quota.max))
    for kind, members in enumerate(pool.kind_classes):
        if len(members) > 1:
            row = np.zeros(n)
            row[list(members)] = 1.0
            matrix.append(row)
            low.append(-INF)
            high.append(float(pool.kind_size(kind)))
    return np.array(matrix), np.array(low), np.array(high)


def relaxed_leximin(pool: ReducedPool, panel_size: int) -> np.ndarray:
    """Expected member counts per class that are LEXIMIN over the relaxation ``P`` (per-person fairness)."""
    n = len(pool.classes)
    sizes = np.array([len(cls.members) for cls in pool.classes], dtype=float)
    upper = np.array([pool.kind_size(cls.household_kind) for cls in pool.classes], dtype=float)
    matrix, low, high = _rows(pool, panel_size)
    highs = new_highs()
    highs.addVars(n, np.zeros(n), upper)
    for row, lo, hi in zip(matrix, low, high, strict=True):
        index = np.flatnonzero(row).astype(np.int32)
        highs.addRow(lo, hi, len(index), index, row[index])
    z = n
    highs.addVar(0.0, 1.0)
    highs.changeColCost(z, 1.0)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    first = highs.getNumRow()
    for j in range(n):  # mu_j / n_j - z >= 0 while class j is not fixed
        highs.addRow(0.0, INF, 2, np.array([j, z], dtype=np.int32), np.array([1.0 / sizes[j], -1.0]))
    unfixed = set(range(n))
    while unfixed:
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"relaxed LEXIMIN LP: {highs.modelStatusToString(highs.getModelStatus())}")
        value = highs.getInfo().objective_function_value
        duals = highs.getSolution().row_dual
        newly = [j for j in sorted(unfixed) if -duals[first + j] > 1e-7]
        if not newly:
            if value < 1.0 - 1e-9:
                raise RuntimeError("relaxed LEXIMIN made no progress")
            newly = sorted(unfixed)  # everyone left can be selected for sure
        for j in newly:
            highs.changeCoeff(first + j, z, 0.0)
            highs.changeRowBounds(first + j, value - FIX_SLACK, INF)
            unfixed.discard(j)
    highs.run()
    return np.clip(np.array(highs.getSolution().col_value[:n]), 0.0, upper)


def _value(weights: np.ndarray, counts: tuple[int, ...]) -> float:
    return float(weights @ np.array(counts, dtype=float))


def face_of(pool: ReducedPool, panel_size: int, point: np.ndarray) -> Face:
    """The smallest face of the relaxation containing ``point``: its tight bounds become equalities."""
    whole = Face.whole(pool)
    at_zero, at_top = point < TIGHT, point > whole.class_high - TIGHT
    quota_count = np.array([point[pool.quota_classes(q)].sum() for q in pool.quotas])
    kind_of = np.array([c.household_kind for c in pool.classes], dtype=np.int64)
    load = np.bincount(kind_of, weights=point, minlength=len(whole.kind_high))
    return Face(
        class_low=np.where(at_top, whole.class_high, 0),
        class_high=np.where(at_zero, 0, whole.class_high),
        quota_low=np.where(quota_count > whole.quota_high - TIGHT, whole.quota_high, whole.quota_low),
        quota_high=np.where(quota_count < whole.quota_low + TIGHT, whole.quota_low, whole.quota_high),
        kind_low=np.where(load > whole.kind_high - TIGHT, whole.kind_high, 0),
        kind_high=whole.kind_high,
    )


def decompose(
    pool: ReducedPool, panel_size: int, target: np.ndarray
) -> tuple[list[tuple[int, ...]], list[float]] | None:
    """Feasible compositions and weights averaging to ``target``, or ``None`` if ``target`` is out of reach.

    Column generation on ``min sum |s|`` s.t. ``sum_P x_P P_j + s_j = target_j`` (free classes),
    ``sum x_P = 1``: compositions are priced on the face of ``target`` (every composition of a
    decomposition lies on it), by swaps first and by the exact ILP when swaps find nothing.
    """
    face = face_of(pool, panel_size, target)
    free = np.flatnonzero(face.class_low != face.class_high)
    pricer = FacePricer(pool, panel_size, face)
    master = _Decomposition(target, free)
    search = SwapSearch(pool, face)
    first = pricer.exact(np.zeros(len(pool.classes)))
    if first is None:
        return None
    master.add(first)
    while True:
        slack, weights, offset = master.solve()
        if slack <= SLACK_DONE:
            return master.result()
        found = master.swap_columns(search, weights, offset)
        for attempt in range(3):
            if found:
                break
            # a composition worth more than -offset lowers the slack; the last attempt proves there is none
            counts = (
                pricer.cheap(weights)
                if attempt == 0
                else pricer.exact(weights, -offset + 1e-6 if attempt == 1 else INF)
            )
            if (
                counts is not None
                and counts not in master.known
                and _value(weights, counts) + offset > PRICE_TOL
            ):
                found = [counts]
        if not found:
            return None  # no composition lowers the slack: target is not in conv(F)
        if len(master.columns) > 40 * (len(free) + 10):
            return None  # not converging (numerical trouble): let column generation decide
        for counts in found:
            master.add(counts)
