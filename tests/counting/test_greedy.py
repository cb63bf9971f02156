"""Greedy counts: the cities' official outcomes, pabutools' greedy, skipping, thresholds, ties."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from pabutools.election import parse_pabulib
from pabutools.rules import greedy_utilitarian_welfare
from pabutools.tiebreaking import TieBreakingRule

from backend.counting.model import Ballots
from backend.counting.pabulib import read_pb
from backend.counting.profile import BallotKind, project_scores
from backend.counting.rules.greedy import greedy, greedy_completion
from tests.counting.helpers import (
    DATA,
    FILES,
    PointsTimesCostSat,
    make_projects,
    official_outcome,
    pabutools_greedy,
    random_approval,
)

GREEDY_FILES = [
    "Poland_Czestochowa_2025_Grabowka.pb",  # cumulative, greedy-threshold 300
    "Poland_Gdynia_2020_Babie_Doly__large.pb",  # greedy-no-skip
    "Poland_Krakow_2019_Bienczyce.pb",  # ordinal, 3-2-1 points
    "Poland_Lodz_2020_Dolina_Lodki.pb",  # greedy-threshold 50
    "Poland_Warszawa_2017_Aleksandrow.pb",  # greedy, skips a project that does not fit
    "Poland_Wroclaw_2018_Rejon_nr_2_250.pb",  # choose-1, greedy-no-skip
]


@pytest.mark.parametrize("name", GREEDY_FILES)
def test_official_outcome_of_greedy_cities(name: str) -> None:
    instance, outcome = official_outcome(name, "greedy")
    assert outcome.spent <= instance.budget


def test_krakow_needs_positional_points_and_skipping() -> None:
    instance = read_pb(DATA / "Poland_Krakow_2019_Bienczyce.pb")
    scores = project_scores(instance.kind, instance.ballots, len(instance.projects))
    outcome = greedy(instance.envelope, instance.budget, scores)
    official = instance.selected()
    assert official is not None and sorted(outcome.selected) == sorted(official)
    # The official list goes on after a project that does not fit (11): the city skipped it.
    no_skip = greedy(instance.envelope, instance.budget, scores, skip=False)
    assert set(no_skip.selected) < set(official)


def _pabutools_greedy_on_file(name: str) -> set[str]:
    instance, profile = parse_pabulib(str(DATA / name))
    in_file_order = list(instance.project_meta)
    profile = profile.as_multiprofile()
    scores = {p: Fraction(0) for p in in_file_order}
    for ballot in profile:
        sat = PointsTimesCostSat(instance, profile, ballot)
        for p in in_file_order:
            scores[p] += Fraction(sat.sat_project(p) * profile.multiplicity(ballot), p.cost)
    key = {p.name: (-scores[p], p.cost, i) for i, p in enumerate(in_file_order)}
    tie = TieBreakingRule(lambda inst, prof, proj: key[proj.name])
    outcome = greedy_utilitarian_welfare(instance, profile, sat_class=PointsTimesCostSat, tie_breaking=tie)
    return {p.name for p in outcome}


@pytest.mark.parametrize("name", FILES)
def test_greedy_equals_pabutools_on_every_file(name: str) -> None:
    instance = read_pb(DATA / name)
    scores = project_scores(instance.kind, instance.ballots, len(instance.projects))
    ours = greedy(instance.envelope, instance.budget, scores)
    assert set(ours.selected) == _pabutools_greedy_on_file(name)


@pytest.mark.parametrize("seed", range(30))
def test_greedy_equals_pabutools_on_random_elections(seed: int) -> None:
    projects, budget, lists = random_approval(seed)
    scores = project_scores(BallotKind.APPROVAL, Ballots.from_lists(lists), len(projects))
    assert set(greedy(projects, budget, scores).selected) == pabutools_greedy(projects, budget, lists)


def test_skip_no_skip_and_threshold() -> None:
    projects = make_projects([60, 50, 30, 10])
    scores = [40, 30, 20, 5]
    assert greedy(projects, Decimal(100), scores).selected == ("p00", "p02", "p03")
    assert greedy(projects, Decimal(100), scores, skip=False).selected == ("p00",)
    assert greedy(projects, Decimal(100), scores, threshold=10).selected == ("p00", "p02")
    assert greedy(projects, Decimal(100), scores, threshold=10).spent == Decimal(90)
    assert greedy(projects, Decimal(5), scores).selected == ()


def test_threshold_with_no_skip_only_limits_eligible_projects() -> None:
    projects = make_projects([60, 30, 50])
    outcome = greedy(projects, Decimal(100), [40, 20, 3], skip=False, threshold=10)
    assert outcome.selected == ("p00", "p01")


def test_ties_lower_cost_then_list_order() -> None:
    projects = make_projects([50, 40, 40, 30])
    scores = [10, 10, 10, 2]
    assert greedy(projects, Decimal(80), scores).selected == ("p01", "p02")
    assert greedy(projects, Decimal(90), scores).selected == ("p01", "p02")
    swapped = [projects[0], projects[2], projects[1], projects[3]]
    assert greedy(swapped, Decimal(80), scores).selected == ("p02", "p01")


def test_same_ballots_in_another_order_give_the_same_outcome() -> None:
    projects, budget, lists = random_approval(7)
    first = greedy(
        projects, budget, project_scores(BallotKind.APPROVAL, Ballots.from_lists(lists), len(projects))
    )
    shuffled = list(reversed(lists))
    again = greedy(
        projects, budget, project_scores(BallotKind.APPROVAL, Ballots.from_lists(shuffled), len(projects))
    )
    assert first == again


def test_greedy_completion_fills_what_is_left() -> None:
    projects = make_projects([60, 50, 30, 10])
    assert greedy_completion(projects, Decimal(100), [1, 9, 8, 7], [0]) == [0, 2, 3]


def test_scores_must_match_projects() -> None:
    with pytest.raises(ValueError, match="2 scores for 3 projects"):
        greedy(make_projects([1, 2, 3]), Decimal(5), [1, 2])
