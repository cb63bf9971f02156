"""Migrations are the only way the schema is created: they must match the models exactly and
go down and up again, on SQLite and (with DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from backend.db import alembic_config, make_engine, run_migrations
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
