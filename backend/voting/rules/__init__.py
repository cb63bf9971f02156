"""Counting rules, as pure functions of one envelope: projects, budget and ballots (or scores).

Every rule returns an :class:`~backend.voting.model.Outcome`: the funded project ids in the
order the rule chose them, and the amount spent.

Tie-breaking, the same for every rule: when two projects are equally placed by the rule (same
score for greedy, same price per supporter for the Method of Equal Shares, same grades for
majority judgment), the one with **more votes** (the higher score) goes first, then the **cheaper**
one, then the one **listed first** in the envelope's project list (for a pabulib file, the order of
its PROJECTS section; the platform lists an envelope's projects by increasing proposal number).
It is deterministic: the same ballots always give the same outcome.
"""

from backend.voting.rules.equal_shares import equal_shares, equal_shares_add1
from backend.voting.rules.greedy import greedy, greedy_completion
from backend.voting.rules.majority_judgment import grade_counts, majority_judgment

__all__ = [
    "equal_shares",
    "equal_shares_add1",
    "grade_counts",
    "greedy",
    "greedy_completion",
    "majority_judgment",
]
