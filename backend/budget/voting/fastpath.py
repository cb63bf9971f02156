"""The hot path of the online vote on PostgreSQL: a plain ASGI handler for the JSON ballot API.

On polling day, thousands of phones post ballots within minutes. The regular route
(`POST /api/v1/budget/editions/{slug}/bulletin`, FastAPI → thread pool → SQLAlchemy session)
spends ~7 ms of CPU per ballot, mostly in the web stack. This handler sits in front of the
app and serves the *common* case — a first online ballot with a bearer token, valid and
eligible — with an async psycopg pool and three short statements, reusing the same rules:

- the same token check (:mod:`.tokens`), the same cached vote context (:class:`ContextCache`),
- the same eligibility and ballot rules and the same receipt and slot (:func:`service.prepare`),
- the same statements and checks as :func:`service.open_box` and :func:`service.cast`: the
  edition's *shared* advisory lock first (closing the vote takes it exclusively), then the fresh
  read of the phase and of the voter (:data:`service.SQL_OPEN_BOX`, checked by
  :func:`service.check_box`, like the regular route), then one statement inserting the voter row
  (`ON CONFLICT DO NOTHING`, the unique constraint decides) and the ballot, whose values are
  built by :func:`urn.row` as on the regular route (random id; slot only for the revote exception).

Anything else — no token, a cookie session, an account carrying an identity document's hash (the
one-document rule of :func:`service.cast`), majority-judgment grades, a context not yet
cached, a refusal of any kind, a person who already voted (revote or refusal message), a
database error — rolls back and is handed, body untouched, to the regular route, which gives
the full answer and the French explanations. So this path can only ever say "201, here is your
receipt" for a ballot the regular route would have accepted the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.budget.models import Edition
from backend.budget.phases import Act
from backend.budget.voting import urn
from backend.budget.voting.context import Choice, ContextCache, build_context
from backend.budget.voting.service import (
    LOCK_CLASS,
    MAX_PROJECTS,
    SQL_LOCK_SHARED,
    SQL_OPEN_BOX,
    HandOver,
    check_box,
    pg_format,
    prepare,
)
from backend.budget.voting.tokens import read_token
from backend.config import Settings
from backend.db import utcnow
from backend.errors import DomainError
from backend.middleware import add_security_headers

log = logging.getLogger("qp.vote.fastpath")

# The v1 path and its unversioned alias (backend.api).
PATH = re.compile(r"^/api(?:/v1)?/budget/editions/(?P<slug>[a-z0-9][a-z0-9-]{0,79})/bulletin$")
MAX_BODY = 64 * 1024

# The service's own statements (:mod:`.service`), in psycopg's parameter style.
SQL_LOCK = pg_format(SQL_LOCK_SHARED)
SQL_OPEN = pg_format(SQL_OPEN_BOX)
SQL_FIRST_BALLOT = """
WITH new_voter AS (
    INSERT INTO bp_voter (edition_id, user_id, envelope_id, channel, voted_at)
    VALUES (%(edition)s, %(user)s, %(envelope)s, 'online', %(now)s)
    ON CONFLICT (edition_id, user_id) DO NOTHING
    RETURNING id
)
INSERT INTO bp_ballot (id, edition_id, envelope_id, choices, receipt_hash, channel, voting_point, slot)
SELECT %(id)s, %(edition_id)s, %(envelope_id)s, %(choices)s, %(receipt_hash)s, %(channel)s,
       %(voting_point)s, %(slot)s
FROM new_voter
RETURNING id
"""


class _Fallback(Exception):
    """Not the common case: hand the request to the regular route."""


def _psycopg_url(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


def parse_choice(body: bytes) -> Choice:
    """The approval/knapsack ballot of the API body (`{"projects": [...]}`), or _Fallback."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise _Fallback from exc
    if not isinstance(data, dict) or set(data) - {"projects", "grades"} or data.get("grades") is not None:
        raise _Fallback
    projects = data.get("projects", [])
    if (
        not isinstance(projects, list)
        or len(projects) > MAX_PROJECTS
        or not all(isinstance(p, str | int) and not isinstance(p, bool) for p in projects)
    ):
        raise _Fallback
    return Choice(projects=tuple(str(p) for p in projects))


