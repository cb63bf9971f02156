"""Ballot rules and counting rules of the budget participatif: pure functions, no database.

* :mod:`~backend.voting.model`: projects, ballots (compressed rows), outcomes, tie-breaking.
* :mod:`~backend.voting.profile`: scores per project and grouping of identical ballots.
* :mod:`~backend.voting.rules`: greedy variants, Method of Equal Shares (+ Add1), majority judgment.
* :mod:`~backend.voting.ballots`: validation of a resident's ballot, with French messages.
* :mod:`~backend.voting.pabulib`: reading and writing pabulib ``.pb`` files.
* :mod:`~backend.voting.tally`: counting a pabulib file with a rule named as in pabulib.
"""
