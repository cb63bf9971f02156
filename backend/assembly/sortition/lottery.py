"""Drawing one panel from a distribution: depends only on the seed and the integer weights."""

from __future__ import annotations

from backend.assembly.sortition.model import Composition, Distribution
from backend.assembly.sortition.pool import realize
from backend.assembly.sortition.seeding import SeededStream, natural_key


def pick_composition(distribution: Distribution, stream: SeededStream) -> Composition:
    """Pick a composition with probability ``weight / units`` (compositions in their stored order)."""
    ticket = stream.randbelow(distribution.units)
    for composition in distribution.compositions:
        if ticket < composition.weight:
            return composition
        ticket -= composition.weight
    raise ValueError("distribution weights do not add up to its units")


def sample_panel(distribution: Distribution, seed: str) -> tuple[str, ...]:
    """The panel for this seed: a composition by lot, then households and members by lot (ids sorted).

    Uses the stream ``SeededStream(seed, "panel")``: one ``randbelow(units)`` for the composition, then
    ``pool.realize``. Anyone holding the published distribution and seed can recompute it.
    """
    if sum(c.weight for c in distribution.compositions) != distribution.units:
        raise ValueError("distribution weights do not add up to its units")
    stream = SeededStream(seed, "panel")
    composition = pick_composition(distribution, stream)
    members = realize(composition.counts, distribution.classes, distribution.households, stream)
    return tuple(members)


def person_probabilities(distribution: Distribution) -> dict[str, float]:
    """Every volunteer's selection probability under the lottery (exact fractions, then floats)."""
    result: dict[str, float] = {}
    for cls, probability in zip(distribution.classes, distribution.class_probabilities(), strict=True):
        for pid in cls.members:
            result[pid] = probability
    return dict(sorted(result.items(), key=lambda item: natural_key(item[0])))
