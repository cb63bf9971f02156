"""The reference instance of Flanigan et al. (Nature 2021): LEXIMIN gives everyone exactly 10 %."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.assembly import sortition

DATA = Path(__file__).parent / "data" / "example_small_20"


def load() -> tuple[list[sortition.Quota], list[sortition.Volunteer]]:
    quotas = sortition.parse_categories((DATA / "categories.csv").read_text(encoding="utf-8"))
    return quotas, sortition.parse_people((DATA / "respondents.csv").read_text(encoding="utf-8"), quotas)


def test_leximin_minimum_is_exactly_ten_percent() -> None:
    quotas, people = load()
    result = sortition.draw(quotas, people, 20, "reference")
    assert len(people) == 200
    assert result.minimum_probability == pytest.approx(0.1, abs=1e-6)
    assert all(p == pytest.approx(0.1, abs=1e-6) for p in result.probabilities.values())
    assert sum(result.probabilities.values()) == pytest.approx(20, abs=1e-9)
    assert sortition.quota_violations(result.panel, quotas, people) == []
    # the weights are exact integers: the lottery itself adds up to the panel size exactly
    distribution = result.distribution
    assert distribution is not None
    assert sum(c.weight for c in distribution.compositions) == distribution.units
    assert all(sum(c.counts) == 20 for c in distribution.compositions)


def test_legacy_is_less_fair_on_the_reference() -> None:
    quotas, people = load()
    legacy = sortition.draw(quotas, people, 20, "reference", algorithm="legacy", legacy_runs=300)
    leximin = sortition.draw(quotas, people, 20, "reference")
    # The paper: LEGACY selects the lone conservative woman about 1 % of the time.
    assert legacy.minimum_probability < 0.05 < leximin.minimum_probability
    assert sum(legacy.probabilities.values()) == pytest.approx(20, abs=1e-9)
    assert legacy.probability_method.startswith("estimated")


def test_ids_are_row_numbers_without_an_id_column() -> None:
    quotas, people = load()
    assert [v.id for v in people[:3]] == ["1", "2", "3"]
    assert people[0].features == {"gender": "female", "leaning": "conservative"}
    assert people[-1].id == "200"
