"""The reconciliation of each voting point, as it stands: the ballots counted (in the urn, blank and
spoiled) against the émargements, with the printed papers and whether the point's count is closed.
Closing a point's count is :func:`backend.budget.voting.depouillement.close_point`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, union
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from backend.budget.voting.models import Ballot, Depouillement, PaperCode, Voter
from backend.i18n import gettext as _
from backend.i18n import ngettext


@dataclass(frozen=True)
class PointTally:
    """The reconciliation of one voting point."""

    point: str
    emargements: int
    ballots: int  # ballots with choices in the box (paper and tablet)
    blank: int
    spoiled: int
    printed: int = 0
    closed: bool = False
    explanation: str | None = None

    @property
    def counted(self) -> int:
        return self.ballots + self.blank + self.spoiled

    @property
    def difference(self) -> int:
        """Ballots counted minus émargements: 0 when the point is « conforme »."""
        return self.counted - self.emargements

    @property
    def status(self) -> str:
        if self.difference == 0:
            return _("Conforme")
        n = abs(self.difference)
        if self.difference > 0:
            return ngettext(
                "%(n)d bulletin de plus que d'émargements", "%(n)d bulletins de plus que d'émargements", n
            ) % {"n": n}
        return ngettext(
            "%(n)d bulletin de moins que d'émargements", "%(n)d bulletins de moins que d'émargements", n
        ) % {"n": n}


def points(session: Session, edition_id: int) -> list[str]:
    """Every voting point of the edition: with émargements, ballots, printed papers or a count."""
    names: Any = union(
        sa_select(col(Voter.voting_point)).where(col(Voter.edition_id) == edition_id),
        sa_select(col(Ballot.voting_point)).where(col(Ballot.edition_id) == edition_id),
        sa_select(col(PaperCode.voting_point)).where(col(PaperCode.edition_id) == edition_id),
        sa_select(col(Depouillement.voting_point)).where(col(Depouillement.edition_id) == edition_id),
    )
    return sorted({r[0] for r in session.execute(names).all() if r[0]}, key=str.lower)


def _by_point(session: Session, column: Any, edition_column: Any, edition_id: int) -> dict[str, int]:
    rows = session.execute(
        sa_select(column, func.count()).where(edition_column == edition_id).group_by(column)
    ).all()
    return {r[0]: int(r[1]) for r in rows if r[0]}


def tally(session: Session, edition_id: int, point: str | None = None) -> list[PointTally]:
    """The reconciliation of each voting point (or of one), with the counts as they are now."""
    voters = _by_point(session, col(Voter.voting_point), col(Voter.edition_id), edition_id)
    ballots = _by_point(session, col(Ballot.voting_point), col(Ballot.edition_id), edition_id)
    printed = _by_point(session, col(PaperCode.voting_point), col(PaperCode.edition_id), edition_id)
    sheets = {
        s.voting_point: s
        for s in session.exec(select(Depouillement).where(Depouillement.edition_id == edition_id)).all()
    }
    names = [point] if point is not None else points(session, edition_id)
    out = []
    for name in names:
        sheet = sheets.get(name)
        out.append(
            PointTally(
                name,
                voters.get(name, 0),
                ballots.get(name, 0),
                sheet.blank if sheet else 0,
                sheet.spoiled if sheet else 0,
                printed.get(name, 0),
                bool(sheet and sheet.closed_at),
                sheet.explanation if sheet else None,
            )
        )
    return out
