"""The SQLite engine configuration under concurrency: several workers (one engine each) on one file.

These tests use a scratch SQLite file of their own, whatever DATABASE_URL says: SQLite is the
embedded default that `qp serve --workers N` must hold."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi import Request
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from backend.db import make_engine, make_sessionmaker, session_scope
from backend.deps import get_session

WORKERS = 2  # engines, as `qp serve --workers 2` has
THREADS = 3  # per engine: a worker serves requests on a pool of threads
ROUNDS = 8


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    engine.dispose()
    yield url


def fake_request(engine: Engine, method: str) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(sessionmaker=make_sessionmaker(engine)))
    return cast(Request, SimpleNamespace(method=method, app=app, state=SimpleNamespace()))


def request_session(engine: Engine, method: str = "POST") -> AbstractContextManager[Session]:
    """The session a request of this method gets (the app's dependency, driven by hand)."""
    return contextmanager(get_session)(fake_request(engine, method))


def script_session(engine: Engine) -> AbstractContextManager[Session]:
    return session_scope(engine)


def read_then_write(session: Session) -> None:
    """What a ballot does: read first (who is voting, may they vote), then write."""
    n = session.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one()
    time.sleep(0.002)  # the work between the read and the write
    session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})


def counter(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT n FROM counter WHERE id = 1")).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("open_session", [request_session, script_session], ids=["request", "command"])
def test_concurrent_writers_on_two_engines_queue_instead_of_failing(
    sqlite_url: str, open_session: Callable[[Engine], AbstractContextManager[Session]]
) -> None:
    engines = [make_engine(sqlite_url) for _ in range(WORKERS)]
    barrier = threading.Barrier(WORKERS * THREADS)
    errors: list[str] = []

    def run(engine: Engine) -> None:
        barrier.wait(timeout=10)
        for _ in range(ROUNDS):
            try:
                with open_session(engine) as session:
                    read_then_write(session)
            except OperationalError as exc:
                errors.append(str(exc.orig))

    threads = [threading.Thread(target=run, args=(e,)) for e in engines for _ in range(THREADS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        for e in engines:
            e.dispose()
    assert errors == []
    # Each transaction read the value the previous one wrote: none was lost.
    assert counter(sqlite_url) == WORKERS * THREADS * ROUNDS


def test_reading_requests_do_not_wait_for_a_writer(sqlite_url: str) -> None:
    writer, reader = make_engine(sqlite_url), make_engine(sqlite_url)
    try:
        with request_session(writer, "POST") as writing:
            writing.execute(text("UPDATE counter SET n = 41 WHERE id = 1"))
            started = time.perf_counter()
            with request_session(reader, "GET") as reading:
                assert reading.execute(text("SELECT n FROM counter")).scalar_one() == 0
            assert time.perf_counter() - started < 1
        assert counter(sqlite_url) == 41
    finally:
        writer.dispose()
        reader.dispose()


def test_savepoints_work_in_a_writing_transaction(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with session_scope(engine) as session:
            session.execute(text("UPDATE counter SET n = 1 WHERE id = 1"))
            nested = session.begin_nested()
            session.execute(text("UPDATE counter SET n = 2 WHERE id = 1"))
            nested.rollback()
            assert session.execute(text("SELECT n FROM counter")).scalar_one() == 1
        assert counter(sqlite_url) == 1
    finally:
        engine.dispose()


def test_every_sqlite_connection_is_configured(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            pragma: Callable[[str], Any] = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 1  # NORMAL
            assert pragma("busy_timeout") >= 10_000
    finally:
        engine.dispose()
