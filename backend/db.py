"""Engine, sessions (one transaction per request) and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from sqlalchemy import Column, DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Field, Session, SQLModel

from backend.config import ROOT

# Named constraints so that Alembic migrations can address them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC on both databases."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware on both databases: SQLite hands back naive values, which are UTC here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        # SQLite would drop the offset and keep the wall-clock time: store UTC.
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utc_field(nullable: bool = False) -> Any:
    """A UTC timestamp column: now by default, or optional (None) when ``nullable``."""
    if nullable:
        return Field(default=None, sa_column=Column(UtcDateTime(), nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real transactions."""
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        if "poolclass" not in kwargs:
            kwargs.setdefault("pool_size", 10)
            kwargs.setdefault("max_overflow", 20)
        return create_engine(url, **kwargs)

    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 15})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT;
        # let SQLAlchemy emit BEGIN itself (documented SQLAlchemy recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def make_sessionmaker(bind: Any, **kwargs: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, class_=Session, expire_on_commit=False, **kwargs)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for commands and scripts: commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """Request-scoped session: one transaction per request (services only flush)."""
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session:
        request.state.db = session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


def run_migrations(url: str, target: str = "heads") -> None:
    """Upgrade to every branch head (each domain owns a migration branch)."""
    from alembic import command

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), target)


def create_sibling_database(base_url: str, name: str) -> str:
    """(Re)create database ``name`` on the PostgreSQL server of ``base_url``; its URL (tests, benches)."""
    url = make_url(normalize_url(base_url))
    _admin_execute(
        url.render_as_string(hide_password=False), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )
    _admin_execute(url.render_as_string(hide_password=False), f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def drop_sibling_database(base_url: str, name: str) -> None:
    """Drop database ``name`` on the PostgreSQL server of ``base_url``, closing its connections."""
    _admin_execute(normalize_url(base_url), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(url: str, statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.pool import NullPool

    admin = make_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()
