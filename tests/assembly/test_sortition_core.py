"""The pure sortition core: quotas, reproducibility, households, reserve and replacement."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest

from backend.assembly import sortition
from backend.assembly.sortition import InfeasibleQuotasError, Quota, Volunteer
from backend.assembly.sortition.feasibility import check_feasible
from backend.assembly.sortition.leximin import column_generation
from backend.assembly.sortition.pool import reduce_pool

CATEGORIES = {
    "gender": ["femme", "homme"],
    "age": ["16-29", "30-59", "60+"],
    "secteur": ["nord", "centre", "sud"],
}


def make_pool(size: int = 60, seed: int = 7, households: int = 0) -> list[Volunteer]:
    """Skewed synthetic volunteers; the first ``2 * households`` live in pairs."""
    rng = random.Random(seed)
    weights = {"gender": [3, 2], "age": [1, 3, 4], "secteur": [2, 5, 3]}
    people = []
    for index in range(1, size + 1):
        features = {c: rng.choices(values, weights=weights[c])[0] for c, values in CATEGORIES.items()}
        home = f"h{(index + 1) // 2}" if index <= 2 * households else None
        people.append(Volunteer(id=str(index), features=features, household=home))
    return people


def make_quotas(panel_size: int = 10, **overrides: tuple[int, int]) -> list[Quota]:
    """Loose proportional quotas; ``overrides`` maps ``category_feature`` to ``(min, max)``."""
    quotas = []
    for category, values in CATEGORIES.items():
        for value in values:
            low, high = overrides.get(f"{category}_{value.replace('-', '_').replace('+', 'plus')}", (2, 6))
            quotas.append(Quota(category, value, low, high))
    return quotas


def test_every_seeded_draw_meets_the_quotas_and_size() -> None:
    people, quotas = make_pool(), make_quotas()
    distribution = sortition.leximin_distribution(quotas, people, 10)
    for index in range(200):
        panel = sortition.sample_panel(distribution, f"seed-{index}")
        assert len(set(panel)) == 10
        assert sortition.quota_violations(panel, quotas, people) == []


def test_legacy_draws_meet_the_quotas_too() -> None:
    people, quotas = make_pool(), make_quotas()
    for index in range(5):
        result = sortition.draw(quotas, people, 10, f"s{index}", algorithm="legacy", legacy_runs=20)
        assert len(result.panel) == 10
        assert sortition.quota_violations(result.panel, quotas, people) == []
        assert sum(result.probabilities.values()) == pytest.approx(10, abs=1e-9)


def test_probabilities_are_reported_for_everyone_and_sum_to_the_panel_size() -> None:
    people, quotas = make_pool(), make_quotas()
    result = sortition.draw(quotas, people, 10, "public")
    assert set(result.probabilities) == {v.id for v in people}
    assert sum(result.probabilities.values()) == pytest.approx(10, abs=1e-9)
    assert result.minimum_probability == min(result.probabilities.values())
    assert result.probability_method.startswith("exact")


def test_same_seed_and_pool_give_the_same_panel_whatever_the_row_order() -> None:
    people, quotas = make_pool(), make_quotas()
    first = sortition.draw(quotas, people, 10, "witness numbers 17 42")
    shuffled = list(people)
    random.Random(3).shuffle(shuffled)
    second = sortition.draw(list(reversed(quotas)), shuffled, 10, "witness numbers 17 42")
    assert first.panel == second.panel
    assert first.reserve == second.reserve
    assert first.pool_sha256 == second.pool_sha256 == sortition.pool_hash(shuffled)


def test_different_seeds_usually_give_different_panels() -> None:
    people, quotas = make_pool(), make_quotas()
    distribution = sortition.leximin_distribution(quotas, people, 10)
    panels = {sortition.sample_panel(distribution, str(seed)) for seed in range(20)}
    assert len(panels) >= 18


def test_leximin_is_at_least_as_fair_as_legacy() -> None:
    people, quotas = make_pool(), make_quotas(gender_homme=(5, 6), age_16_29=(3, 4))
    leximin = sortition.draw(quotas, people, 10, "x")
    legacy = sortition.draw(quotas, people, 10, "x", algorithm="legacy", legacy_runs=300)
    # LEGACY's figure is an estimate; allow its sampling noise (standard error at most 0.03).
    assert leximin.minimum_probability >= legacy.minimum_probability - 0.06


def test_relaxation_path_matches_column_generation() -> None:
    people, quotas = make_pool(40, households=6), make_quotas(8, secteur_sud=(3, 3))
    fast = sortition.leximin_distribution(quotas, people, 8).class_probabilities()
    pool = reduce_pool(quotas, people)
    slow, _ = column_generation(pool, 8, check_feasible(pool, 8))
    assert sorted(fast) == pytest.approx(sorted(slow.class_probabilities()), abs=1e-7)


def test_one_member_per_household() -> None:
    people, quotas = make_pool(60, households=20), make_quotas()
    homes = {v.id: v.household for v in people if v.household}
    distribution = sortition.leximin_distribution(quotas, people, 10)
    for index in range(100):
        panel = sortition.sample_panel(distribution, f"h{index}")
        shared = Counter(homes[pid] for pid in panel if pid in homes)
        assert max(shared.values(), default=0) <= 1
    result = sortition.draw(quotas, people, 10, "homes")
    assert sum(result.probabilities.values()) == pytest.approx(10, abs=1e-9)
    assert not {homes.get(pid) for pid in result.reserve} & {homes.get(pid) for pid in result.panel} - {None}


def test_a_household_cannot_fill_two_seats_of_a_quota() -> None:
    people = [
        Volunteer("1", {"gender": "femme"}, household="a"),
        Volunteer("2", {"gender": "femme"}, household="a"),
        Volunteer("3", {"gender": "homme"}),
        Volunteer("4", {"gender": "homme"}),
    ]
    quotas = [Quota("gender", "femme", 2, 2), Quota("gender", "homme", 0, 2)]
    with pytest.raises(
        InfeasibleQuotasError, match="gender=femme: min 2 but the 2 volunteers live in only 1"
    ):
        sortition.draw(quotas, people, 3, "s")


def test_infeasible_quota_is_named() -> None:
    young = [v for v in make_pool() if v.features["age"] == "16-29"][:4]
    people = [v for v in make_pool() if v.features["age"] != "16-29"] + young
    quotas = make_quotas(age_16_29=(9, 10), age_30_59=(0, 6), age_60plus=(0, 6))
    with pytest.raises(InfeasibleQuotasError) as caught:
        sortition.draw(quotas, people, 10, "s")
    assert str(caught.value) == "quota age=16-29: min 9 but only 4 volunteers"
    assert caught.value.problems[0].quota == "age=16-29"


def test_category_sums_are_checked() -> None:
    quotas = make_quotas(age_16_29=(5, 6), age_30_59=(5, 6), age_60plus=(5, 6))
    with pytest.raises(
        InfeasibleQuotasError, match="category age: the minimums add up to 15 but the panel has 10"
    ):
        sortition.draw(quotas, make_pool(), 10, "s")


def test_conflicts_between_categories_are_explained_by_the_smallest_fix() -> None:
    # every woman is young, every man is old: 3 women would need 3 young members
    people = [Volunteer(str(i), {"gender": "f", "age": "j"}) for i in range(1, 7)]
    people += [Volunteer(str(i), {"gender": "h", "age": "v"}) for i in range(7, 13)]
    quotas = [
        Quota("gender", "f", 3, 3),
        Quota("gender", "h", 1, 3),
        Quota("age", "j", 0, 2),
        Quota("age", "v", 0, 4),
    ]
    with pytest.raises(InfeasibleQuotasError) as caught:
        sortition.draw(quotas, people, 4, "s")
    message = str(caught.value)
    assert (
        "gender=f: min 3 cannot be met together with the other quotas (the smallest fix lowers it to 2)"
        in message
        or (
            "age=j: max 2 cannot be kept together with the other quotas (the smallest fix raises it to 3)"
            in message
        )
    )


def test_reserve_excludes_the_panel_and_is_seeded() -> None:
    people, quotas = make_pool(), make_quotas()
    result = sortition.draw(quotas, people, 10, "r")
    assert not set(result.reserve) & set(result.panel)
    assert len(result.reserve) == len(people) - 10
    assert sortition.reserve_list(result.panel, quotas, people, "r") == result.reserve
    assert sortition.reserve_list(result.panel, quotas, people, "other") != result.reserve


def test_replacement_keeps_the_quotas() -> None:
    people, quotas = make_pool(), make_quotas()
    result = sortition.draw(quotas, people, 10, "replace")
    panel, reserve = result.panel, result.reserve
    kept = 0
    for withdrawn in list(result.panel):
        rest = [pid for pid in panel if pid != withdrawn]
        fitting = [pid for pid in reserve if not sortition.quota_violations([*rest, pid], quotas, people)]
        outcome = sortition.replace(panel, withdrawn, reserve, quotas, people)
        assert withdrawn not in outcome.panel and outcome.replacement in outcome.panel
        assert len(outcome.panel) == 10
        if fitting:  # the first reserve that keeps every quota is called
            assert outcome.replacement == fitting[0]
            assert outcome.quotas_met and outcome.problems == ()
            assert sortition.quota_violations(outcome.panel, quotas, people) == []
            kept += 1
        else:
            assert not outcome.quotas_met and outcome.problems
    assert kept >= 5


def test_replacement_says_when_no_reserve_keeps_the_quotas() -> None:
    people = [Volunteer(str(i), {"gender": g}) for i, g in enumerate(["f", "f", "h", "h", "h"], start=1)]
    quotas = [Quota("gender", "f", 2, 2), Quota("gender", "h", 1, 3)]
    outcome = sortition.replace(("1", "2", "3"), "1", ("4", "5"), quotas, people)
    assert not outcome.quotas_met
    assert outcome.replacement == "4"
    assert [p.message for p in outcome.problems] == ["quota gender=f: 1 on the panel, min 2"]


def test_seed_derivation_is_public_and_order_sensitive() -> None:
    seed = sortition.derive_seed(["17", " 42 "])
    assert seed == sortition.derive_seed(["17", "42"])
    assert seed != sortition.derive_seed(["42", "17"])
    assert len(seed) == 64 and int(seed, 16) >= 0
    with pytest.raises(ValueError):
        sortition.derive_seed([])


def test_unknown_algorithm_and_empty_seed_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown algorithm"):
        sortition.draw(make_quotas(), make_pool(), 10, "s", algorithm="maximin")
    with pytest.raises(ValueError, match="seed"):
        sortition.draw(make_quotas(), make_pool(), 10, "  ")


def test_fallback_when_the_relaxation_is_out_of_reach() -> None:
    # x, y, z can share a panel only fractionally (an odd cycle of quotas): the LP relaxation gives
    # them a chance, real panels never do, so the exact column generation must take over.
    types = {"x": "112", "y": "121", "z": "211", "w": "222", "v": "111"}
    people = [Volunteer(pid, {"a": t[0], "b": t[1], "c": t[2]}) for pid, t in types.items()]
    quotas = [
        Quota(cat, value, 1 if value == "1" else 0, 1 if value == "1" else 2)
        for cat in "abc"
        for value in "12"
    ]
    result = sortition.draw(quotas, people, 2, "odd")
    assert result.panel == ("v", "w")
    assert result.probabilities == {"v": 1.0, "w": 1.0, "x": 0.0, "y": 0.0, "z": 0.0}


def _bench_like(size: int, households: int) -> tuple[list[Volunteer], list[Quota]]:
    people = make_pool(size, seed=11, households=households)
    return people, make_quotas(12, gender_femme=(6, 6), age_60plus=(3, 4))


def test_relaxed_leximin_keeps_classes_of_one_level_exactly_equal() -> None:
    # Noise between classes fixed at the same level made the decomposition several times slower.
    from backend.assembly.sortition.relaxation import relaxed_leximin

    people, quotas = _bench_like(200, 15)
    pool = reduce_pool(quotas, people)
    point = relaxed_leximin(pool, 12)
    sizes = [len(cls.members) for cls in pool.classes]
    levels: dict[float, list[float]] = {}
    for value, size in zip(point, sizes, strict=True):
        levels.setdefault(round(value / size, 7), []).append(value / size)
    assert len(levels) > 1
    assert max(max(group) - min(group) for group in levels.values()) < 1e-12
    assert sum(point) == pytest.approx(12, abs=1e-9)


def test_caratheodory_walk_gives_feasible_panels_averaging_to_the_target() -> None:
    from backend.assembly.sortition.ilp import composition_ok
    from backend.assembly.sortition.relaxation import _Decomposition, _walk_columns, face_of, relaxed_leximin

    people, quotas = _bench_like(200, 15)
    pool = reduce_pool(quotas, people)
    target = relaxed_leximin(pool, 12)
    face = face_of(pool, 12, target)
    columns = _walk_columns(pool, 12, target, face)
    assert len(columns) > 10
    assert all(composition_ok(pool, counts, 12) for counts in columns)
    free = [j for j in range(len(target)) if face.class_low[j] != face.class_high[j]]
    master = _Decomposition(target, np.array(free))
    for counts in dict.fromkeys(columns):
        master.add(counts)
    slack, _, _ = master.solve()
    assert slack < 1e-6  # the walk alone already writes the target as a lottery over these panels
