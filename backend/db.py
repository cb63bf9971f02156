"""Engine, sessions (one transaction per request) and migrations."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import SessionTransaction, sessionmaker
from sqlmodel import Field, Session, SQLModel

from backend.config import ROOT
from backend.errors import DomainError, NotFound

# Named constraints so that Alembic migrations can address them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


T = TypeVar("T")
M = TypeVar("M", bound=SQLModel)


def get_or_not_found(session: Session, model: type[M], ident: int, missing: str) -> M:
    """Row `ident` of `model`, or `NotFound(missing)`: `missing` tells the person what is not there."""
    row = session.get(model, ident)
    if row is None:
        raise NotFound(missing)
    return row


def attempt(session: Session, action: Callable[[], T]) -> T | DomainError:
    """Run a service call in a savepoint: kept when it succeeds, rolled back when it raises a
    `DomainError`, which is returned (not raised) so that the view can re-render its form with
    the problem while the request's earlier work stays. One shape for every form view:

        outcome = attempt(session, lambda: service.do(session, ...))
        if isinstance(outcome, DomainError):
            return render_form(outcome)
        return done(...)
    """
    try:
        with session.begin_nested():
            return action()
    except DomainError as exc:
        return exc


def after_commit(
    session: Session, callback: Callable[[], None], on_rollback: Callable[[], None] | None = None
) -> None:
    """Run ``callback`` once the session's transaction commits, never before (work that must follow
    the change it belongs to, such as deleting a replaced file); when the transaction ends without
    committing, ``on_rollback`` runs instead. Savepoints (``attempt``) do not count: only the
    request's own transaction does."""
    committed = False
    finished = False

    def _committed(_session: Session) -> None:
        nonlocal committed
        # The event also fires when a savepoint is released, while it is still the current one.
        if not _session.in_nested_transaction():
            committed = True

    def _ended(_session: Session, transaction: SessionTransaction) -> None:
        nonlocal finished
        if finished or transaction.parent is not None:
            return
        finished = True
        if committed:
            callback()
        elif on_rollback is not None:
            on_rollback()

    # Listeners are not removed once run: removing one while the event is being dispatched is not
    # allowed, and a session lives for one request.
    event.listen(session, "after_commit", _committed)
    event.listen(session, "after_transaction_end", _ended)


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
    """A UTC timestamp column: now by default, or optional (None) when ``nullable``. Declared by its
    type, not a Column object, so that a mixin shared by several tables can use it too."""
    if nullable:
        return Field(default=None, sa_type=UtcDateTime, nullable=True)
    return Field(default_factory=utcnow, sa_type=UtcDateTime, nullable=False)


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


# SQLite allows one writer at a time. A transaction that began with a plain (deferred) BEGIN and
# reads before it writes must upgrade its read lock; when another connection holds the write
# lock, SQLite answers « database is locked » at once, without waiting for busy_timeout (waiting
# could deadlock). So a transaction that is going to write asks for the write lock when it begins
# (BEGIN IMMEDIATE), where the busy timeout applies: writers queue instead of failing. Reads keep
# a deferred BEGIN and, in WAL mode, never wait for a writer.
SQLITE_BUSY_TIMEOUT_S = 30
WRITE = {"sqlite_begin": "IMMEDIATE"}
"""Execution options of a session or connection that will write: on SQLite, its transactions begin
with BEGIN IMMEDIATE (``Session(engine, execution_options=WRITE)``); PostgreSQL ignores them."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL, a busy timeout and real transactions
    (BEGIN IMMEDIATE for those opened with the ``WRITE`` execution options)."""
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
    kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S})
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT;
        # let SQLAlchemy emit BEGIN itself (documented SQLAlchemy recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers and the writer do not block each other; NORMAL is durable in WAL mode
        # except for the last transactions on a power loss (never corrupts the file).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")

    return engine


