"""Plain data in and out of the sortition core: no database, no solver types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Quota:
    """How many panel members may have ``feature`` in ``category`` (inclusive bounds)."""

    category: str
    feature: str
    min: int
    max: int

    @property
    def label(self) -> str:
        """``category=feature``, the way messages name a quota."""
        return f"{self.category}={self.feature}"


@dataclass(frozen=True, slots=True)
class Volunteer:
    """One person of the pool.

    ``features`` maps every quota category to this person's feature. ``household`` is an opaque key:
    two volunteers with the same non-empty key may not both sit on a panel; ``None`` means the
    person shares a household with nobody in the pool.
    """

    id: str
    features: Mapping[str, str]
    household: str | None = None


@dataclass(frozen=True, slots=True)
class QuotaProblem:
    """Why the quotas cannot be met; ``quota`` is ``category=feature``, a category, or ``""`` for the panel."""

    quota: str
    message: str


class SortitionError(Exception):
    """Base class of the errors of the sortition core."""


class PoolFormatError(SortitionError):
    """A categories or respondents file (or list) is malformed; the message names the line and value."""


class InfeasibleQuotasError(SortitionError):
    """No panel meets every quota; ``problems`` names each failing quota."""

    def __init__(self, problems: list[QuotaProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(problem.message for problem in problems))


@dataclass(frozen=True, slots=True)
class PersonClass:
    """Volunteers that are interchangeable for the draw (same features, same kind of household).

    ``counts`` of a :class:`Composition` are indexed like ``Distribution.classes``.
    """

    features: tuple[str, ...]
    members: tuple[str, ...]
    household_kind: int


@dataclass(frozen=True, slots=True)
class Composition:
    """A feasible panel described by how many members it takes from each class, and its lottery weight.

    ``weight`` is in units of ``Distribution.units`` (an exact integer), so the sampling step never
    depends on the floating-point noise of the solver.
    """

    counts: tuple[int, ...]
    weight: int


@dataclass(frozen=True, slots=True)
class Distribution:
    """A lottery over panel compositions, with integer weights summing to ``units``.

    ``classes[j].household_kind`` indexes ``households``: the households (tuples of member ids) of
    that kind, needed to turn a composition into named people with one member per household.
    """

    categories: tuple[str, ...]
    classes: tuple[PersonClass, ...]
    compositions: tuple[Composition, ...]
    units: int
    households: tuple[tuple[tuple[str, ...], ...], ...]

    def class_probabilities(self) -> tuple[float, ...]:
        """Selection probability of one member of each class, computed exactly from the integer weights."""
        from fractions import Fraction

        totals = [0] * len(self.classes)
        for composition in self.compositions:
            for index, count in enumerate(composition.counts):
                if count:
                    totals[index] += count * composition.weight
        return tuple(
            float(Fraction(total, self.units * len(cls.members)))
            for total, cls in zip(totals, self.classes, strict=True)
        )


@dataclass(frozen=True, slots=True)
class DrawResult:
    """Outcome of a draw: the panel, the ranked reserve and everyone's selection probability.

    ``panel`` and ``probabilities`` keys are volunteer ids. ``reserve`` is in calling order.
    ``probability_method`` says in plain words whether probabilities are exact or estimated.
    """

    algorithm: str
    seed: str
    pool_sha256: str
    quotas_sha256: str
    panel_size: int
    panel: tuple[str, ...]
    reserve: tuple[str, ...]
    probabilities: Mapping[str, float]
    minimum_probability: float
    probability_method: str
    distribution: Distribution | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Replacement:
    """Result of :func:`replace`: the new panel, who joined, and the quotas it leaves unmet (if any)."""

    panel: tuple[str, ...]
    withdrawn: str
    replacement: str | None
    reserve: tuple[str, ...]
    quotas_met: bool
    problems: tuple[QuotaProblem, ...] = ()
