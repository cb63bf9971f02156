"""Maintained counters of voters (results_voter_stat), read by the dashboard instead of bp_voter.

The counters are kept up to date by reading bp_voter forward from a watermark (the highest voter
id already counted): a refresh only aggregates the voters who came since, with their account's
QPV and age band, so it costs next to nothing however many ballots exist. The budget module is
not touched: nothing has to remember to bump a counter when a ballot is cast, online or on paper.

A row committed late with an id below the watermark (two ballots racing) would be missed, and a
voter row could be deleted: the counters remember how many voters they hold. The dashboard never
counts bp_voter itself (a million rows take a few hundred milliseconds even to count): after the
count it compares with the published number of voters (bp_result) and rebuilds at once if they
differ; during the vote it rebuilds in the background, after the response, at most every
REBUILD_EVERY. The very first build of a large edition also runs in the background.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, case, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete

from backend.accounts.models import User
from backend.budget.models import EditionPhase, PhaseKey
from backend.budget.voting.models import EnvelopeResult, Voter
from backend.db import WRITE, utcnow
from backend.results import bands
from backend.results.models import VoterMark, VoterStat
from backend.territory.models import Qpv

log = logging.getLogger("qp.results")
REBUILD_EVERY = timedelta(minutes=15)
Key = tuple[int, str, str, str]  # envelope_id, qpv_code, band, channel


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


def reference_year(session: Session, edition_id: int) -> int:
    """Ages are counted in the year the vote opened (else this year)."""
    starts = session.scalar(
        select(col(EditionPhase.starts_on)).where(
            col(EditionPhase.edition_id) == edition_id, col(EditionPhase.phase) == PhaseKey.vote
        )
    )
    return starts.year if starts else date.today().year


def band_expression(year: int) -> Any:
    """The SQL twin of `bands.band_of`: a CASE over the age reached in `year`."""
    age = literal(year) - col(User.birth_year)
    whens = []
    for key, low, high in bands.BANDS:
        cond = age >= low if high is None else age.between(low, high)
        whens.append((col(User.birth_year).is_not(None) & cond, literal(key)))
    return case(*whens, else_=literal(bands.UNKNOWN))


def _aggregate(session: Session, edition_id: int, after: int, upto: int) -> list[tuple[Key, int]]:
    band = band_expression(reference_year(session, edition_id)).label("band")
    query = (
        select(col(Voter.envelope_id), col(Qpv.code), band, col(Voter.channel), func.count())
        .join(User, col(User.id) == col(Voter.user_id))
        .join(Qpv, col(Qpv.id) == col(User.qpv_id), isouter=True)
        .where(col(Voter.edition_id) == edition_id, col(Voter.id) > after, col(Voter.id) <= upto)
        .group_by(col(Voter.envelope_id), col(Qpv.code), band, col(Voter.channel))
    )
    return [
        ((int(e), str(q or ""), str(b), str(c)), int(n)) for e, q, b, c, n in session.execute(query).all()
    ]


def rows(session: Session, edition_id: int) -> list[tuple[int, str, str, str, int]]:
    """(envelope_id, qpv_code, band, channel, voters) of an edition: a few hundred rows at most."""
    return [
        (int(e), str(q), str(b), str(c), int(n))
        for e, q, b, c, n in session.execute(
            select(
                col(VoterStat.envelope_id),
                col(VoterStat.qpv_code),
                col(VoterStat.band),
                col(VoterStat.channel),
                col(VoterStat.voters),
            ).where(col(VoterStat.edition_id) == edition_id)
        ).all()
    ]


def _insert(session: Session, edition_id: int, new: Sequence[tuple[Key, int]]) -> None:
    if new:
        session.execute(
            insert(VoterStat),
            [
                {
                    "edition_id": edition_id,
                    "envelope_id": e,
                    "qpv_code": q,
                    "band": b,
                    "channel": c,
                    "voters": n,
                }
                for (e, q, b, c), n in new
            ],
        )


def _top_id(session: Session) -> int:
    return int(session.scalar(select(func.max(col(Voter.id)))) or 0)


def rebuild(session: Session, edition_id: int) -> VoterMark:
    """Count an edition's voters again from scratch (first use, or a reconciliation)."""
    top = _top_id(session)
    counted = _aggregate(session, edition_id, 0, top)
    now = utcnow()
    try:
        with session.begin_nested():
            session.execute(delete(VoterStat).where(col(VoterStat.edition_id) == edition_id))
            _insert(session, edition_id, counted)
            mark = session.get(VoterMark, edition_id)
            if mark is None:
                mark = VoterMark(edition_id=edition_id)
            mark.last_voter_id, mark.voters = top, sum(n for _k, n in counted)
            mark.rebuilt_at, mark.refreshed_at = now, now
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
    counted = _aggregate(session, edition_id, before, top)
    try:
        with session.begin_nested():
            # Optimistic lock first: only one refresh moves the watermark from `before`.
            moved = session.execute(
                update(VoterMark)
                .where(col(VoterMark.edition_id) == edition_id, col(VoterMark.last_voter_id) == before)
                .values(
                    last_voter_id=top,
                    voters=col(VoterMark.voters) + sum(n for _k, n in counted),
                    refreshed_at=utcnow(),
                )
            )
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise _Lost
            if counted:
                existing = {(e, q, b, c) for e, q, b, c, _n in rows(session, edition_id)}
                bumps = [(k, n) for k, n in counted if k in existing]
                if bumps:
                    table = VoterStat.__table__  # type: ignore[attr-defined]  # Core: one UPDATE run for many rows
                    session.execute(
                        update(table)
                        .where(
                            table.c.edition_id == edition_id,
                            table.c.envelope_id == bindparam("e"),
                            table.c.qpv_code == bindparam("q"),
                            table.c.band == bindparam("b"),
                            table.c.channel == bindparam("c"),
                        )
                        .values(voters=table.c.voters + bindparam("n")),
                        [{"e": e, "q": q, "b": b, "c": c, "n": n} for (e, q, b, c), n in bumps],
                    )
                _insert(session, edition_id, [(k, n) for k, n in counted if k not in existing])
    except _Lost:
        pass
    session.refresh(mark)
    return mark


