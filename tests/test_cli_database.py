"""`qp migrate` creates a missing PostgreSQL database; `qp serve` refuses several workers on a
SQLite database each worker would hold alone (in memory)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from backend.cli import app
from backend.db import (
    MAINTENANCE_DATABASE,
    create_sibling_database,
    drop_sibling_database,
    make_engine,
    normalize_url,
)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What `qp serve` would have started (uvicorn is not run)."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    return calls


def serve(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["serve", *args], env={"DATABASE_URL": url, "APP_ENV": "test"})
    return result.exit_code, result.output


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:qp?mode=memory&uri=true"])
def test_serve_refuses_several_workers_on_an_in_memory_sqlite(url: str, served: list[dict[str, Any]]) -> None:
    code, out = serve(url, "--workers", "2")
    assert code == 2 and served == []
    assert "plusieurs processus" in out and "en mémoire" in out


def test_serve_runs_several_workers_on_a_sqlite_file(tmp_path: Path, served: list[dict[str, Any]]) -> None:
    code, out = serve(f"sqlite:///{tmp_path / 'qp.sqlite3'}", "--workers", "2")
    assert code == 0, out
    assert [c["workers"] for c in served] == [2]


def database_exists(base_url: str, name: str) -> bool:
    engine = make_engine(
        make_url(normalize_url(base_url)).set(database=MAINTENANCE_DATABASE).render_as_string(False)
    )
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            return found is not None
    finally:
        engine.dispose()


@pytest.fixture
def missing_database(postgres_only: None) -> Any:
    """A database name that does not exist yet on the test server (mixed case: it must be quoted)."""
    base = os.environ["DATABASE_URL"]
    name = f"{make_url(normalize_url(base)).database}_Missing_{uuid.uuid4().hex[:8]}"
    assert not database_exists(base, name)
    url = make_url(normalize_url(base)).set(database=name).render_as_string(hide_password=False)
    yield base, name, url
    drop_sibling_database(base, name)


def test_migrate_creates_the_missing_postgres_database(missing_database: tuple[str, str, str]) -> None:
    base, name, url = missing_database
    result = CliRunner().invoke(app, ["migrate"], env={"DATABASE_URL": url, "APP_ENV": "test"})
    assert result.exit_code == 0, result.output
    assert "Base de données créée" in result.output
    assert database_exists(base, name)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() >= 1
    finally:
        engine.dispose()
    # Run again: nothing to create, nothing refused.
    again = CliRunner().invoke(app, ["migrate"], env={"DATABASE_URL": url, "APP_ENV": "test"})
    assert again.exit_code == 0, again.output
    assert "Base de données créée" not in again.output


def test_sibling_databases_need_no_base_database(missing_database: tuple[str, str, str]) -> None:
    _base, name, url = missing_database  # url names a database that does not exist
    sibling = f"{name}_sibling"
    try:
        create_sibling_database(url, sibling)
        assert database_exists(url, sibling)
    finally:
        drop_sibling_database(url, sibling)
    assert not database_exists(url, sibling)
