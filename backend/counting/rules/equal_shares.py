"""Method of Equal Shares (MES) for approval ballots, with cost satisfaction, and its Add1 completion.

One run of MES: every voter gets the same share of money (``voter_budget``). Repeatedly, among the
projects whose supporters still hold enough money together, fund the one that can be paid with
the smallest per-supporter price: supporters pay equally, ``alpha``, or everything they have
left if that is less (the "effective vote count" ``cost / alpha`` is highest). Satisfaction is the
cost of the approved projects (pabutools' ``Cost_Sat``, the equalshares.net default), which for
approval ballots is exactly this price rule. Ties: see :mod:`backend.counting.rules`.

One run usually leaves money unspent, so the cities (Assen 2024, Świecie 2023, Wieliczka 2023)
use the **Add1** completion: rerun MES with every voter's share raised by one currency unit, again
and again, while the outcome still fits the real budget; keep the last outcome that fits. It
does *not* stop at the first exhaustive outcome (pabutools' ``voter_budget_increment`` does, and
misses Wieliczka's official result). This is pabutools'
``exhaustion_by_budget_increase(..., exhaustive_stop=False, budget_step=n_voters)``: shares
``budget / n``, ``budget / n + 1``, ... ``integral_start=True`` starts from ``floor(budget / n)``
instead, like the "integral" option of the equalshares.net tool. No greedy step follows unless
asked (``greedy_completion=True``, rule ``equalshares/add1+greedy``).

Speed: identical ballots are grouped (weights), each run works on the grouped ballots with numpy,
and everything that does not depend on the share (supporter lists, weights, tie-break keys) is
computed once for the whole Add1 loop. Arithmetic is in floating point; two prices within a
relative ``1e-9`` of each other are treated as a tie, as exact arithmetic would see them.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from backend.counting.model import Ballots, FloatArray, Outcome, Project, outcome_of, total_cost
from backend.counting.profile import GroupedApprovals, group_approvals
from backend.counting.rules.greedy import greedy_completion as _greedy_completion

_TOL = 1e-9


def _weighted_sum(values: FloatArray, weights: FloatArray) -> float:
    """Sum of values x weights. Not ``@``: BLAS spawns threads on long vectors, which costs
    milliseconds per call on a busy machine, far more than the sum itself."""
    return float(np.einsum("i,i->", values, weights))


def _max_payment(budgets: FloatArray, weights: FloatArray, total_weight: float, cost: float) -> float:
    """The price ``alpha`` such that supporters paying ``min(budget, alpha)`` cover ``cost``.

    Fixed point over the set of "poor" supporters (budget below the price): each round the poor
    pay everything and the others share the rest equally; the poor set only grows, so this ends
    after a few passes, usually one.
    """
    alpha = cost / total_weight
    if budgets.min() >= alpha:
        return alpha
    n_poor = -1
    while True:
        poor = budgets < alpha
        count = int(np.count_nonzero(poor))
        if count == n_poor:
            return alpha
        n_poor = count
        poor_weight = float(weights[poor].sum())
        rich_weight = total_weight - poor_weight
        if rich_weight <= 0:  # only when money and cost are equal up to rounding: all pay all
            return float(budgets.max())
        new_alpha = (cost - _weighted_sum(budgets[poor], weights[poor])) / rich_weight
        if new_alpha <= alpha:
            return alpha
        alpha = new_alpha


class _Counter:
    """Per-project data shared by every MES run of one count (the Add1 loop reuses it)."""

    def __init__(self, projects: Sequence[Project], grouped: GroupedApprovals) -> None:
        n_projects = len(projects)
        self.n_ballots = len(grouped.weights)
        self.costs = [float(p.cost) for p in projects]
        # Native-width indices gather faster than the stored int32 ones.
        self.supporters = [grouped.supporters_of(p).astype(np.intp) for p in range(n_projects)]
        self.weights: list[FloatArray] = [grouped.weights[s] for s in self.supporters]
        self.votes = [float(w.sum()) for w in self.weights]
        # Rank of each project under the shared tie-breaking rule (more votes, cheaper, first listed).
        order = sorted(range(n_projects), key=lambda p: (-self.votes[p], projects[p].cost, p))
        self.tie_rank = [0] * n_projects
        for rank, p in enumerate(order):
            self.tie_rank[p] = rank
        self.candidates = [p for p in range(n_projects) if self.votes[p] > 0]

    def run(self, voter_budget: float) -> list[int]:
        """One run of MES with ``voter_budget`` per voter; funded positions in funding order."""
        budgets = np.full(self.n_ballots, voter_budget, dtype=np.float64)
        # The effective vote count of a project only decreases during a run (its supporters only
        # lose money), so the last value computed is an upper bound: projects are examined by
        # decreasing bound and the round ends as soon as no bound can beat (or tie) the best
        # project found, usually after one or two projects (the equalshares.net optimisation).
        queue = [(-self.votes[p], self.tie_rank[p], p) for p in self.candidates]
        heapq.heapify(queue)
        funded: list[int] = []
        while queue:
            best, best_eff, best_alpha = -1, 0.0, 0.0
            examined: list[tuple[float, int, int]] = []
            while queue and -queue[0][0] >= best_eff * (1 - _TOL):
                _, rank, p = heapq.heappop(queue)
                supporters_budget = budgets[self.supporters[p]]
                cost = self.costs[p]
                if _weighted_sum(supporters_budget, self.weights[p]) < cost * (1 - _TOL):
                    continue  # budgets only shrink: it never becomes affordable again
                alpha = _max_payment(supporters_budget, self.weights[p], self.votes[p], cost)
                eff = cost / alpha
                examined.append((-eff, rank, p))
                if (
                    best < 0
                    or eff > best_eff * (1 + _TOL)
                    or (eff >= best_eff * (1 - _TOL) and rank < self.tie_rank[best])
                ):
                    best, best_eff, best_alpha = p, eff, alpha
            if best < 0:
                break
            for entry in examined:
                if entry[2] != best:
                    heapq.heappush(queue, entry)
            funded.append(best)
            payers = self.supporters[best]
            budgets[payers] = np.maximum(budgets[payers] - best_alpha, 0.0)
        return funded


def _grouped(ballots: Ballots | GroupedApprovals, n_projects: int) -> GroupedApprovals:
    if isinstance(ballots, GroupedApprovals):
        return ballots
    return group_approvals(ballots, n_projects)


def equal_shares(
    projects: Sequence[Project],
    budget: Decimal,
    ballots: Ballots | GroupedApprovals,
    *,
    voter_budget: float | None = None,
) -> Outcome:
    """One run of MES (cost satisfaction), each voter holding ``budget / n`` unless told otherwise."""
    grouped = _grouped(ballots, len(projects))
    if grouped.n_voters == 0:
        return outcome_of(projects, [])
    share = float(budget) / grouped.n_voters if voter_budget is None else voter_budget
    return outcome_of(projects, _Counter(projects, grouped).run(share), voter_budget=share)


def equal_shares_add1(
    projects: Sequence[Project],
    budget: Decimal,
    ballots: Ballots | GroupedApprovals,
    *,
    integral_start: bool = False,
    greedy_completion: bool = False,
) -> Outcome:
    """MES with the Add1 completion as the cities compute it (see the module docstring).

    ``details`` gives the final ``voter_budget`` and the number of one-unit ``increments``.
    """
    grouped = _grouped(ballots, len(projects))
    n = grouped.n_voters
    if n == 0:
        return outcome_of(projects, [])
    counter = _Counter(projects, grouped)
    start = math.floor(budget / n) if integral_start else float(budget) / n
    increments = 0
    funded = counter.run(start)
    # The loop stops at the first share whose outcome no longer fits. Once every supported
    # project is funded, it may stop too: with more money the outcome stays the same (pabutools
    # goes on until each voter alone could pay for all she approves, and ends there with this
    # set). One of the two happens at the latest when the share reaches the total cost of the
    # supported projects; with few voters and a large envelope that can mean many runs.
    while len(funded) < len(counter.candidates):
        attempt = counter.run(start + increments + 1)
        if total_cost(projects, attempt) > budget:
            break
        funded = attempt
        increments += 1
    share = start + increments
    if greedy_completion:
        funded = _greedy_completion(projects, budget, counter.votes, funded)
    return outcome_of(projects, funded, voter_budget=share, increments=increments)
