"""Migrations are the only way the schema is created: they must match the models exactly and
go down and up again, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from backend.db import BASELINE, SQUASHED_HEADS, alembic_config, make_engine, run_migrations
from backend.processes import Registry
from tests.conftest import drop_pg_database, fresh_database, is_postgres_url


def test_migrated_schema_matches_the_models(engine: Engine, registry: Registry) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_downgrade_to_base_and_upgrade_again(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = fresh_database(tmp_path_factory, "migrations")
    try:
        run_migrations(url)
        command.downgrade(alembic_config(url), "base")
        eng = make_engine(url, poolclass=NullPool)
        assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
        eng.dispose()
        run_migrations(url)
        eng = make_engine(url, poolclass=NullPool)
        assert {"qpv", "user_account", "ledger_entry", "role_grant"} <= set(inspect(eng).get_table_names())
        eng.dispose()
    finally:
        base = os.environ.get("DATABASE_URL")
        if is_postgres_url(base):
            drop_pg_database(base, url)  # type: ignore[arg-type]


def _versions(url: str) -> set[str]:
    eng = make_engine(url, poolclass=NullPool)
    with eng.connect() as conn:
        found = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    eng.dispose()
    return found


def _set_versions(url: str, versions: set[str]) -> None:
    eng = make_engine(url, poolclass=NullPool)
    with eng.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
        for version in versions:
            conn.exec_driver_sql(f"INSERT INTO alembic_version (version_num) VALUES ('{version}')")
    eng.dispose()


def test_a_database_at_the_squashed_heads_is_stamped_and_an_older_one_refused(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = fresh_database(tmp_path_factory, "squashed")
    try:
        run_migrations(url, BASELINE)  # the schema the development history had reached
        _set_versions(url, set(SQUASHED_HEADS))  # as that history left it
        run_migrations(url)  # stamped with the baseline, then upgraded to every head
        heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
        assert _versions(url) == heads and BASELINE not in heads
        _set_versions(url, {"budget_0004", "0003"})  # an older point of that history
        with pytest.raises(RuntimeError, match="recréez-la"):
            run_migrations(url)
        assert _versions(url) == {"budget_0004", "0003"}
    finally:
        base = os.environ.get("DATABASE_URL")
        if base is not None and is_postgres_url(base):
            drop_pg_database(base, url)
