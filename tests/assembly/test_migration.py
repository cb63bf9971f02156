from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

from backend.processes import Registry


def _ours(diff: object) -> bool:
    text = repr(diff)
    return "assembly_" in text


def test_migrated_schema_matches_the_assembly_models(engine: Engine, registry: Registry) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diffs = [d for d in compare_metadata(context, SQLModel.metadata) if _ours(d)]
    assert diffs == []
