"""Method of Equal Shares with Add1: the cities' official outcomes, pabutools, ties, grouping."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from pabutools.election import Cost_Sat, parse_pabulib
from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares

from backend.counting.model import Ballots
from backend.counting.pabulib import read_pb
from backend.counting.profile import group_approvals
from backend.counting.rules.equal_shares import equal_shares, equal_shares_add1
from tests.counting.helpers import (
    DATA,
    ballots_of,
    make_projects,
    official_outcome,
    pabutools_mes,
    pabutools_mes_add1,
    random_approval,
)

MES_FILES = [
    "Netherlands_Assen_2024.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",  # META rule equalshares/add1-comparison
]


@pytest.mark.parametrize("name", MES_FILES)
def test_official_outcome_of_equal_shares_cities(name: str) -> None:
    official_outcome(name, "equalshares/add1")


def test_wieliczka_figures() -> None:
    instance = read_pb(DATA / "Poland_Wieliczka_2023_Green_Budget.pb")
    outcome = equal_shares_add1(instance.envelope, instance.budget, instance.ballots)
    assert len(outcome.selected) == 30
    assert outcome.spent == Decimal(995_079)
    # The share grows from 1,000,000 / 6,586 = 151.84 zł by whole złoty.
    assert float(outcome.details["voter_budget"]) == pytest.approx(
        1_000_000 / 6586 + float(outcome.details["increments"])
    )


@pytest.mark.parametrize("name", MES_FILES)
def test_integral_start_gives_the_same_official_outcomes(name: str) -> None:
    instance = read_pb(DATA / name)
    outcome = equal_shares_add1(instance.envelope, instance.budget, instance.ballots, integral_start=True)
    assert sorted(outcome.selected) == sorted(instance.selected() or [])
    assert float(outcome.details["voter_budget"]).is_integer()


def test_assen_equals_pabutools_add1() -> None:
    instance, profile = parse_pabulib(str(DATA / "Netherlands_Assen_2024.pb"))
    # A multiprofile counts the same ballots faster; the step stays one unit per voter.
    reference = exhaustion_by_budget_increase(
        instance,
        profile.as_multiprofile(),
        method_of_equal_shares,
        {"sat_class": Cost_Sat},
        exhaustive_stop=False,
        budget_step=profile.num_ballots(),
    )
    ours = read_pb(DATA / "Netherlands_Assen_2024.pb")
    outcome = equal_shares_add1(ours.envelope, ours.budget, ours.ballots)
    assert set(outcome.selected) == {p.name for p in reference}


@pytest.mark.parametrize("name", MES_FILES)
def test_last_share_that_fits_and_the_next_one_agree_with_pabutools(name: str) -> None:
    # The whole pabutools loop takes minutes on Świecie and Wieliczka; its two decisive runs do
    # not: the last share that fits (our outcome) and the next one (over budget for both).
    ours = read_pb(DATA / name)
    outcome = equal_shares_add1(ours.envelope, ours.budget, ours.ballots)
    k = int(outcome.details["increments"])
    instance, profile = parse_pabulib(str(DATA / name))
    profile = profile.as_multiprofile()
    n = profile.num_ballots()
    budget = instance.budget_limit
    for step, fits in ((k, True), (k + 1, False)):
        instance.budget_limit = budget + step * n
        reference = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
        assert (sum(p.cost for p in reference) <= budget) is fits
        share = equal_shares(ours.envelope, ours.budget, ours.ballots, voter_budget=float(budget) / n + step)
        assert set(share.selected) == {p.name for p in reference}
    assert set(outcome.selected) == set(
        equal_shares(ours.envelope, ours.budget, ours.ballots, voter_budget=float(budget) / n + k).selected
    )


@pytest.mark.parametrize("seed", range(40))
def test_add1_equals_pabutools_on_random_elections(seed: int) -> None:
    projects, budget, lists = random_approval(seed)
    outcome = equal_shares_add1(projects, budget, ballots_of(lists))
    assert set(outcome.selected) == pabutools_mes_add1(projects, budget, lists)
    assert outcome.spent <= budget


@pytest.mark.parametrize("seed", range(40))
def test_one_run_equals_pabutools_on_random_elections(seed: int) -> None:
    projects, budget, lists = random_approval(1000 + seed, n_voters=(5, 120))
    assert set(equal_shares(projects, budget, ballots_of(lists)).selected) == pabutools_mes(
        projects, budget, lists
    )


def test_more_than_64_projects() -> None:
    projects, budget, lists = random_approval(5, n_projects=(70, 70), n_voters=(60, 60))
    rng = random.Random(5)
    lists += [[rng.randrange(64, 70), rng.randrange(0, 64)] for _ in range(30)]  # bits beyond one word
    assert set(equal_shares(projects, budget, ballots_of(lists)).selected) == pabutools_mes(
        projects, budget, lists
    )


def test_everything_fundable_stops_with_every_supported_project() -> None:
    projects = make_projects([30, 50, 40, 20])
    lists = [[0, 1], [1], [0, 2], [2], []]  # nobody approves p03
    outcome = equal_shares_add1(projects, Decimal(200), ballots_of(lists))
    assert set(outcome.selected) == {"p00", "p01", "p02"} == pabutools_mes_add1(projects, Decimal(200), lists)


def test_ties_go_to_the_cheaper_project_then_the_first_listed() -> None:
    # Four voters approve both projects: same effective vote count (4) for both.
    lists = [[0, 1]] * 4
    cheaper_second = make_projects([20, 16])
    assert equal_shares(cheaper_second, Decimal(36), ballots_of(lists)).selected == ("p01", "p00")
    same_cost = make_projects([20, 20])
    assert equal_shares(same_cost, Decimal(40), ballots_of(lists)).selected == ("p00", "p01")
    swapped = [same_cost[1], same_cost[0]]
    assert equal_shares(swapped, Decimal(40), ballots_of(lists)).selected == ("p01", "p00")


def test_ties_go_first_to_the_project_with_more_votes() -> None:
    # Share 10. z (50, 10 supporters) goes first: each pays 5. Then p01 (40) has 5 supporters,
    # two with 5 left, so they pay 5 and the three others 10: effective vote count 40 / 10 = 4,
    # the same as p00 (40, four supporters paying 10). p01 has more votes: it is funded first.
    lists = [[2, 1]] * 2 + [[2]] * 8 + [[1]] * 3 + [[0]] * 4
    projects = make_projects([40, 40, 50])
    outcome = equal_shares(projects, Decimal(170), ballots_of(lists))
    assert outcome.selected == ("p02", "p01", "p00")


def test_money_exactly_equal_to_the_cost_is_enough() -> None:
    # After the first project, each voter holds exactly 5: 4 x 5 pays the 20 of the second.
    lists = [[0, 1]] * 4
    outcome = equal_shares(make_projects([16, 20]), Decimal(36), ballots_of(lists))
    assert outcome.spent == Decimal(36)


def test_voters_order_and_grouping_do_not_matter() -> None:
    projects, budget, lists = random_approval(11, n_voters=(60, 60))
    first = equal_shares_add1(projects, budget, ballots_of(lists))
    shuffled = list(lists)
    random.Random(1).shuffle(shuffled)
    assert equal_shares_add1(projects, budget, ballots_of(shuffled)) == first
    grouped = group_approvals(ballots_of(lists), len(projects))
    assert equal_shares_add1(projects, budget, grouped) == first
    assert grouped.weights.sum() == len(lists)


def test_greedy_completion_spends_what_add1_leaves() -> None:
    instance = read_pb(DATA / "Netherlands_Assen_2024.pb")
    plain = equal_shares_add1(instance.envelope, instance.budget, instance.ballots)
    completed = equal_shares_add1(
        instance.envelope, instance.budget, instance.ballots, greedy_completion=True
    )
    assert completed.selected[: len(plain.selected)] == plain.selected
    assert plain.spent <= completed.spent <= instance.budget
    left = instance.budget - completed.spent
    assert all(p.cost > left for p in instance.envelope if p.id not in completed.selected)


def test_no_voter_funds_nothing() -> None:
    empty = Ballots.from_lists([])
    assert equal_shares_add1(make_projects([10]), Decimal(10), empty).selected == ()
    assert equal_shares(make_projects([10]), Decimal(10), empty).selected == ()


def test_a_ballot_naming_a_project_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="same project more than once"):
        equal_shares(make_projects([10, 10]), Decimal(10), ballots_of([[0, 0]]))
    with pytest.raises(ValueError, match="outside 0..1"):
        equal_shares(make_projects([10, 10]), Decimal(10), ballots_of([[2]]))
