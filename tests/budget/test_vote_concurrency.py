"""200 concurrent submissions by the same voter give exactly one ballot: real threads, each with
its own connection and transaction, all released at once by a barrier.

Runs in the worker's committed database (`committed_database_url`), not the rolled-back one,
because every submission commits. On PostgreSQL the server allows 100
connections, shared by both test workers (the other may be running the browser tests' live
server; the other races run on this worker, see tests/conftest.py), so the 200 threads share a pool
of 50: up to 50 transactions race at the same instant and the others follow as connections free up. On SQLite, writers are serialised by the
database; a submission may also fail with « database is locked », never with a second ballot."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from backend.budget.voting import service
from backend.budget.voting.context import Choice
from backend.budget.voting.models import Ballot, Voter
from backend.budget.voting.service import PaperInfo
from backend.db import make_engine
from backend.errors import DomainError
from tests.budget.helpers import CORO
from tests.budget.vote_helpers import ids, totals, vote_edition, voter
from tests.concurrency import run_together
from tests.conftest import TEST_SECRET, is_postgres_url

THREADS = 200


@pytest.fixture(scope="module")
def race_engine(committed_database_url: str) -> Iterator[Engine]:
    url = committed_database_url
    if is_postgres_url(url):
        engine = make_engine(url, pool_size=50, max_overflow=0, pool_timeout=60)
    else:
        engine = make_engine(url)
    yield engine
    engine.dispose()


def race(engine: Engine, jobs: list[Callable[[Session], Any]]) -> list[str]:
    """Run each job in its own thread and transaction, all at once; 'ok' or the refusal."""
    results: list[str] = [""] * len(jobs)

    def run(index: int, barrier: threading.Barrier) -> None:
        barrier.wait(timeout=30)
        with Session(engine, expire_on_commit=False) as session:
            try:
                jobs[index](session)
                session.commit()
                results[index] = "ok"
            except DomainError as exc:
                session.rollback()
                results[index] = exc.message
            except OperationalError as exc:
                session.rollback()
                # Only SQLite's « database is locked » is an expected outcome; anything else (PostgreSQL's
                # « too many clients », a lost connection) fails the assertions instead of passing as a lock.
                results[index] = "locked" if "database is locked" in str(exc) else f"error: {exc.orig}"

    run_together(run, len(jobs), join_timeout=120)
    return results


def setup(engine: Engine, **overrides: Any) -> tuple[int, str, int, list[str], Any]:
    with Session(engine, expire_on_commit=False) as session:
        edition, projects = vote_edition(session, **overrides)
        person = voter(session)
        session.commit()
        return edition.id, edition.slug, person.id, list(ids(projects[CORO], 0, 1, 2, 3)), edition


def online(edition_id: int, slug: str, user_id: int, pid: str) -> Callable[[Session], Any]:
    return lambda s: service.cast_online(
        s,
        secret=TEST_SECRET,
        edition_id=edition_id,
        slug=slug,
        user_id=user_id,
        choice=Choice(projects=(pid,)),
    )


def test_200_concurrent_submissions_give_exactly_one_ballot(race_engine: Engine) -> None:
    edition_id, slug, user_id, pids, _edition = setup(race_engine)
    results = race(race_engine, [online(edition_id, slug, user_id, pids[i % 4]) for i in range(THREADS)])
    counts = Counter("ok" if r == "ok" else "locked" if r == "locked" else "refused" for r in results)
    assert counts["ok"] == 1, counts
    refusals = {r for r in results if r not in ("ok", "locked")}
    assert all(r.startswith("Vous avez déjà voté en ligne le ") for r in refusals), refusals
    if race_engine.dialect.name == "postgresql":
        assert counts["refused"] == THREADS - 1  # no lock errors: every loser waited and was told why
    assert totals(race_engine, edition_id) == (1, 1)


def test_200_concurrent_changes_keep_one_ballot_the_last_one(race_engine: Engine) -> None:
    edition_id, slug, user_id, pids, _edition = setup(race_engine, revote_allowed=True)
    results = race(race_engine, [online(edition_id, slug, user_id, pids[i % 4]) for i in range(THREADS)])
    if race_engine.dialect.name == "postgresql":
        assert results.count("ok") == THREADS, Counter(results)
    assert results.count("ok") >= 1
    assert totals(race_engine, edition_id) == (1, 1)


def test_concurrent_paper_and_online_give_one_ballot(race_engine: Engine) -> None:
    edition_id, slug, user_id, pids, edition = setup(race_engine, revote_allowed=True)

    def on_paper(session: Session) -> Any:
        from backend.accounts.models import User

        person = session.get(User, user_id)
        return service.record_paper(
            session,
            secret=TEST_SECRET,
            edition=edition,
            user=person,  # type: ignore[arg-type]
            choice=Choice(projects=(pids[0],)),
            paper=PaperInfo("Mairie", "Carte d'identité", None, "agent"),
        )

    jobs = [on_paper if i % 2 else online(edition_id, slug, user_id, pids[1]) for i in range(THREADS)]
    results = race(race_engine, jobs)
    assert totals(race_engine, edition_id) == (1, 1)
    with Session(race_engine) as session:
        row = session.execute(select(Voter).where(col(Voter.edition_id) == edition_id)).scalar_one()
        ballot = session.execute(select(Ballot).where(col(Ballot.edition_id) == edition_id)).scalar_one()
    # Whichever channel came first won; the other channel was refused every time, with the reason.
    paper_results = [r for i, r in enumerate(results) if i % 2]
    online_results = [r for i, r in enumerate(results) if not i % 2]
    if row.channel == "paper":
        assert ballot.choices == pids[0] and paper_results.count("ok") == 1
        assert all("vous ne pouvez pas voter en ligne" in r for r in online_results if r != "locked"), (
            Counter(online_results)
        )
    else:
        assert ballot.choices == pids[1] and "ok" not in paper_results
        assert all("a déjà voté en ligne" in r for r in paper_results if r != "locked"), Counter(
            paper_results
        )
