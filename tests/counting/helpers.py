"""Small builders for the voting tests, and the bridge to pabutools (the reference implementation).

pabutools is a test/bench-only dependency: it is imported here, never from ``backend``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from pabutools.election import (
    AbstractApprovalBallot,
    AbstractOrdinalBallot,
    AdditiveSatisfaction,
    ApprovalBallot,
    ApprovalProfile,
    Cost_Sat,
    Instance,
)
from pabutools.election import Project as PabuProject
from pabutools.rules import exhaustion_by_budget_increase, greedy_utilitarian_welfare, method_of_equal_shares
from pabutools.tiebreaking import TieBreakingRule

from backend.counting.model import Ballots, Outcome, Project
from backend.counting.pabulib import PbInstance, read_pb
from backend.counting.tally import tally

DATA = Path(__file__).parent / "data"
FILES = sorted(p.name for p in DATA.glob("*.pb"))


def make_projects(costs: Sequence[int | str | Decimal]) -> list[Project]:
    """Projects p00, p01, ... with these costs (ids sort like their positions)."""
    return [Project(f"p{i:02d}", Decimal(c)) for i, c in enumerate(costs)]


def random_approval(
    seed: int, *, n_projects: tuple[int, int] = (4, 9), n_voters: tuple[int, int] = (3, 40)
) -> tuple[list[Project], Decimal, list[list[int]]]:
    """A small random approval election; costs and budget scaled so that Add1 takes a few dozen steps.

    Small integer costs and few voters on purpose: exact ties (same cost, same supporters) happen.
    """
    rng = random.Random(seed)
    p = rng.randint(*n_projects)
    n = rng.randint(*n_voters)
    popularity = [rng.random() ** 2 + 0.05 for _ in range(p)]
    ballots = []
    for _ in range(n):
        size = rng.randint(0 if rng.random() < 0.1 else 1, min(4, p))
        chosen: set[int] = set()
        while len(chosen) < size:
            chosen.add(rng.choices(range(p), weights=popularity)[0])
        ballots.append(sorted(chosen))
    costs = [rng.choice([n, 2 * n, 3 * n]) * rng.randint(1, 4) for _ in range(p)]
    budget = Decimal(max(max(costs), int(sum(costs) * rng.uniform(0.3, 0.6))))
    return make_projects(costs), budget, ballots


def our_key_tie_breaking(projects: Sequence[Project], scores: Sequence[float]) -> TieBreakingRule:
    """pabutools tie-breaking equal to ours: higher score, lower cost, earlier position."""
    key = {p.id: (-Fraction(scores[i]), Fraction(p.cost), i) for i, p in enumerate(projects)}
    return TieBreakingRule(lambda inst, prof, proj: key[proj.name])


def to_pabutools(
    projects: Sequence[Project], budget: Decimal, ballots: Sequence[Sequence[int]]
) -> tuple[Instance, ApprovalProfile, list[PabuProject]]:
    """The same approval election as pabutools objects (exact fractions)."""
    pabu = [PabuProject(p.id, Fraction(p.cost)) for p in projects]
    instance = Instance(pabu, budget_limit=Fraction(budget))
    profile = ApprovalProfile([ApprovalBallot([pabu[i] for i in b]) for b in ballots])
    return instance, profile, pabu


def pabutools_greedy(
    projects: Sequence[Project], budget: Decimal, ballots: Sequence[Sequence[int]]
) -> set[str]:
    """pabutools' greedy with cost satisfaction: welfare per cost is the number of votes."""
    instance, profile, _ = to_pabutools(projects, budget, ballots)
    votes = [sum(i in b for b in ballots) for i in range(len(projects))]
    tie = our_key_tie_breaking(projects, votes)
    return {
        p.name for p in greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)
    }


def pabutools_mes_add1(
    projects: Sequence[Project], budget: Decimal, ballots: Sequence[Sequence[int]]
) -> set[str]:
    """The Add1 call that reproduces the cities' outcomes (see backend.counting.rules.equal_shares)."""
    instance, profile, _ = to_pabutools(projects, budget, ballots)
    votes = [sum(i in b for b in ballots) for i in range(len(projects))]
    params: dict[str, Any] = {"sat_class": Cost_Sat, "tie_breaking": our_key_tie_breaking(projects, votes)}
    outcome = exhaustion_by_budget_increase(
        instance, profile, method_of_equal_shares, params, exhaustive_stop=False, budget_step=len(profile)
    )
    return {p.name for p in outcome}


def pabutools_mes(projects: Sequence[Project], budget: Decimal, ballots: Sequence[Sequence[int]]) -> set[str]:
    """One run of pabutools' MES with cost satisfaction."""
    instance, profile, _ = to_pabutools(projects, budget, ballots)
    votes = [sum(i in b for b in ballots) for i in range(len(projects))]
    tie = our_key_tie_breaking(projects, votes)
    return {p.name for p in method_of_equal_shares(instance, profile, sat_class=Cost_Sat, tie_breaking=tie)}


class PointsTimesCostSat(AdditiveSatisfaction):  # type: ignore[misc]  # pabutools has no annotations
    """Satisfaction = points × cost (positional points for ordinal ballots, 1 for approval):
    pabutools' greedy (welfare per cost) then orders projects by points, like the cities."""

    def __init__(self, instance: Instance, profile: Any, ballot: Any) -> None:
        def points(inst: Instance, prof: Any, b: Any, project: PabuProject, pre: dict[str, Any]) -> Any:
            if isinstance(b, AbstractOrdinalBallot):
                return (len(b) - list(b).index(project)) * project.cost if project in b else 0
            if isinstance(b, AbstractApprovalBallot):
                return project.cost if project in b else 0
            return b.get(project, 0) * project.cost

        super().__init__(instance, profile, ballot, points)


def ids(projects: Sequence[Project], positions: Sequence[int]) -> set[str]:
    """Ids at these positions."""
    return {projects[p].id for p in positions}


def ballots_of(lists: Sequence[Sequence[int]]) -> Ballots:
    """Approval ballots from lists of positions."""
    return Ballots.from_lists(lists)


def official_outcome(name: str, rule_prefix: str) -> tuple[PbInstance, Outcome]:
    """Count the city's file with its own rule (which starts with `rule_prefix`), checking it finds
    the projects the city selected for the money they cost; the instance and outcome for more checks."""
    instance = read_pb(DATA / name)
    rule, outcome = tally(instance)
    official = instance.selected()
    assert rule.startswith(rule_prefix)
    assert official is not None
    assert sorted(outcome.selected) == sorted(official)
    assert outcome.spent == sum(p.cost for p in instance.projects if p.id in official)
    return instance, outcome
