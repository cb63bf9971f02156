"""Counting rules, as pure functions of one envelope: projects, budget and ballots (or scores).

Every rule returns an :class:`~backend.counting.model.Outcome`: the funded project ids in the
order the rule chose them, and the amount spent.

Tie-breaking, the same for every rule: when two projects are equally placed by the rule (same
score for greedy, same price per supporter for the Method of Equal Shares, same grades for
majority judgment), the one with **more votes** (the higher score) goes first, then the **cheaper**
one, then the one **listed first** in the envelope's project list (for a pabulib file, the order of
its PROJECTS section; the platform lists an envelope's projects by increasing proposal number).
It is deterministic: the same ballots always give the same outcome.

The rules live in :mod:`.greedy`, :mod:`.equal_shares` and :mod:`.majority_judgment`; they are not
re-exported here, so that each submodule stays reachable under its own name.
"""
