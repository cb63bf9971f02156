"""The ballot box's fresh read and its rules, one place for the service (:mod:`.service`), the
voting point (:mod:`.isoloir`), the dépouillement and the fast path (:mod:`.fastpath`): the
edition's lock, the phase and the voter's facts read in one statement, and :func:`check_box`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, text
from sqlmodel import Session

from backend.accounts.models import User
from backend.budget import phases
from backend.budget.models import Edition, PhaseKey
from backend.budget.voting.context import ContextCache, VoteContext, build_context
from backend.budget.voting.eligibility import VoterFacts, voter_facts
from backend.errors import Conflict, NotAuthenticated, NotFound
from backend.i18n import gettext as _

LOCK_CLASS = 7_270_002  # advisory lock namespace (two-key form) of the ballot box of an edition
USERS = User.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class BoxState:
    """Read fresh when a ballot is cast: the edition's phase and the voter's facts."""

    phase: str
    phase_changed_at: datetime | None
    facts: VoterFacts
    session_version: int
    document_hash: str | None = None


MAX_PROJECTS = 500  # projects in one JSON ballot (the API's BallotIn and the fast path's parser)

EDITIONS = Edition.__table__  # type: ignore[attr-defined]
# What is read fresh when the box opens, in this order (:func:`check_box` reads a row of them).
BOX_COLUMNS = (
    EDITIONS.c.phase,
    EDITIONS.c.phase_changed_at,
    USERS.c.birth_year,
    USERS.c.qpv_id,
    USERS.c.residence_status,
    USERS.c.email_confirmed_at,
    USERS.c.phone_confirmed_at,
    USERS.c.session_version,
    USERS.c.is_active,
    USERS.c.deleted_at,
    USERS.c.id_document_hash,
)
# The lock and the read are two statements on purpose: each statement takes its own snapshot, so
# the read sees a vote closed while the ballot waited for the lock. Parameters in the ``:name``
# style of :func:`sqlalchemy.text`; the fast path runs the same text through psycopg (:func:`pg_format`).
SQL_LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(:k, :e)"
SQL_LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(:k, :e)"
_BOX_SELECT = ", ".join(f"{'e' if c.table is EDITIONS else 'u'}.{c.name}" for c in BOX_COLUMNS)
SQL_OPEN_BOX = (
    f"SELECT {_BOX_SELECT} FROM {EDITIONS.name} e JOIN {USERS.name} u ON u.id = :user"  # noqa: S608 - model names only
    " WHERE e.id = :edition AND e.slug = :slug"
)
_OPEN_BOX = text(SQL_OPEN_BOX).columns(*BOX_COLUMNS)  # typed results (dates on SQLite too)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def pg_format(sql: str) -> str:
    """A statement of this module in psycopg's parameter style (``:name`` → ``%(name)s``)."""
    return _PARAM.sub(r"%(\1)s", sql)


class HandOver(Exception):  # noqa: N818 - not an error: a case for the regular route
    """The fast path must hand this ballot over to the regular route (which has the whole answer)."""


def check_box(
    row: Sequence[Any] | None,
    *,
    act: phases.Act | None = None,
    session_version: int | None = None,
    fast: bool = False,
) -> BoxState:
    """The rules of the fresh read, for every path that opens the box: ``row`` holds the
    :data:`BOX_COLUMNS` (None: no such edition). Raises NotFound, NotAuthenticated (account
    suspended or deleted, token of an older session), Conflict (the phase does not allow ``act``),
    or, with ``fast``, :class:`HandOver` for what only the regular route does (an identity
    document's one-ballot rule)."""
    if row is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    (phase, changed_at, birth_year, qpv_id, residence, email_at, phone_at) = row[:7]
    version, active, deleted_at, document_hash = row[7:11]
    if not active or deleted_at is not None:
        raise NotAuthenticated(_("Connectez-vous pour continuer."))
    if session_version is not None and version != session_version:
        raise NotAuthenticated(_("Votre session a expiré. Connectez-vous de nouveau."))
    if act is not None:
        require_vote_phase(phase, act)
    if fast and document_hash is not None:
        # The regular route checks that the document has not voted through another account and
        # notes its participation.
        raise HandOver
    return BoxState(
        phase,
        changed_at,
        voter_facts(birth_year, qpv_id, residence, email_at, phone_at),
        version,
        document_hash,
    )


def is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_new(
    session: Session, table: Table, values: dict[str, object], keys: list[str], returning: Any = None
) -> Any:
    """``INSERT … ON CONFLICT (keys) DO NOTHING`` on either database (``RETURNING`` the given
    column: None when the row was already there). The unique index decides a race."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert = postgresql.insert if is_pg(session) else sqlite.insert
    stmt = dialect_insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    if returning is None:
        return session.execute(stmt)
    return session.execute(stmt.returning(returning)).scalar()


def lock_box(session: Session, edition_id: int, *, exclusive: bool = False) -> None:
    """PostgreSQL: ballots share the edition's lock; closing the vote takes it alone."""
    if is_pg(session):
        sql = SQL_LOCK_EXCLUSIVE if exclusive else SQL_LOCK_SHARED
        session.execute(text(sql), {"k": LOCK_CLASS, "e": edition_id})


def open_box(
    session: Session,
    edition_id: int,
    slug: str,
    user_id: int,
    *,
    act: phases.Act | None = None,
    session_version: int | None = None,
) -> BoxState:
    """Lock (shared), read the phase and the voter's facts in one statement, and check them
    (:func:`check_box`; the phase only when ``act`` is given)."""
    lock_box(session, edition_id)
    row = session.execute(_OPEN_BOX, {"user": user_id, "edition": edition_id, "slug": slug}).first()
    return check_box(row, act=act, session_version=session_version)


def context_for(
    session: Session, edition_id: int, slug: str, state: BoxState, cache: ContextCache | None
) -> VoteContext:
    """The edition's vote context, from the cache when it matches the phase just read."""
    stamp = (state.phase, state.phase_changed_at)
    if cache is not None:
        ctx = cache.get(edition_id, slug, stamp)
        if ctx is not None:
            return ctx
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    ctx = build_context(session, edition)
    if cache is not None and ctx.stamp == stamp:
        cache.put(ctx)
    return ctx


def open_for(session: Session, edition_id: int, act: phases.Act) -> tuple[str, datetime | None]:
    """Lock the box (shared) and read the edition's phase fresh, refused unless it allows ``act``:
    for ballots that name no voter (the tablet, the dépouillement). Returns the phase's stamp."""
    lock_box(session, edition_id)
    fresh = session.execute(
        select(EDITIONS.c.phase, EDITIONS.c.phase_changed_at).where(EDITIONS.c.id == edition_id)
    ).first()
    if fresh is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    require_vote_phase(fresh.phase, act)
    return (fresh.phase, fresh.phase_changed_at)


def require_vote_phase(phase: str, act: phases.Act) -> None:
    if phases.spec(phase).roles_for(act):
        return
    if phases.ORDER.index(phase) > phases.ORDER.index(PhaseKey.vote):
        raise Conflict(_("Le vote est terminé : les bulletins ne sont plus acceptés."))
    raise Conflict(_("Le vote n'est pas encore ouvert."))
