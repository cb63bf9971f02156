"""The ranked reserve list and the replacement of a panel member who withdraws."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backend.assembly.sortition.model import Quota, QuotaProblem, Replacement, Volunteer
from backend.assembly.sortition.seeding import SeededStream, natural_key


def _home(volunteer: Volunteer) -> str:
    return f"h:{volunteer.household}" if volunteer.household else f"p:{volunteer.id}"


def _counts(members: Iterable[str], by_id: dict[str, Volunteer]) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for pid in members:
        for category, feature in by_id[pid].features.items():
            counts[(category, feature)] = counts.get((category, feature), 0) + 1
    return counts


def quota_violations(
    members: Iterable[str], quotas: Sequence[Quota], people: Sequence[Volunteer]
) -> list[QuotaProblem]:
    """Every quota that this group of volunteers breaks, with the count found."""
    by_id = {v.id: v for v in people}
    counts = _counts(members, by_id)
    problems = []
    for quota in quotas:
        count = counts.get((quota.category, quota.feature), 0)
        if count < quota.min:
            problems.append(
                QuotaProblem(quota.label, f"quota {quota.label}: {count} on the panel, min {quota.min}")
            )
        elif count > quota.max:
            problems.append(
                QuotaProblem(quota.label, f"quota {quota.label}: {count} on the panel, max {quota.max}")
            )
    return problems


def _shortfall(counts: dict[tuple[str, str], int], quotas: Sequence[Quota]) -> int:
    total = 0
    for quota in quotas:
        count = counts.get((quota.category, quota.feature), 0)
        total += max(0, quota.min - count) + max(0, count - quota.max)
    return total


def _swap_keeps_quotas(
    counts: dict[tuple[str, str], int],
    leaving: Volunteer,
    joining: Volunteer,
    quotas: dict[tuple[str, str], Quota],
) -> bool:
    for category, feature in leaving.features.items():
        if joining.features.get(category) != feature:
            out, into = (
                quotas.get((category, feature)),
                quotas.get((category, joining.features.get(category, ""))),
            )
            if out is not None and counts.get((category, feature), 0) - 1 < out.min:
                return False
            if into is not None and counts.get((into.category, into.feature), 0) + 1 > into.max:
                return False
    return True


def reserve_list(
    panel: Sequence[str], quotas: Sequence[Quota], people: Sequence[Volunteer], seed: str
) -> tuple[str, ...]:
    """Everyone who could still join, in the order reserves should be called.

    Eligible: not on the panel and not sharing a household with a panel member. The order is a lottery
    (``SeededStream(seed, "reserve")`` shuffle of the ids in natural order), then stably grouped in
    tiers: (0) people with the same features as some panel member, who can replace them keeping every
    quota; (1) people who can replace at least one panel member keeping every quota; (2) the others.
    """
    by_id = {v.id: v for v in people}
    on_panel = set(panel)
    taken = {_home(by_id[pid]) for pid in panel}
    order = sorted((v.id for v in people if v.id not in on_panel and _home(v) not in taken), key=natural_key)
    SeededStream(seed, "reserve").shuffle(order)
    counts = _counts(panel, by_id)
    quota_map = {(q.category, q.feature): q for q in quotas}
    panel_types = {tuple(sorted(by_id[pid].features.items())) for pid in panel}
    distinct_members = {tuple(sorted(by_id[pid].features.items())): by_id[pid] for pid in panel}

    def tier(pid: str) -> int:
        volunteer = by_id[pid]
        if tuple(sorted(volunteer.features.items())) in panel_types:
            return 0
        if any(
            _swap_keeps_quotas(counts, member, volunteer, quota_map) for member in distinct_members.values()
        ):
            return 1
        return 2

    return tuple(sorted(order, key=tier))


def replace(
    panel: Sequence[str],
    withdrawn_id: str,
    reserve: Sequence[str],
    quotas: Sequence[Quota],
    people: Sequence[Volunteer],
) -> Replacement:
    """Replace ``withdrawn_id`` by the first reserve keeping every quota met (and one per household).

    When no reserve keeps every quota, the one breaking them least (total seats short or over) is
    chosen, earliest in the reserve order on ties, and ``problems`` names the broken quotas. The
    returned reserve no longer holds the newcomer nor anyone of their household.
    """
    if withdrawn_id not in panel:
        raise ValueError(f"{withdrawn_id} is not on the panel")
    by_id = {v.id: v for v in people}
    remaining = [pid for pid in panel if pid != withdrawn_id]
    taken = {_home(by_id[pid]) for pid in remaining}
    base = _counts(remaining, by_id)
    best: tuple[int, str] | None = None
    for pid in reserve:
        candidate = by_id.get(pid)
        if candidate is None or pid in remaining or _home(candidate) in taken:
            continue
        counts = dict(base)
        for key in candidate.features.items():
            counts[key] = counts.get(key, 0) + 1
        score = _shortfall(counts, quotas)
        if best is None or score < best[0]:
            best = (score, pid)
        if score == 0:
            break
    if best is None:
        problems = [QuotaProblem("", "no reserve is available"), *quota_violations(remaining, quotas, people)]
        return Replacement(tuple(remaining), withdrawn_id, None, tuple(reserve), False, tuple(problems))
    chosen = by_id[best[1]]
    new_panel = tuple(sorted([*remaining, chosen.id], key=natural_key))
    left = tuple(pid for pid in reserve if pid in by_id and _home(by_id[pid]) != _home(chosen))
    problems = quota_violations(new_panel, quotas, people)
    return Replacement(new_panel, withdrawn_id, chosen.id, left, not problems, tuple(problems))
