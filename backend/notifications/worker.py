"""The outbox worker (`qp worker`): sends queued e-mails and SMS off the request, and runs the
processes' due reminders.

A batch is claimed in a short transaction — rows locked with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, the write lock taken by ``BEGIN IMMEDIATE`` on SQLite — and leased: its next attempt
moves past the time a batch takes, so another worker skips it while it is being sent. The results
are written in a second transaction: sent, retried later (growing delays) or failed."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from backend.db import session_scope, utcnow
from backend.mail import Mail, Mailer
from backend.notifications.models import Channel, OutboxMessage, OutboxStatus
from backend.processes import Registry
from backend.sms import Sms, SmsSender

log = logging.getLogger("qp.notifications")

BATCH = 50
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8… minutes after the attempts made so far."""
    return FIRST_RETRY * int(2 ** max(attempts - 1, 0))


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    url: str


@dataclass
class BatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def claim(engine: Engine, limit: int = BATCH, now: datetime | None = None) -> list[Claimed]:
    """Take up to `limit` due messages for this worker (leased, counted as an attempt)."""
    now = now or utcnow()
    with session_scope(engine) as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.pending, col(OutboxMessage.next_attempt_at) <= now)
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.exec(query).all())
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            session.add(row)
        return [Claimed(r.id, r.channel, r.recipient, r.subject, r.body, r.url) for r in rows]


def _deliver(message: Claimed, mailer: Mailer, sms: SmsSender, base_url: str) -> None:
    if message.channel == Channel.email:
        body = message.body
        if message.url:
            body = f"{body}\n{base_url.rstrip('/')}{message.url}"
        mailer.send(Mail(to=message.recipient, subject=message.subject, body=body))
    else:
        sms.send(Sms(to=message.recipient, text=message.body))


def send_batch(
    engine: Engine, mailer: Mailer, sms: SmsSender, base_url: str, *, limit: int = BATCH
) -> BatchResult:
    """Claim one batch, send it, record what happened."""
    claimed = claim(engine, limit)
    errors: dict[int, str | None] = {}
    for message in claimed:
        try:
            _deliver(message, mailer, sms, base_url)
            errors[message.id] = None
        except Exception as exc:  # noqa: BLE001 - any failure of a backend is retried, then recorded
            # The class and text only: never the message itself (it may carry a code).
            errors[message.id] = f"{type(exc).__name__}: {exc}"[:500]
            log.warning("outbox message %s not sent: %s", message.id, type(exc).__name__)
    result = BatchResult()
    with session_scope(engine) as session:
        now = utcnow()
        for message_id, error in errors.items():
            row = session.get(OutboxMessage, message_id)
            if row is None:  # erased with its account meanwhile
                continue
            if error is None:
                row.status, row.sent_at, row.last_error = OutboxStatus.sent, now, None
                result.sent += 1
            elif row.attempts >= MAX_ATTEMPTS:
                row.status, row.last_error = OutboxStatus.failed, error
                result.failed += 1
            else:
                row.next_attempt_at, row.last_error = now + retry_delay(row.attempts), error
                result.retried += 1
            session.add(row)
    return result


def run_reminders(engine: Engine, registry: Registry, now: datetime | None = None) -> int:
    """Every process's due reminders, each in its own transaction; they skip people already
    reminded, so running them again tells nobody twice. Returns how many people were told."""
    now = now or utcnow()
    told = 0
    for reminder in registry.reminders():
        with session_scope(engine) as session:
            told += reminder(session, now)
    return told


def run(
    engine: Engine,
    registry: Registry,
    mailer: Mailer,
    sms: SmsSender,
    base_url: str,
    *,
    once: bool = False,
    interval_s: float = 30.0,
    stop: threading.Event | None = None,
) -> BatchResult:
    """Reminders, then batches until the outbox has nothing due; with `once`, stop there
    (tests, cron), else wait `interval_s` and start again — until `stop` is set. Returns the
    last round's totals."""
    stop = stop or threading.Event()
    while True:
        run_reminders(engine, registry)
        total = BatchResult()
        while True:
            batch = send_batch(engine, mailer, sms, base_url)
            total.sent, total.retried, total.failed = (
                total.sent + batch.sent,
                total.retried + batch.retried,
                total.failed + batch.failed,
            )
            if batch.sent + batch.retried + batch.failed < BATCH:
                break
        if once or stop.wait(interval_s):
            return total


class InProcessWorker:
    """The outbox loop inside `qp serve` (APP_OUTBOX_IN_PROCESS): `run` in a daemon thread,
    stopped and joined at shutdown. A failed round is logged and tried again next time."""

    def __init__(
        self,
        engine: Engine,
        registry: Registry,
        mailer: Mailer,
        sms: SmsSender,
        base_url: str,
        interval_s: float,
    ) -> None:
        self._args = (engine, registry, mailer, sms, base_url)
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="qp-outbox", daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                run(*self._args, interval_s=self._interval_s, stop=self._stop)
            except Exception:  # noqa: BLE001 - the web process must outlive a bad round
                log.exception("outbox round failed")
                self._stop.wait(self._interval_s)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()
