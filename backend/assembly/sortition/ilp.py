"""The panel integer program on HiGHS: integer counts per class under quotas, size and households.

Variables ``c_j`` (members taken from class ``j``), integer in ``[0, m_K]`` where ``m_K`` is the number
of households of the class's kind. Rows: ``sum c_j = k``; for each quota ``min <= sum c_j <= max`` over
the classes with the feature; for each household kind with several classes ``sum c_j <= m_K``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import highspy
import numpy as np

from backend.assembly.sortition.model import QuotaProblem
from backend.assembly.sortition.pool import ReducedPool
from backend.assembly.sortition.pricing import Face

INF = highspy.kHighsInf
_OPTIMAL = highspy.HighsModelStatus.kOptimal
_INFEASIBLE = (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible)


@contextmanager
def stdout_silenced() -> Iterator[None]:
    """Send whatever native code writes on file descriptor 1 to /dev/null for the duration.

    HiGHS (since 1.16) prints its banner from the C++ constructor, before any option can turn output
    off; `qp draw` must print nothing but JSON on stdout, whatever the solver's version.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def new_highs() -> highspy.Highs:
    """A silent, single-threaded, deterministic HiGHS instance with tight tolerances."""
    with stdout_silenced():
        highs = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy ships no annotations
    for name, value in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("primal_feasibility_tolerance", 1e-9),
        ("dual_feasibility_tolerance", 1e-9),
        ("mip_feasibility_tolerance", 1e-9),
        # Pricing must find the true optimum, or LEXIMIN could stop short of the fair distribution.
        ("mip_rel_gap", 1e-9),
        ("mip_abs_gap", 1e-11),
    ):
        highs.setOptionValue(name, value)
    return highs


def index_array(indices: Sequence[int]) -> np.ndarray:
    """Column or row indices as HiGHS expects them."""
    return np.asarray(indices, dtype=np.int32)


def _add_panel_rows(highs: highspy.Highs, pool: ReducedPool, panel_size: int) -> None:
    n = len(pool.classes)
    highs.addRow(panel_size, panel_size, n, index_array(range(n)), np.ones(n))
    for quota in pool.quotas:
        members = pool.quota_classes(quota)
        highs.addRow(quota.min, quota.max, len(members), index_array(members), np.ones(len(members)))
    for kind, kind_members in enumerate(pool.kind_classes):
        if len(kind_members) > 1:
            highs.addRow(
                -INF,
                pool.kind_size(kind),
                len(kind_members),
                index_array(kind_members),
                np.ones(len(kind_members)),
            )


def _add_class_columns(highs: highspy.Highs, pool: ReducedPool) -> None:
    n = len(pool.classes)
    upper = np.array([pool.kind_size(cls.household_kind) for cls in pool.classes], dtype=float)
    highs.addVars(n, np.zeros(n), upper)
    highs.changeColsIntegrality(n, index_array(range(n)), np.array([highspy.HighsVarType.kInteger] * n))


def composition_ok(pool: ReducedPool, counts: Sequence[int], panel_size: int) -> bool:
    """Exact integer check of a composition against size, quotas, class bounds and households."""
    if sum(counts) != panel_size or any(c < 0 for c in counts):
        return False
    for quota in pool.quotas:
        if not quota.min <= sum(counts[j] for j in pool.quota_classes(quota)) <= quota.max:
            return False
    return all(
        sum(counts[j] for j in members) <= pool.kind_size(kind)
        for kind, members in enumerate(pool.kind_classes)
    )


def panel_model(pool: ReducedPool, panel_size: int) -> highspy.Highs:
    """A HiGHS maximisation ILP over class counts with the panel rows (size, quotas, households), no cost."""
    highs = new_highs()
    _add_class_columns(highs, pool)
    _add_panel_rows(highs, pool, panel_size)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return highs


def face_model(pool: ReducedPool, panel_size: int, face: Face) -> highspy.Highs:
    """The panel ILP restricted to a face (tight bounds and quotas as equalities)."""
    highs = panel_model(pool, panel_size)
    n = len(pool.classes)
    highs.changeColsBounds(
        n, index_array(range(n)), face.class_low.astype(float), face.class_high.astype(float)
    )
    rows = [(float(lo), float(hi)) for lo, hi in zip(face.quota_low, face.quota_high, strict=True)]
    rows += [
        (float(face.kind_low[kind]), float(face.kind_high[kind]))
        for kind, members in enumerate(pool.kind_classes)
        if len(members) > 1
    ]
    for row, (low, high) in enumerate(rows, start=1):
        highs.changeRowBounds(row, low, high)
    return highs


def best_on(highs: highspy.Highs, weights: np.ndarray) -> tuple[int, ...] | None:
    """Solve a panel ILP for these weights; ``None`` if infeasible."""
    n = len(weights)
    highs.changeColsCost(n, index_array(range(n)), np.asarray(weights, dtype=float))
    highs.run()
    status = highs.getModelStatus()
    if status not in (_OPTIMAL, highspy.HighsModelStatus.kObjectiveTarget):
        return None
    return tuple(round(v) for v in highs.getSolution().col_value)


