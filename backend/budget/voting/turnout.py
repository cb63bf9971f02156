"""Who voted, read back: whether and how a person voted (never what they chose), the counts per
voting point, and the ballot a receipt belongs to."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session
from sqlmodel import select as sm_select

from backend.budget.voting.models import Ballot, VoteChannel, Voter
from backend.budget.voting.secrecy import receipt_hash
from backend.i18n import gettext as _

VOTERS = Voter.__table__  # type: ignore[attr-defined]
BALLOTS = Ballot.__table__  # type: ignore[attr-defined]


def voter_row(session: Session, edition_id: int, user_id: int) -> Voter | None:
    """Whether (and how) this person voted in this edition — never what they chose."""
    return session.exec(
        sm_select(Voter).where(Voter.edition_id == edition_id, Voter.user_id == user_id)
    ).first()


def voter_count(session: Session, edition_id: int) -> int:
    """Ballots of the edition, online and on paper (registered as the phase guards' counter)."""
    return int(
        session.execute(
            select(func.count()).select_from(VOTERS).where(VOTERS.c.edition_id == edition_id)
        ).scalar()
        or 0
    )


def counts_by_point(session: Session, edition_id: int) -> list[tuple[str, int]]:
    """Émargements (and typed paper sheets) per voting point, then online ballots (« En ligne »)."""
    rows = session.execute(
        select(VOTERS.c.channel, VOTERS.c.voting_point, func.count())
        .where(VOTERS.c.edition_id == edition_id)
        .group_by(VOTERS.c.channel, VOTERS.c.voting_point)
    ).all()
    per_point: dict[str, int] = {}
    for r in rows:
        if r[0] != VoteChannel.online:
            per_point[r[1] or ""] = per_point.get(r[1] or "", 0) + int(r[2])
    paper = sorted(per_point.items())
    online = sum(int(r[2]) for r in rows if r[0] == VoteChannel.online)
    return [*paper, (_("En ligne"), online)]


def ballot_by_receipt(session: Session, edition_id: int, code: str) -> Ballot | None:
    """The ballot a receipt belongs to (None for an unknown or replaced receipt)."""
    try:
        digest = receipt_hash(code)
    except ValueError:
        return None
    ballot_id = session.execute(
        select(BALLOTS.c.id).where(BALLOTS.c.edition_id == edition_id, BALLOTS.c.receipt_hash == digest)
    ).scalar()
    return session.get(Ballot, ballot_id) if ballot_id else None
