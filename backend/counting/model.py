"""Plain data shared by the counting rules: projects, ballots, outcomes, tie-breaking.

Everything here is an immutable value (or numpy arrays treated as read-only): the rules never
touch a database and never mutate their inputs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
IndexArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Project:
    """A project of one envelope: its identifier (unique in the envelope) and its cost (> 0)."""

    id: str
    cost: Decimal

    def __post_init__(self) -> None:
        if not self.cost > 0:
            raise ValueError(f"project {self.id!r}: the cost must be positive, got {self.cost}")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a counting rule funds: project ids in the order the rule chose them, and their total cost.

    ``details`` carries rule-specific figures worth publishing (e.g. the final budget per voter of
    the Method of Equal Shares).
    """

    selected: tuple[str, ...]
    spent: Decimal
    details: Mapping[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class Ballots:
    """Ballots in compressed sparse row form, one row per voter.

    Row ``i`` lists the positions (in the envelope's project list) named by voter ``i``:
    ``indices[indptr[i]:indptr[i + 1]]``, in ballot order (for ordinal ballots: most preferred
    first). ``points`` is parallel to ``indices`` for cumulative and scoring ballots, ``None``
    otherwise. This layout keeps a million ballots in a few megabytes.
    """

    indptr: IntArray
    indices: IndexArray
    points: FloatArray | None = None

    def __post_init__(self) -> None:
        if self.indptr.ndim != 1 or len(self.indptr) == 0 or self.indptr[0] != 0:
            raise ValueError("indptr must be a 1-d array starting at 0")
        if np.any(np.diff(self.indptr) < 0) or self.indptr[-1] != len(self.indices):
            raise ValueError("indptr must be non-decreasing and end at len(indices)")
        if self.points is not None and len(self.points) != len(self.indices):
            raise ValueError("points must be parallel to indices")

    @classmethod
    def from_lists(
        cls, ballots: Iterable[Sequence[int]], points: Iterable[Sequence[float]] | None = None
    ) -> Ballots:
        """Build ballots from one list of project positions per voter (and points, if any)."""
        rows = [list(b) for b in ballots]
        lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.fromiter((p for r in rows for p in r), dtype=np.int32, count=int(indptr[-1]))
        flat_points = None
        if points is not None:
            point_rows = [list(p) for p in points]
            if [len(p) for p in point_rows] != lengths.tolist():
                raise ValueError("each ballot needs exactly one number of points per project")
            flat_points = np.fromiter(
                (x for r in point_rows for x in r), dtype=np.float64, count=int(indptr[-1])
            )
        return cls(indptr, indices, flat_points)

    @property
    def n_voters(self) -> int:
        """Number of ballots (empty ballots included: they still count as voters)."""
        return len(self.indptr) - 1

    def row(self, voter: int) -> list[int]:
        """The project positions of one ballot, in ballot order."""
        positions: list[int] = self.indices[self.indptr[voter] : self.indptr[voter + 1]].tolist()
        return positions


def priority_order(scores: Sequence[float] | FloatArray, costs: Sequence[Decimal]) -> list[int]:
    """Project positions sorted by the tie-breaking rule shared by every counting rule.

    Higher score first; equal scores: lower cost first; then the earlier position in the list.
    """
    return sorted(range(len(costs)), key=lambda p: (-float(scores[p]), costs[p], p))


def total_cost(projects: Sequence[Project], positions: Iterable[int]) -> Decimal:
    """Exact total cost of the projects at these positions."""
    return sum((projects[p].cost for p in positions), Decimal(0))


def outcome_of(
    projects: Sequence[Project], positions: Sequence[int], **details: float | int | str
) -> Outcome:
    """Wrap selected positions (in selection order) as an :class:`Outcome`."""
    return Outcome(tuple(projects[p].id for p in positions), total_cost(projects, positions), details)
