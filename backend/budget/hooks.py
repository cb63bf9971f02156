"""What the voting module plugs into the budget participatif.

The phase guards need to know whether ballots exist ("no phase goes backwards once votes
exist"). Until the voting module registers its counter, there are no ballots.

    from backend.budget.hooks import set_ballot_counter
    set_ballot_counter(lambda session, edition_id: count_of_ballots(session, edition_id))
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

BallotCounter = Callable[[Session, int], int]


def _no_ballots(session: Session, edition_id: int) -> int:
    return 0


_counter: BallotCounter = _no_ballots


def set_ballot_counter(counter: BallotCounter | None) -> None:
    """Register the function counting an edition's ballots (online and in person); None resets."""
    global _counter
    _counter = counter or _no_ballots


def ballot_count(session: Session, edition_id: int) -> int:
    return _counter(session, edition_id)
