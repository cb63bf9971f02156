"""Fast exact LEXIMIN: solve it over the LP relaxation, then prove it attainable by real panels.

Let ``P`` be the polytope of fractional compositions (the panel constraints with ``c`` real) and
``conv(F)`` the convex hull of the feasible integer compositions: ``conv(F) ⊆ P``. The LEXIMIN vector of
expected counts over ``P`` is found by a sequence of small LPs with one variable per class (no column
generation). If that vector is a convex combination of feasible compositions, it is also LEXIMIN over
``conv(F)`` — nothing in the smaller set can beat the optimum of the larger one — and the combination
*is* the fair lottery. ``decompose`` searches such a combination the Carathéodory way: pick an integer
composition ``c`` on the smallest face of ``P`` containing the current point ``m`` (an ILP with the
tight constraints as equalities), walk from ``c`` through ``m`` to the boundary, and repeat on the new
point, which lies on a strictly smaller face (``_walk_columns``). The compositions met go to the
decomposition LP (``min sum |s|``), which certifies the combination, or completes it by column generation
when float error or a step out of ``conv(F)`` stopped the walk early. If no composition can lower the
slack, ``None`` tells the caller to fall back to the paper's column generation, exact in every case.
Measured on ``bench/draw.py`` (2,000 volunteers, 111 seats): about 120 compositions, 17 s in all.
"""

from __future__ import annotations

from typing import Any

import highspy
import numpy as np

from backend.assembly.sortition.ilp import INF, FacePricer, best_on, face_model, index_array, new_highs
from backend.assembly.sortition.pool import ReducedPool
from backend.assembly.sortition.pricing import Face, SwapSearch

TIGHT = 1e-9
"""Distance under which a point is taken to lie on a bound or quota."""
SLACK_DONE = 1e-9
FIX_SLACK = 1e-11
"""A fixed level is kept as ``>= value - FIX_SLACK`` so float noise can never make later LPs infeasible."""
PRICE_TOL = 1e-9
WALK_TIGHT = 1e-8
"""Looser tightness for the Carathéodory walk, whose compositions are only candidates for the LP."""
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
    """Expected member counts per class that are LEXIMIN over the relaxation ``P`` (per-person fairness).

    Levels are fixed exactly first; only if float noise then makes a later LP infeasible are they fixed
    with the ``FIX_SLACK`` margin. Exact levels matter: with the margin, each later level and the final
    point carry up to about 1e-9 of noise spread over the classes, which the decomposition must then
    reproduce exactly (measured: several times slower on a pool of 2,000).
    """
    try:
        return _relaxed_leximin(pool, panel_size, 0.0)
    except RuntimeError:
        return _relaxed_leximin(pool, panel_size, FIX_SLACK)


def _relaxed_leximin(pool: ReducedPool, panel_size: int, margin: float) -> np.ndarray:
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
            highs.changeRowBounds(first + j, value - margin, INF)
            unfixed.discard(j)
    highs.run()
    solution: np.ndarray[tuple[Any, ...], np.dtype[Any]] = np.clip(
        np.array(highs.getSolution().col_value[:n]), 0.0, upper
    )
    return solution


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


def _walk_columns(
    pool: ReducedPool, panel_size: int, target: np.ndarray, face: Face
) -> list[tuple[int, ...]]:
    """Candidate compositions from a Carathéodory walk, so the master starts next to the answer.

    From the current point ``p`` (``target`` first) take an integer composition ``c`` on the face of
    ``p`` and in its unit box (a rounding of ``p``, by a small ILP), walk from ``c`` through ``p`` to the
    boundary of the relaxation and repeat from there: each step puts one more bound or row tight, so
    the walk has at most about one step per class, and ``target`` is a convex combination of the
    compositions met. After each step the point is put back exactly on its tight rows (float drift
    would otherwise grow with the walk). The walk may leave ``conv(F)`` (no composition on the face):
    it then stops; either way ``decompose`` certifies or completes the combination with its LP.
    """
    n = len(pool.classes)
    matrix, row_low, row_high = _rows(pool, panel_size)
    row_low = np.maximum(row_low, 0.0)  # household rows have no minimum; loads are never negative
    top = Face.whole(pool).class_high.astype(float)
    model = face_model(pool, panel_size, face)
    model.setOptionValue("presolve", "off")
    everything = index_array(range(n))
    point, columns, left = target.astype(float).copy(), [], 1.0
    for _ in range(2 * n + 10):
        at_zero, at_top = point <= WALK_TIGHT, point >= top - WALK_TIGHT
        value = matrix @ point
        on_low, on_high = value <= row_low + WALK_TIGHT, value >= row_high - WALK_TIGHT
        for row in range(1, len(value)):
            low = row_high[row] if on_high[row] else row_low[row]
            high = row_low[row] if on_low[row] else row_high[row]
            model.changeRowBounds(row, low, high)
        floor = np.where(at_top, top, np.where(at_zero, 0.0, np.floor(point + WALK_TIGHT)))
        ceil = np.where(at_zero, 0.0, np.where(at_top, top, np.ceil(point - WALK_TIGHT)))
        model.changeColsBounds(n, everything, floor, ceil)
        counts = best_on(model, point - floor)
        if counts is None:
            break
        columns.append(counts)
        direction = point - np.array(counts, dtype=float)
        direction[at_zero | at_top] = 0.0
        if np.abs(direction).max() <= WALK_TIGHT:
            break
        step = np.inf
        up, down = direction > WALK_TIGHT, direction < -WALK_TIGHT
        step = min(step, float(np.min((top[up] - point[up]) / direction[up], initial=np.inf)))
        step = min(step, float(np.min(point[down] / -direction[down], initial=np.inf)))
        change = matrix @ direction
        change[on_low | on_high] = 0.0
        up, down = change > WALK_TIGHT, change < -WALK_TIGHT
        step = min(step, float(np.min((row_high[up] - value[up]) / change[up], initial=np.inf)))
        step = min(step, float(np.min((value[down] - row_low[down]) / -change[down], initial=np.inf)))
        if not 0.0 < step < np.inf:
            break
        point = point + step * direction
        left /= 1.0 + step
        if left < 1e-13:
            break
        point = _settle(point, top, matrix, row_low, row_high)
    return columns


def _settle(
    point: np.ndarray, top: np.ndarray, matrix: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Snap coordinates within ``WALK_TIGHT`` of a bound onto it, then put tight rows exactly on theirs."""
    point = np.where(point <= WALK_TIGHT, 0.0, np.where(point >= top - WALK_TIGHT, top, point))
    value = matrix @ point
    tight_low, tight_high = value <= low + 1e-7, value >= high - 1e-7
    rows = np.flatnonzero(tight_low | tight_high)
    free = np.flatnonzero((point > 0.0) & (point < top))
    if len(rows) == 0 or len(free) == 0:
        return point
    goal = np.where(tight_high[rows], high[rows], low[rows])
    sub = matrix[np.ix_(rows, free)]
    correction, *_ = np.linalg.lstsq(sub, goal - value[rows], rcond=None)
    point[free] = np.clip(point[free] + correction, 0.0, top[free])
    return point


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
    for walked in _walk_columns(pool, panel_size, target, face):
        if walked not in master.known:
            master.add(walked)
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
