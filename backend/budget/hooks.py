"""What the voting module plugs into the budget participatif.

The phase guards need to know whether ballots exist ("no phase goes backwards once votes
exist"). Until the voting module registers its counter, there are no ballots.

    from backend.budget.hooks import set_ballot_counter
    set_ballot_counter(lambda session, edition_id: count_of_ballots(session, edition_id))

Phase listeners run inside `change_phase`'s transaction, after its journal entry: entering
« Résultats » closes the vote and counts it (a listener that raises cancels the phase change).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session

if TYPE_CHECKING:
    from backend.budget.models import Edition
    from backend.ledger.service import ActorRef

BallotCounter = Callable[[Session, int], int]
PhaseListener = Callable[[Session, "ActorRef", "Edition", str, str], None]


def _no_ballots(session: Session, edition_id: int) -> int:
    return 0


_counter: BallotCounter = _no_ballots


def set_ballot_counter(counter: BallotCounter | None) -> None:
    """Register the function counting an edition's ballots (online and in person); None resets."""
    global _counter
    _counter = counter or _no_ballots


def ballot_count(session: Session, edition_id: int) -> int:
    return _counter(session, edition_id)


_listeners: list[PhaseListener] = []


def add_phase_listener(listener: PhaseListener) -> None:
    """Call `listener(session, actor, edition, before, after)` after every phase change."""
    if listener not in _listeners:
        _listeners.append(listener)


def phase_changed(session: Session, actor: ActorRef, edition: Edition, before: str, after: str) -> None:
    for listener in list(_listeners):
        listener(session, actor, edition, before, after)
