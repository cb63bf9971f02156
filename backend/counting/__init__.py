"""Ballot rules and counting rules of the budget participatif: pure functions, no database.

* :mod:`~backend.counting.model`: projects, ballots (compressed rows), outcomes, tie-breaking.
* :mod:`~backend.counting.profile`: scores per project and grouping of identical ballots.
* :mod:`~backend.counting.rules`: greedy variants, Method of Equal Shares (+ Add1), majority judgment.
* :mod:`~backend.counting.ballots`: validation of a resident's ballot, with French messages.
* :mod:`~backend.counting.pabulib`: reading and writing pabulib ``.pb`` files.
* :mod:`~backend.counting.tally`: counting a pabulib file with a rule named as in pabulib.
"""
