"""The ballot box (« urne »): the one way an in-person ballot is stored, apart from any émargement.

A ballot dropped here names nobody: its slot is random (never derived from a person), it carries
no time and no sequential id. The caller has already checked the ballot against the edition's rules
and, for a paper ballot, that its printed code is valid and unused.

Placeholder with the signature agreed with the voting-point (isoloir) work; the two are reconciled
at merge.
"""

from __future__ import annotations

import secrets

from sqlalchemy import insert
from sqlmodel import Session

from backend.budget.voting.models import Ballot

BALLOTS = Ballot.__table__  # type: ignore[attr-defined]


def drop(
    session: Session,
    *,
    edition_id: int,
    envelope_id: int,
    choices: str,
    channel: str,
    voting_point: str | None,
    receipt_hash: str,
) -> None:
    """Put one anonymous ballot in the box of an edition's envelope (flushes, never commits)."""
    # The channel says how the ballot came in (paper, tablet); the current ballot table has no column
    # for it, and the count does not need it.
    del channel
    session.execute(
        insert(BALLOTS).values(
            slot=secrets.token_hex(32),
            edition_id=edition_id,
            envelope_id=envelope_id,
            choices=choices,
            receipt_hash=receipt_hash,
            voting_point=voting_point,
        )
    )