FIRST_BUILD_INLINE = 200_000  # below this many voter rows in all, a first build is quick enough to wait for


def ensure(
    session: Session, edition_id: int, vote_open: bool, results: Iterable[EnvelopeResult]
) -> tuple[VoterMark | None, str | None]:
    """Counters up to date for the dashboard, without ever counting bp_voter in the request:
    returns the mark (None while a first build is pending) and "now"/"background"/None, whether
    a full rebuild is due (see the module's docstring)."""
    mark = session.get(VoterMark, edition_id)
    if mark is None:
        if _top_id(session) > FIRST_BUILD_INLINE:
            return None, "background"
        return rebuild(session, edition_id), None
    mark = refresh(session, edition_id)
    official = [r.voters for r in results]
    if not vote_open and official:
        # After the count, the published number of voters is the truth to agree with.
        return mark, ("now" if sum(official) != mark.voters else None)
    if utcnow() - mark.rebuilt_at >= REBUILD_EVERY and vote_open:
        return mark, "background"
    return mark, None


def needs_rebuild(mark: VoterMark, live_total: int, vote_open: bool) -> str | None:
    """ "now", "background" or None: whether the counters disagree with a live count."""
    if mark.voters == live_total:
        return None
    if not vote_open:
        return "now"
    return "background" if utcnow() - mark.rebuilt_at >= REBUILD_EVERY else None


def rebuild_in_background(sessionmaker: Any, edition_id: int) -> None:
    """Run after the response: a session and a transaction of its own."""
    with sessionmaker(execution_options=WRITE) as session:
        try:
            rebuild(session, edition_id)
            session.commit()
        except Exception:  # the next dashboard view tries again
            session.rollback()
            log.exception("rebuilding the voter counters of edition %s failed", edition_id)
