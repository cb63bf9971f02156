"""Maintained counters of voters (results_voter_stat), read by the dashboard instead of bp_voter.

The counters are kept up to date by reading bp_voter forward from a watermark (the highest voter
id already counted): a refresh only aggregates the voters who came since, with their account's
QPV and birth year, so it costs next to nothing however many ballots exist. The budget module
is not touched: nothing has to remember to bump a counter when a ballot is cast.

A row committed late with an id below the watermark (two ballots racing) would be missed: the
counters remember how many voters they hold, and `needs_rebuild` compares that with the live
count per envelope (an index-only count). Outside the vote the counters are rebuilt at once; during
the vote, where the two move all the time, a rebuild runs in the background at most every
REBUILD_EVERY, after the response is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from backend.accounts.models import User
from backend.budget.voting.models import Voter
from backend.db import utcnow
from backend.results.models import VoterMark, VoterStat
from backend.territory.models import Qpv

log = logging.getLogger("qp.results")
REBUILD_EVERY = timedelta(minutes=15)
Key = tuple[int, str, int, str]  # envelope_id, qpv_code, birth_year, channel


class _Lost(Exception):
    """Another request refreshed the same counters first."""


def live_counts(session: Session, edition_id: int) -> dict[int, int]:
    """Voters per envelope, counted now (index-only on PostgreSQL)."""
    rows = session.execute(
        select(col(Voter.envelope_id), func.count())
        .where(col(Voter.edition_id) == edition_id)
        .group_by(col(Voter.envelope_id))
    ).all()
    return {int(envelope_id): int(n) for envelope_id, n in rows}


def _aggregate(session: Session, edition_id: int, after: int, upto: int) -> list[tuple[Key, int]]:
    query = (
        select(
            col(Voter.envelope_id),
            func.coalesce(col(Qpv.code), ""),
            func.coalesce(col(User.birth_year), 0),
            col(Voter.channel),
            func.count(),
        )
        .join(User, col(User.id) == col(Voter.user_id))
        .join(Qpv, col(Qpv.id) == col(User.qpv_id), isouter=True)
        .where(col(Voter.edition_id) == edition_id, col(Voter.id) > after, col(Voter.id) <= upto)
        .group_by(col(Voter.envelope_id), col(Qpv.code), col(User.birth_year), col(Voter.channel))
    )
    return [((int(e), str(q), int(b), str(c)), int(n)) for e, q, b, c, n in session.execute(query).all()]


def _add(
    session: Session, edition_id: int, rows: Iterable[tuple[Key, int]], existing: dict[Key, VoterStat]
) -> int:
    total = 0
    for key, n in rows:
        total += n
        stat = existing.get(key)
        if stat is None:
            envelope_id, qpv_code, birth_year, channel = key
            stat = VoterStat(
                edition_id=edition_id,
                envelope_id=envelope_id,
                qpv_code=qpv_code,
                birth_year=birth_year,
                channel=channel,
                voters=0,
            )
            existing[key] = stat
        stat.voters += n
        session.add(stat)
    return total


def stats(session: Session, edition_id: int) -> list[VoterStat]:
    return list(session.scalars(select(VoterStat).where(col(VoterStat.edition_id) == edition_id)))


def _top_id(session: Session) -> int:
    return int(session.scalar(select(func.max(col(Voter.id)))) or 0)


def rebuild(session: Session, edition_id: int) -> VoterMark:
    """Count an edition's voters again from scratch (first use, or a reconciliation)."""
    top = _top_id(session)
    rows = _aggregate(session, edition_id, 0, top)
    now = utcnow()
    try:
        with session.begin_nested():
            session.execute(delete(VoterStat).where(col(VoterStat.edition_id) == edition_id))
            total = _add(session, edition_id, rows, {})
            mark = session.get(VoterMark, edition_id)
            if mark is None:
                mark = VoterMark(edition_id=edition_id)
            mark.last_voter_id, mark.voters, mark.rebuilt_at, mark.refreshed_at = top, total, now, now
            session.add(mark)
            session.flush()
    except IntegrityError:  # a concurrent first build won; use it
        log.info("voter counters of edition %s built by another request", edition_id)
        mark = session.get(VoterMark, edition_id)
        assert mark is not None
    return mark


def refresh(session: Session, edition_id: int) -> VoterMark:
    """Bring the counters up to date with the voters who came since the last refresh."""
    mark = session.get(VoterMark, edition_id)
    if mark is None:
        return rebuild(session, edition_id)
    top = _top_id(session)
    if top <= mark.last_voter_id:
        return mark
    before = mark.last_voter_id
    rows = _aggregate(session, edition_id, before, top)
    try:
        with session.begin_nested():
            total = 0
            if rows:
                existing = {
                    (s.envelope_id, s.qpv_code, s.birth_year, s.channel): s
                    for s in stats(session, edition_id)
                }
                total = _add(session, edition_id, rows, existing)
                session.flush()
            # Optimistic lock: only one refresh moves the watermark from `before`.
            moved = session.execute(
                update(VoterMark)
                .where(col(VoterMark.edition_id) == edition_id, col(VoterMark.last_voter_id) == before)
                .values(last_voter_id=top, voters=col(VoterMark.voters) + total, refreshed_at=utcnow())
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise _Lost
    except _Lost:
        pass
    session.refresh(mark)
    return mark


def needs_rebuild(mark: VoterMark, live_total: int, vote_open: bool) -> str | None:
    """ "now", "background" or None: whether the counters disagree with the live count."""
    if mark.voters == live_total:
        return None
    if not vote_open:
        return "now"
    rebuilt = mark.rebuilt_at
    return "background" if utcnow() - rebuilt >= REBUILD_EVERY else None


def rebuild_in_background(sessionmaker: Any, edition_id: int) -> None:
    """Run after the response: a session and a transaction of its own."""
    with sessionmaker() as session:
        try:
            rebuild(session, edition_id)
            session.commit()
        except Exception:  # the next dashboard view tries again
            session.rollback()
            log.exception("rebuilding the voter counters of edition %s failed", edition_id)
