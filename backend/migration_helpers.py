"""Helpers for Alembic migrations: a migration lists each table's columns once, and these add what
every table repeats — the integer ``id`` key, NOT NULL unless said otherwise, and the names of keys,
foreign keys, unique constraints and indexes as `backend.db.NAMING_CONVENTION` spells them.

Released migrations call these functions: a change here changes what they create, so it must keep
the DDL they emit byte for byte (compare `sqlite3 x.db .schema` and `pg_dump -s` before and after).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

# Column.info keys read by `create_table` (info never reaches the DDL).
_REFERENCES = "migration_references"
_INDEX = "migration_index"
_UNIQUE = "migration_unique"


def column(
    name: str,
    type_: Any,
    *,
    nullable: bool = False,
    index: bool = False,
    unique: bool = False,
    references: str | None = None,
    **kwargs: Any,
) -> sa.Column[Any]:
    """A column; ``index``, ``unique`` and ``references`` (a table, by its ``id``) become the
    table's named index and constraints in `create_table`."""
    info = {_INDEX: index, _UNIQUE: unique, _REFERENCES: references}
    return sa.Column(name, type_, nullable=nullable, info=info, **kwargs)


def integer(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.Integer(), **kwargs)


def ref(name: str, table: str, **kwargs: Any) -> sa.Column[Any]:
    """An integer foreign key to ``table.id``."""
    return column(name, sa.Integer(), references=table, **kwargs)


def string(name: str, length: int, **kwargs: Any) -> sa.Column[Any]:
    return column(name, AutoString(length=length), **kwargs)


def text(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.Text(), **kwargs)


def boolean(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.Boolean(), **kwargs)


def real(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.Float(), **kwargs)


def day(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.Date(), **kwargs)


def timestamp(name: str, **kwargs: Any) -> sa.Column[Any]:
    """Timezone-aware (the DDL of `backend.db.UtcDateTime`)."""
    return column(name, sa.DateTime(timezone=True), **kwargs)


def json(name: str, **kwargs: Any) -> sa.Column[Any]:
    return column(name, sa.JSON(), **kwargs)


def create_table(
    name: str,
    *columns: sa.Column[Any],
    primary_key: tuple[str, ...] = ("id",),
    unique: Iterable[tuple[str, ...]] = (),
    checks: Mapping[str, str] | None = None,
    indexes: Mapping[str, list[str]] | None = None,
    named_unique: Mapping[str, tuple[str, ...]] | None = None,
    **kwargs: Any,
) -> None:
    """Create table ``name``, with an integer ``id`` key first unless ``primary_key`` names other
    columns or ``id`` is given. ``unique`` lists multi-column unique constraints, ``checks`` maps a
    check's short name to its SQL, ``indexes`` maps the full name of a multi-column index to its
    columns, ``named_unique`` maps a unique constraint named otherwise to its columns. Checks keep their order; other constraints and indexes come sorted by name, as autogenerate
    writes them."""
    if "id" in primary_key and not any(c.name == "id" for c in columns):
        columns = (integer("id"), *columns)
    uniques = [(c.name,) for c in columns if c.info[_UNIQUE]] + list(unique)
    foreign_keys = sorted((c.name, c.info[_REFERENCES]) for c in columns if c.info[_REFERENCES])
    op.create_table(
        name,
        *columns,
        *(sa.CheckConstraint(sql, name=op.f(f"ck_{name}_{short}")) for short, sql in (checks or {}).items()),
        *(
            sa.ForeignKeyConstraint([col], [f"{table}.id"], name=op.f(f"fk_{name}_{col}_{table}"))
            for col, table in foreign_keys
        ),
        sa.PrimaryKeyConstraint(*primary_key, name=op.f(f"pk_{name}")),
        *(
            sa.UniqueConstraint(*cols, name=op.f(f"uq_{name}_{'_'.join(cols)}"))
            for cols in sorted(uniques, key=lambda cols: "_".join(cols))
        ),
        *(sa.UniqueConstraint(*cols, name=unique_name) for unique_name, cols in (named_unique or {}).items()),
        **kwargs,
    )
    named = dict(indexes or {})
    for c in columns:
        if c.info[_INDEX]:
            named[op.f(f"ix_{name}_{c.name}")] = [c.name]
    for index_name in sorted(named):
        op.create_index(index_name, name, named[index_name], unique=False)


def drop_tables(*names: str) -> None:
    """Drop tables (with their indexes) in the reverse of the order they were created in."""
    for name in reversed(names):
        op.drop_table(name)