class FastBallotPath:
    """ASGI middleware: answers first online ballots itself, passes everything else on."""

    def __init__(self, app: ASGIApp, settings: Settings, state: Any, pool_size: int = 8) -> None:
        self.app = app
        self.secret = settings.secret_key
        self.url = _psycopg_url(settings.database_url)
        self.state = state
        self.pool_size = pool_size
        self._pool: Any = None
        self._pool_lock = asyncio.Lock()
        self._refreshing: set[int] = set()
        closers = getattr(state, "closers", None)
        if closers is not None:
            closers.append(self.close)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._pool_lock:
                if self._pool is None:
                    from psycopg_pool import AsyncConnectionPool

                    pool = AsyncConnectionPool(self.url, min_size=2, max_size=self.pool_size, open=False)
                    await pool.open()
                    self._pool = pool
        return self._pool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        match = PATH.match(scope["path"])
        authorization = Headers(scope=scope).get("authorization", "") if match else ""
        if match is None or not authorization.lower().startswith("bearer "):
            await self.app(scope, receive, send)
            return

        body, complete = await _read_body(receive)
        answer = None
        if complete:
            try:
                answer = await self._cast(match["slug"], authorization[7:].strip(), body)
            except _Fallback:
                answer = None
            except Exception:  # a database hiccup: the regular route will answer (or fail) properly
                log.exception("fast ballot path failed; handing over to the regular route")
                answer = None
        if answer is None:
            await self.app(scope, _replay(body, complete, receive), send)
            return
        self.state.bp_fast_ballots = getattr(self.state, "bp_fast_ballots", 0) + 1
        await _send_json(send, 201, answer)

    def _refresh_soon(self, cache: ContextCache, edition_id: int) -> None:
        if edition_id in self._refreshing:
            return
        self._refreshing.add(edition_id)
        factory = self.state.sessionmaker

        def rebuild() -> None:
            try:
                with factory() as session:
                    edition = session.get(Edition, edition_id)
                    if edition is not None:
                        cache.put(build_context(session, edition))
            finally:
                self._refreshing.discard(edition_id)

        asyncio.get_running_loop().run_in_executor(None, rebuild)

    async def _cast(self, slug: str, token: str, body: bytes) -> dict[str, Any]:
        claims = read_token(self.secret, token)
        cache: ContextCache | None = getattr(self.state, "bp_vote_cache", None)
        if claims is None or cache is None:
            raise _Fallback
        edition_id = cache.edition_id(slug)
        if edition_id is None:
            raise _Fallback
        choice = parse_choice(body)
        pool = await self._get_pool()
        # The lock and the read are the service's two statements (see :data:`service.SQL_OPEN_BOX`).
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(SQL_LOCK, {"k": LOCK_CLASS, "e": edition_id})
            cur = await conn.execute(SQL_OPEN, {"user": claims.user_id, "edition": edition_id, "slug": slug})
            try:
                # The service's rules of the fresh read: account, session, phase, identity document.
                state = check_box(
                    await cur.fetchone(), act=Act.vote, session_version=claims.session_version, fast=True
                )
            except (DomainError, HandOver) as exc:
                raise _Fallback from exc
            phase, changed_at = state.phase, state.phase_changed_at
            # Same phase change as the cached context: its rules hold. When it is older than the
            # cache's TTL, use it now and rebuild it beside (one rebuild at a time) rather than
            # sending a burst of requests down the slow path while it is rebuilt.
            ctx = cache.get(edition_id, slug, (phase, changed_at), stale_ok=True)
            if ctx is None:
                raise _Fallback
            if not cache.is_fresh(edition_id):
                self._refresh_soon(cache, edition_id)
            try:
                prepared = prepare(ctx, state.facts, choice, secret=self.secret, user_id=claims.user_id)
            except DomainError as exc:
                raise _Fallback from exc
            ballot = urn.row(
                edition_id=edition_id,
                envelope_id=prepared.envelope.id,
                choices=prepared.choices,
                channel="online",
                voting_point=None,
                receipt_hash=prepared.receipt_hash,
                slot=prepared.slot,
            )
            cur = await conn.execute(
                SQL_FIRST_BALLOT,
                {
                    **ballot,
                    "edition": edition_id,
                    "user": claims.user_id,
                    "envelope": prepared.envelope.id,
                    "now": utcnow(),
                },
            )
            if await cur.fetchone() is None:  # already voted: the regular route explains or revotes
                raise _Fallback
        return {"receipt": prepared.receipt, "envelope": prepared.envelope.code, "revote": False}


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The whole body, unless it is larger than MAX_BODY (then: what was read, False)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > MAX_BODY:
            return b"".join(chunks), False


def _replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A receive channel that first gives back the body already read, then the real channel
    (the rest of a large body, or the disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    content = json.dumps(payload, ensure_ascii=False).encode()
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"cache-control", b"no-store"),
        ],
    }
    add_security_headers(start)
    await send(start)
    await send({"type": "http.response.body", "body": content})
