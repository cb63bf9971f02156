"""Reduce a pool to classes of interchangeable volunteers (types), households included.

Two volunteers are interchangeable for the draw when swapping them maps every feasible panel to a
feasible panel. Without households this is "same feature vector" (a *type*). With the rule "one
member per household", a household's *kind* is the multiset of its members' types; swapping two
households of the same kind, or two members of the same type inside one household, preserves
feasibility. A *class* is therefore (household kind, member type): a volunteer living alone is in the
class (kind ``{t}``, type ``t``) shared with every other lone volunteer of type ``t``; a couple of
types ``a`` and ``b`` shares its classes only with other couples of the same two types.

The LEXIMIN selection probabilities are unique and invariant under these swaps, so they are equal
within a class, and the optimisation can count members per class instead of naming them:
``c_j`` members of class ``j``, at most one per household, i.e. ``sum(c_j for j of kind K) <= m_K``
(the number of households of kind ``K``). A member of class ``j`` is then selected with probability
``E[c_j] / |class j|`` when the households and members are picked uniformly (see ``realize``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from backend.assembly.sortition.model import PersonClass, PoolFormatError, Quota, Volunteer
from backend.assembly.sortition.seeding import SeededStream, natural_key


@dataclass(frozen=True, slots=True)
class ReducedPool:
    """The pool as classes; everything sorted canonically so row order never matters."""

    categories: tuple[str, ...]
    quotas: tuple[Quota, ...]
    classes: tuple[PersonClass, ...]
    households: tuple[tuple[tuple[str, ...], ...], ...]
    kind_classes: tuple[tuple[int, ...], ...]
    class_of: dict[str, int]
    volunteers: dict[str, Volunteer]

    def quota_classes(self, quota: Quota) -> list[int]:
        """Indices of the classes whose members have the quota's feature."""
        position = self.categories.index(quota.category)
        return [j for j, cls in enumerate(self.classes) if cls.features[position] == quota.feature]

    def kind_size(self, kind: int) -> int:
        """Number of households of this kind."""
        return len(self.households[kind])


def sorted_quotas(quotas: Sequence[Quota]) -> tuple[Quota, ...]:
    """Quotas in canonical order (category, feature)."""
    return tuple(sorted(quotas, key=lambda q: (q.category, q.feature)))


def validate_quotas(quotas: Sequence[Quota]) -> None:
    """Refuse empty, duplicated or self-contradictory quota rows."""
    if not quotas:
        raise PoolFormatError("no quotas: the categories file has no rows")
    seen: set[tuple[str, str]] = set()
    for quota in quotas:
        key = (quota.category, quota.feature)
        if not quota.category or not quota.feature:
            raise PoolFormatError(f"quota {quota.label}: empty category or feature name")
        if key in seen:
            raise PoolFormatError(f"quota {quota.label} is listed twice")
        seen.add(key)
        if quota.min < 0 or quota.max < quota.min:
            raise PoolFormatError(
                f"quota {quota.label}: min {quota.min} and max {quota.max} are not 0 <= min <= max"
            )


def reduce_pool(quotas: Sequence[Quota], volunteers: Sequence[Volunteer]) -> ReducedPool:
    """Group volunteers into classes; refuse duplicate ids and features not listed in the quotas."""
    validate_quotas(quotas)
    ordered_quotas = sorted_quotas(quotas)
    categories = tuple(sorted({q.category for q in ordered_quotas}))
    known = {(q.category, q.feature) for q in ordered_quotas}
    by_id: dict[str, Volunteer] = {}
    for volunteer in volunteers:
        if volunteer.id in by_id:
            raise PoolFormatError(f"volunteer id {volunteer.id!r} appears twice")
        for category in categories:
            value = volunteer.features.get(category)
            if value is None or (category, value) not in known:
                listed = ", ".join(q.feature for q in ordered_quotas if q.category == category)
                raise PoolFormatError(
                    f"volunteer {volunteer.id}: {category} {value!r} is not a feature of category "
                    f"{category} (expected one of: {listed})"
                )
        by_id[volunteer.id] = volunteer

    def person_type(volunteer: Volunteer) -> tuple[str, ...]:
        return tuple(volunteer.features[c] for c in categories)

    grouped: dict[str, list[str]] = defaultdict(list)
    for volunteer in by_id.values():
        key = f"h:{volunteer.household}" if volunteer.household else f"p:{volunteer.id}"
        grouped[key].append(volunteer.id)
    households = [tuple(sorted(members, key=natural_key)) for members in grouped.values()]

    kinds: dict[tuple[tuple[str, ...], ...], list[tuple[str, ...]]] = defaultdict(list)
    for household in households:
        signature = tuple(sorted(person_type(by_id[pid]) for pid in household))
        kinds[signature].append(household)
    kind_signatures = sorted(kinds)

    classes: list[PersonClass] = []
    kind_households: list[tuple[tuple[str, ...], ...]] = []
    kind_classes: list[tuple[int, ...]] = []
    class_of: dict[str, int] = {}
    for kind_index, signature in enumerate(kind_signatures):
        members_by_type: dict[tuple[str, ...], list[str]] = defaultdict(list)
        kind_list = sorted(kinds[signature], key=lambda h: [natural_key(pid) for pid in h])
        kind_households.append(tuple(kind_list))
        for household in kind_list:
            for pid in household:
                members_by_type[person_type(by_id[pid])].append(pid)
        indices = []
        for ptype in sorted(members_by_type):
            members = tuple(sorted(members_by_type[ptype], key=natural_key))
            for pid in members:
                class_of[pid] = len(classes)
            indices.append(len(classes))
            classes.append(PersonClass(features=ptype, members=members, household_kind=kind_index))
        kind_classes.append(tuple(indices))
    return ReducedPool(
        categories=categories,
        quotas=ordered_quotas,
        classes=tuple(classes),
        households=tuple(kind_households),
        kind_classes=tuple(kind_classes),
        class_of=class_of,
        volunteers=by_id,
    )


def realize(
    counts: Sequence[int],
    classes: Sequence[PersonClass],
    households: Sequence[Sequence[Sequence[str]]],
    stream: SeededStream,
) -> list[str]:
    """Name the members of a composition: uniform households per kind, then a uniform member per type.

    For each kind (in order) its households are shuffled and the first ``counts[j]`` go to its first
    class, the next ones to the second class, and so on; in each household the member of that type is
    picked uniformly. Every member of class ``j`` is thus chosen with probability ``counts[j] / |j|``.
    """
    by_kind: dict[int, list[int]] = defaultdict(list)
    for index, cls in enumerate(classes):
        by_kind[cls.household_kind].append(index)
    member_class = {pid: index for index, cls in enumerate(classes) for pid in cls.members}
    chosen: list[str] = []
    for kind in sorted(by_kind):
        class_indices = by_kind[kind]
        wanted = [counts[j] for j in class_indices]
        if sum(wanted) == 0:
            continue
        order = list(households[kind])
        stream.shuffle(order)
        position = 0
        for j, number in zip(class_indices, wanted, strict=True):
            for household in order[position : position + number]:
                candidates = [pid for pid in household if member_class[pid] == j]
                chosen.append(candidates[stream.randbelow(len(candidates))])
            position += number
    return sorted(chosen, key=natural_key)
