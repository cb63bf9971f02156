"""Test set-up: one migrated database per xdist worker (SQLite file, or a PostgreSQL database
created next to DATABASE_URL's), seeded once with the territories; each test runs inside a
transaction that is rolled back, so tests never see each other's data."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from backend.accounts.security import PASSWORDS
from backend.config import Settings
from backend.db import (
    create_sibling_database,
    drop_sibling_database,
    make_engine,
    make_sessionmaker,
    normalize_url,
    run_migrations,
    session_scope,
)
from backend.processes import Registry

# Hashing cost is not what these tests check; keep argon2 cheap here only.
PASSWORDS.update(argon2__memory_cost=1024, argon2__time_cost=1)
# No app of the suite sends the outbox behind a test's back; a test that wants the in-process
# sender passes outbox_in_process=True.
os.environ["APP_OUTBOX_IN_PROCESS"] = "false"

TEST_SECRET = "test-secret-key-not-for-production-0123456789"


# Tests that open many connections at once (200-thread races, the vote fast path, the outbox worker
# on the committed database): two of them on different workers at the same moment could exceed
# PostgreSQL's 100 connections.
MANY_CONNECTIONS = {"committed_database_url", "committed_pg_url", "race_engine"}


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups (it names each test after its group)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` passes `--dist loadgroup`: the browser tests run on one worker (one live demo
    server and one chromium for all of them, instead of one per worker), and the tests that open
    many connections run one after the other on one worker."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif MANY_CONNECTIONS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.xdist_group("connections"))


def _worker() -> str:
    # Outside xdist, the pid keeps two developers' runs on one server from dropping each other's database.
    return os.environ.get("PYTEST_XDIST_WORKER") or f"main{os.getpid()}"


def is_postgres_url(url: str | None) -> bool:
    return url is not None and url.startswith(("postgres", "postgresql"))


def create_pg_database(base_url: str, suffix: str) -> str:
    """A fresh database on the same server, named after the base database, a suffix and the worker.

    The worker part keeps xdist workers (and two runs on one server) from dropping each other's database.
    """
    name = f"{make_url(normalize_url(base_url)).database}_{suffix}_{_worker()}".replace("-", "_")
    return create_sibling_database(base_url, name)


def drop_pg_database(base_url: str, url: str) -> None:
    drop_sibling_database(base_url, make_url(url).database or "")


def fresh_database(tmp_path_factory: pytest.TempPathFactory, suffix: str) -> str:
    base = os.environ.get("DATABASE_URL")
    if is_postgres_url(base):
        return create_pg_database(base, suffix)  # type: ignore[arg-type]
    return f"sqlite:///{tmp_path_factory.mktemp(suffix) / 'test.sqlite3'}"


def seed(url: str) -> None:
    """Territories every test can rely on (the 71 QPV, Marseille's secteurs)."""
    from backend.demo import load_territories

    engine = make_engine(url, poolclass=NullPool)
    with session_scope(engine) as session:
        load_territories(session)
    engine.dispose()


@contextmanager
def migrated_database(tmp_path_factory: pytest.TempPathFactory, suffix: str) -> Iterator[str]:
    """A fresh database of the worker's own, migrated and seeded; dropped after (on PostgreSQL)."""
    url = fresh_database(tmp_path_factory, suffix)
    try:
        run_migrations(url)
        seed(url)
        yield url
    finally:
        base = os.environ.get("DATABASE_URL")
        if is_postgres_url(base):
            drop_pg_database(base, url)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with migrated_database(tmp_path_factory, "unit") as url:
        yield url


@pytest.fixture(scope="session")
def committed_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second database, for code that commits in transactions of its own (the outbox worker, races
    between threads, the vote fast path), so it cannot share the tests' rolled-back one.

    One per worker, shared by those modules (migrating one per module was most of their time): each
    test makes data of its own (a new edition, fund or user) and reads only that, or empties first
    the tables it counts.
    """
    with migrated_database(tmp_path_factory, "committed") as url:
        yield url


@pytest.fixture(scope="session")
def committed_pg_url(request: pytest.FixtureRequest) -> str:
    """The committed database on PostgreSQL; on SQLite the test is skipped (and nothing is created)."""
    if not is_postgres_url(os.environ.get("DATABASE_URL")):
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgresql://...)")
    return str(request.getfixturevalue("committed_database_url"))


@pytest.fixture(scope="module")
def committed_pg(committed_pg_url: str) -> Iterator[tuple[str, Engine]]:
    """The committed PostgreSQL database's URL and an engine on it, for one module."""
    engine = make_engine(committed_pg_url)
    yield committed_pg_url, engine
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session whose commits are savepoints inside the test's transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def registry() -> Registry:
    """The processes, as `create_app` builds them, with every table imported."""
    from backend.registry import build_registry

    built = build_registry()
    built.import_models()
    return built


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        geocoder_enabled=False,
        mail_backend="console",
        vote_fast_path=False,  # its own tests enable it on a committed database
    )


@pytest.fixture
def app(settings: Settings, connection: Connection) -> Iterator[FastAPI]:
    from backend.app import create_app

    application = create_app(settings)
    application.state.sessionmaker = make_sessionmaker(connection, join_transaction_mode="create_savepoint")
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as c:
        yield c


def session_data(client: TestClient) -> dict[str, Any]:
    """Decode Starlette's signed session cookie (payload is base64 JSON before the signature)."""
    cookie = client.cookies.get("qp_session")
    if not cookie:
        return {}
    payload = cookie.split(".")[0]
    data: dict[str, Any] = json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))
    return data


def csrf(client: TestClient) -> str:
    """The client's CSRF token (a GET creates it)."""
    token = session_data(client).get("csrf")
    if not token:
        client.get("/connexion")
        token = session_data(client)["csrf"]
    return str(token)


@pytest.fixture
def postgres_only(database_url: str) -> None:
    if not is_postgres_url(database_url):
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgresql://...)")