class FacePricer:
    """Pricing on a face, cheapest first: LP relaxation (exact when integral), then RENS, then the ILP.

    RENS fixes the variables the LP left integral and solves the small ILP over the fractional ones;
    its answer is a feasible composition, good but not proven best, so callers needing a proof of
    optimality (nothing improves) get it from the full ILP.
    """

    def __init__(self, pool: ReducedPool, panel_size: int, face: Face) -> None:
        self._n = len(pool.classes)
        self._low = face.class_low.astype(float)
        self._high = face.class_high.astype(float)
        self.mip = face_model(pool, panel_size, face)
        self.mip.setOptionValue("presolve", "off")  # small models: presolve costs more than it saves
        self.lp = face_model(pool, panel_size, face)
        self.lp.changeColsIntegrality(
            self._n, index_array(range(self._n)), np.array([highspy.HighsVarType.kContinuous] * self._n)
        )

    def cheap(self, weights: np.ndarray) -> tuple[int, ...] | None:
        """A good composition from the LP relaxation (rounded by RENS), or ``None``."""
        solution = best_lp(self.lp, weights)
        if solution is None:
            return None
        floor, ceil = np.floor(solution + 1e-9), np.ceil(solution - 1e-9)
        if np.array_equal(floor, ceil):
            return tuple(int(v) for v in floor)
        self.mip.changeColsBounds(self._n, index_array(range(self._n)), floor, ceil)
        try:
            return best_on(self.mip, weights)
        finally:
            self.mip.changeColsBounds(self._n, index_array(range(self._n)), self._low, self._high)

    def exact(self, weights: np.ndarray, target: float = -INF) -> tuple[int, ...] | None:
        """The best composition on the face (full ILP), or the first one found worth more than ``target``."""
        self.mip.setOptionValue("objective_target", target)
        return best_on(self.mip, weights)


def best_lp(highs: highspy.Highs, weights: np.ndarray) -> np.ndarray | None:
    """Solve an LP relaxation for these weights; ``None`` if infeasible."""
    n = len(weights)
    highs.changeColsCost(n, index_array(range(n)), np.asarray(weights, dtype=float))
    highs.run()
    if highs.getModelStatus() != _OPTIMAL:
        return None
    return np.array(highs.getSolution().col_value)


class PanelSolver:
    """Finds the feasible composition maximising ``sum w_j c_j`` (the LEXIMIN pricing problem)."""

    def __init__(self, pool: ReducedPool, panel_size: int) -> None:
        self.pool = pool
        self.panel_size = panel_size
        self._n = len(pool.classes)
        self._highs = panel_model(pool, panel_size)
        self.solves = 0

    def best(self, weights: Sequence[float]) -> tuple[int, ...] | None:
        """The best composition for these weights, or ``None`` if no panel meets the quotas."""
        self._highs.changeColsCost(self._n, index_array(range(self._n)), np.asarray(weights, dtype=float))
        self._highs.run()
        self.solves += 1
        status = self._highs.getModelStatus()
        if status in _INFEASIBLE:
            return None
        if status != _OPTIMAL:
            raise RuntimeError(
                f"HiGHS could not solve the panel program: {self._highs.modelStatusToString(status)}"
            )
        counts = tuple(round(v) for v in self._highs.getSolution().col_value)
        if not composition_ok(self.pool, counts, self.panel_size):
            raise RuntimeError("HiGHS returned a composition that breaks a quota (numerical trouble)")
        return counts


def minimal_relaxation(pool: ReducedPool, panel_size: int) -> list[QuotaProblem]:
    """Explain infeasible quotas: the smallest total change to minimums/maximums that admits a panel.

    Each quota row gets integer slacks ``lower`` (seats short of its minimum) and ``raise`` (seats above
    its maximum); minimising their sum names the quotas that conflict and by how much.
    """
    highs = new_highs()
    _add_class_columns(highs, pool)
    _add_panel_rows(highs, pool, panel_size)
    n = len(pool.classes)
    quota_rows = range(1, 1 + len(pool.quotas))
    for row in quota_rows:
        # slack column +1 (minimum lowered) and -1 (maximum raised) in the quota row
        highs.addCol(1.0, 0.0, INF, 1, index_array([row]), np.array([1.0]))
        highs.addCol(1.0, 0.0, INF, 1, index_array([row]), np.array([-1.0]))
    slacks = 2 * len(pool.quotas)
    highs.changeColsIntegrality(
        slacks, index_array(range(n, n + slacks)), np.array([highspy.HighsVarType.kInteger] * slacks)
    )
    highs.changeObjectiveSense(highspy.ObjSense.kMinimize)
    highs.run()
    if highs.getModelStatus() != _OPTIMAL:
        return [
            QuotaProblem("", f"no panel of {panel_size} exists even with the quotas relaxed (households)")
        ]
    values = highs.getSolution().col_value
    problems = []
    for index, quota in enumerate(pool.quotas):
        lowered, raised = round(values[n + 2 * index]), round(values[n + 2 * index + 1])
        if lowered:
            problems.append(
                QuotaProblem(
                    quota.label,
                    f"quota {quota.label}: min {quota.min} cannot be met together with the other quotas "
                    f"(the smallest fix lowers it to {quota.min - lowered})",
                )
            )
        if raised:
            problems.append(
                QuotaProblem(
                    quota.label,
                    f"quota {quota.label}: max {quota.max} cannot be kept together with the other quotas "
                    f"(the smallest fix raises it to {quota.max + raised})",
                )
            )
    return problems or [QuotaProblem("", "the quotas cannot all be met together")]
