"""Fast heuristic pricing for LEXIMIN: improve known panels by swapping one member at a time.

A panel in the LP's support has reduced cost 0, so any feasible swap "one member of class a out, one
of class b in" with ``w_b > w_a`` yields a panel with positive reduced cost, i.e. a useful new column.
Swaps are evaluated for all pairs at once with numpy; the exact ILP is only needed to prove that no
improving panel is left (end of a stage), which keeps the slow MIP calls few.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from backend.assembly.sortition.pool import ReducedPool


@dataclass(frozen=True)
class Face:
    """Integer bounds on class counts, quota counts and household-kind loads (a face of the polytope)."""

    class_low: np.ndarray
    class_high: np.ndarray
    quota_low: np.ndarray
    quota_high: np.ndarray
    kind_low: np.ndarray
    kind_high: np.ndarray

    @classmethod
    def whole(cls, pool: ReducedPool) -> Face:
        """The panel constraints themselves."""
        kinds = np.array([pool.kind_size(k) for k in range(len(pool.households))], dtype=np.int64)
        kind_of = np.array([c.household_kind for c in pool.classes], dtype=np.int64)
        return cls(
            class_low=np.zeros(len(pool.classes), dtype=np.int64),
            class_high=kinds[kind_of],
            quota_low=np.array([q.min for q in pool.quotas], dtype=np.int64),
            quota_high=np.array([q.max for q in pool.quotas], dtype=np.int64),
            kind_low=np.zeros(len(kinds), dtype=np.int64),
            kind_high=kinds,
        )


class SwapSearch:
    """Best-improvement local search over single swaps, respecting quotas, bounds and households."""

    def __init__(self, pool: ReducedPool, face: Face | None = None) -> None:
        n = len(pool.classes)
        positions = {q: i for i, q in enumerate(pool.quotas)}
        by_label = {(q.category, q.feature): positions[q] for q in pool.quotas}
        # feature_row[r, j]: the quota row of class j's feature in category r
        self.feature_row = np.array(
            [
                [by_label[(category, cls.features[r])] for cls in pool.classes]
                for r, category in enumerate(pool.categories)
            ],
            dtype=np.int64,
        ).reshape(len(pool.categories), n)
        self.kind = np.array([cls.household_kind for cls in pool.classes], dtype=np.int64)
        face = face or Face.whole(pool)
        self.low, self.high = face.quota_low, face.quota_high
        self.kind_low, self.kind_cap = face.kind_low, face.kind_high
        self.lower, self.upper = face.class_low, face.class_high
        self.same = [
            self.feature_row[r][:, None] == self.feature_row[r][None, :] for r in range(len(self.feature_row))
        ]
        self.same_kind = self.kind[:, None] == self.kind[None, :]
        self.n = n

    def _feasible_pairs(self, counts: np.ndarray, members: np.ndarray) -> np.ndarray:
        """Boolean matrix [a in members, b]: may one member of class a be replaced by one of class b?"""
        quota_count = np.zeros(len(self.low), dtype=np.int64)
        for r in range(len(self.feature_row)):
            np.add.at(quota_count, self.feature_row[r], counts)
        ok = np.ones((len(members), self.n), dtype=bool)
        for r, rows in enumerate(self.feature_row):
            can_remove = quota_count[rows] - 1 >= self.low[rows]
            can_add = quota_count[rows] + 1 <= self.high[rows]
            ok &= self.same[r][members] | (can_remove[members][:, None] & can_add[None, :])
        load = np.bincount(self.kind, weights=counts, minlength=len(self.kind_cap)).astype(np.int64)
        kind_room = load[self.kind] + 1 <= self.kind_cap[self.kind]
        kind_spare = load[self.kind] - 1 >= self.kind_low[self.kind]
        ok &= self.same_kind[members] | (kind_spare[members][:, None] & kind_room[None, :])
        ok &= (counts + 1 <= self.upper)[None, :]
        ok &= (counts[members] - 1 >= self.lower[members])[:, None]
        return ok

    def improve(self, start: Sequence[int], weights: np.ndarray, steps: int) -> tuple[int, ...] | None:
        """Up to ``steps`` best-improvement swaps from ``start``; ``None`` if no swap improves."""
        counts = np.array(start, dtype=np.int64)
        moved = False
        for _ in range(steps):
            members = np.flatnonzero(counts)
            gain = weights[None, :] - weights[members][:, None]
            gain[~self._feasible_pairs(counts, members)] = -np.inf
            best = int(np.argmax(gain))
            a, b = divmod(best, self.n)
            if not gain[a, b] > 1e-12:
                break
            counts[members[a]] -= 1
            counts[b] += 1
            moved = True
        return tuple(int(c) for c in counts) if moved else None
