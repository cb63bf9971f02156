"""Majority judgment: the median-removal tie-break, the ranking, funding within the envelope."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from backend.counting.rules.majority_judgment import (
    compare,
    grade_counts,
    majority_grade,
    majority_judgment,
    ranking,
)
from tests.counting.helpers import make_projects


def _majority_value(counts: list[int]) -> list[int]:
    """The textbook procedure: take the lower median, remove it, repeat."""
    grades = sorted(g for g, n in enumerate(counts) for _ in range(n))
    value = []
    while grades:
        value.append(grades.pop((len(grades) - 1) // 2))
    return value


def _brute_compare(a: list[int], b: list[int]) -> int:
    va, vb = _majority_value(a), _majority_value(b)
    return (va > vb) - (va < vb)


def _random_counts(rng: random.Random, n: int, grades: int = 4) -> list[int]:
    cuts = sorted(rng.randint(0, n) for _ in range(grades - 1))
    return [hi - lo for lo, hi in zip([0, *cuts], [*cuts, n], strict=True)]


def test_compare_equals_the_median_removal_procedure() -> None:
    rng = random.Random(2024)
    for _ in range(3000):
        n = rng.randint(1, 30)
        a, b = _random_counts(rng, n), _random_counts(rng, n)
        if rng.random() < 0.3:  # near-identical distributions: the tie-break goes deep
            b = list(a)
            i, j = rng.sample(range(4), 2)
            if b[i]:
                b[i] -= 1
                b[j] += 1
        assert compare(a, b) == _brute_compare(a, b), (a, b)


def test_majority_grade_is_the_lower_median() -> None:
    assert majority_grade([1, 1, 1, 1]) == 1  # grades 0,1,2,3: lower median 1
    assert majority_grade([0, 0, 3, 0]) == 2
    assert majority_grade([2, 0, 0, 3]) == 3
    with pytest.raises(ValueError):
        majority_grade([0, 0, 0, 0])


def test_ranking_paris_example() -> None:
    counts = [
        [10, 20, 40, 30],  # median "Bien"
        [5, 25, 40, 30],  # also "Bien", fewer low grades: ahead of the first
        [40, 30, 20, 10],  # "Passable"
        [10, 20, 40, 30],  # same grades as the first: cheaper, so ahead of it
    ]
    costs = [Decimal(100), Decimal(100), Decimal(10), Decimal(90)]
    assert ranking(counts, costs) == [1, 3, 0, 2]


def test_funding_follows_the_ranking_within_the_envelope() -> None:
    projects = make_projects([60, 50, 30, 10])
    counts = [[0, 1, 2, 7], [0, 0, 2, 8], [5, 5, 0, 0], [1, 2, 3, 4]]
    outcome = majority_judgment(projects, Decimal(100), counts)
    assert outcome.selected == ("p01", "p03", "p02")  # p00 no longer fits after p01
    assert outcome.spent == Decimal(90)
    assert outcome.details["grade:p02"] == 0 and outcome.details["grade:p01"] == 3
    refused_low = majority_judgment(projects, Decimal(100), counts, min_grade=2)
    assert refused_low.selected == ("p01", "p03")


def test_grade_counts_from_ballots() -> None:
    ballots = [[3, 0, -1], [2, 1, 1], [3, 3, -1]]
    assert grade_counts(ballots) == [[0, 0, 1, 2], [1, 1, 0, 1], [2, 1, 0, 0]]
    assert grade_counts(ballots, missing_grade=1)[2] == [0, 3, 0, 0]
    with pytest.raises(ValueError, match="between 0 and 3"):
        grade_counts([[4]])


def test_projects_need_the_same_number_of_grades() -> None:
    with pytest.raises(ValueError, match="same number of grades"):
        compare([1, 1, 0, 0], [1, 0, 0, 0])


def test_a_large_electorate_is_ranked_fast() -> None:
    rng = random.Random(3)
    counts = [_random_counts(rng, 1_000_000) for _ in range(60)]
    order = ranking(counts, [Decimal(1)] * 60)
    assert sorted(order) == list(range(60))
    assert all(compare(counts[p], counts[q]) >= 0 for p, q in zip(order, order[1:], strict=False))