def make_sessionmaker(bind: Any, **kwargs: Any) -> sessionmaker[Session]:
    return sessionmaker(bind=bind, class_=Session, expire_on_commit=False, **kwargs)


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Commit the session when the block ends, roll it back if the block raised."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session for commands and scripts (they write): commit on success, roll back on error."""
    with Session(engine, expire_on_commit=False, execution_options=WRITE) as session, committing(session):
        yield session


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


# The heads of the development history squashed into `0001_schema`: a database at exactly these
# revisions has that schema already and is stamped with it; one at an older revision is refused.
SQUASHED_HEADS = frozenset(
    {"0002_user_session", "0003", "assembly_0002", "budget_0006", "contact_0001", "fph_0001", "results_0001"}
)
# Every revision of that history, to recognise a database migrated before the squash.
SQUASHED_HISTORY = SQUASHED_HEADS | {
    "0001",
    "0002",
    "assembly_0001",
    "budget_0001",
    "budget_0002",
    "budget_0003",
    "budget_0004",
    "budget_0005",
}
BASELINE = "0001_schema"


def run_migrations(url: str, target: str = "heads") -> None:
    """Upgrade to every branch head, creating the database first when it is missing."""
    from alembic import command

    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    ensure_database(url)
    _stamp_squashed_history(url)
    command.upgrade(alembic_config(url), target)


def _stamp_squashed_history(url: str) -> None:
    from sqlalchemy import inspect, text

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return
            current = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
            if not current or not current <= SQUASHED_HISTORY:
                return
            if current != SQUASHED_HEADS:
                raise RuntimeError(
                    "Cette base date d'une version de développement trop ancienne pour être mise à jour "
                    f"({', '.join(sorted(current))}) : recréez-la (supprimez le fichier SQLite, ou la base "
                    "PostgreSQL) puis relancez `qp migrate`."
                )
            conn.execute(text("DELETE FROM alembic_version"))
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": BASELINE})
    finally:
        engine.dispose()


# The database every PostgreSQL server has: where databases are created and dropped from, so
# that the one named in a URL need not exist yet.
MAINTENANCE_DATABASE = "postgres"


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it is missing; True when it was created.

    SQLite creates its file on first connection, so this does nothing there."""
    from sqlalchemy import text
    from sqlalchemy.exc import ProgrammingError

    parsed = make_url(normalize_url(url))
    name = parsed.database
    if parsed.get_backend_name() != "postgresql" or not name:
        return False
    with _admin_connection(url) as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first():
            return False
        try:
            conn.execute(text(f"CREATE DATABASE {_quoted(conn, name)}"))
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != "42P04":  # duplicate_database: created meanwhile
                raise
            return False
    return True


def create_sibling_database(base_url: str, name: str) -> str:
    """(Re)create database ``name`` on the PostgreSQL server of ``base_url``; its URL (tests, benches).

    ``base_url``'s own database need not exist."""
    from sqlalchemy import text

    url = make_url(normalize_url(base_url))
    with _admin_connection(base_url) as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(conn, name)} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {_quoted(conn, name)}"))
    return url.set(database=name).render_as_string(hide_password=False)


def drop_sibling_database(base_url: str, name: str) -> None:
    """Drop database ``name`` on the PostgreSQL server of ``base_url``, closing its connections."""
    from sqlalchemy import text

    with _admin_connection(base_url) as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(conn, name)} WITH (FORCE)"))


@contextmanager
def _admin_connection(url: str) -> Iterator[Connection]:
    """An autocommit connection to the maintenance database of ``url``'s PostgreSQL server
    (CREATE and DROP DATABASE cannot run in a transaction)."""
    from sqlalchemy.pool import NullPool

    maintenance = make_url(normalize_url(url)).set(database=MAINTENANCE_DATABASE)
    admin = make_engine(
        maintenance.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        with admin.connect() as conn:
            yield conn
    finally:
        admin.dispose()


def _quoted(conn: Connection, name: str) -> str:
    """A database name as a quoted identifier (any character, embedded quotes doubled)."""
    return conn.dialect.identifier_preparer.quote_identifier(name)
