"""The outbox worker: a real SMTP server, Brevo behind httpx.MockTransport, retries and failures,
and two workers on PostgreSQL that never send a message twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from backend.config import Settings
from backend.db import session_scope, utcnow
from backend.mail import SmtpMailer
from backend.notifications import notify
from backend.notifications.models import OutboxMessage, OutboxStatus
from backend.notifications.worker import MAX_ATTEMPTS, run, send_batch
from backend.processes import Registry
from backend.sms import BrevoSms, ConsoleSms
from tests.notifications.conftest import SmtpServer, committed_user, rows

BASE = "https://qp.example.org"
PARAMS = {"edition": "Budget 2026"}


def mailer(server: SmtpServer) -> SmtpMailer:
    return SmtpMailer(Settings(env="test", smtp_host=server.host, smtp_port=server.port, smtp_starttls=False))


def brevo(handler: httpx.MockTransport) -> BrevoSms:
    return BrevoSms("cle", "Quartiers", url="https://api.brevo.test/sms", transport=handler)


def queue(engine: Engine, user_ids: list[int]) -> None:
    with session_scope(engine) as session:
        notify(session, user_ids, "vote_open", params=PARAMS, url="/budget-participatif/bp-2026")


def make_due(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_email_goes_through_smtp_and_sms_through_brevo(outbox: Engine, smtp_server: SmtpServer) -> None:
    by_mail = committed_user(outbox)
    by_sms = committed_user(outbox, identifier="06 44 55 66 77", phone_confirmed_at=utcnow())
    queue(outbox, [by_mail, by_sms])
    texts: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        texts.append(request.content)
        return httpx.Response(201, json={"messageId": 1})

    result = send_batch(outbox, mailer(smtp_server), brevo(httpx.MockTransport(handler)), BASE)
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    (mail,) = smtp_server.messages
    assert mail["Subject"] == "Le vote est ouvert : Budget 2026"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and f"{BASE}/budget-participatif/bp-2026" in body.get_content()
    assert len(texts) == 1 and b"33644556677" in texts[0] and b"Budget 2026" in texts[0]
    assert [r.status for r in rows(outbox)] == [OutboxStatus.sent, OutboxStatus.sent]
    # Nothing is due any more: a second pass sends nothing again.
    again = send_batch(outbox, mailer(smtp_server), brevo(httpx.MockTransport(handler)), BASE)
    assert (again.sent, len(smtp_server.messages), len(texts)) == (0, 1, 1)


def test_a_failure_is_retried_later_then_marked_failed(outbox: Engine) -> None:
    user = committed_user(outbox, identifier="06 44 55 66 78", phone_confirmed_at=utcnow())
    queue(outbox, [user])
    answers = iter([503, 201])

    def flaky(request: httpx.Request) -> httpx.Response:
        return httpx.Response(next(answers), json={"code": "busy"})

    sms = brevo(httpx.MockTransport(flaky))
    first = send_batch(outbox, ConsoleSms(), sms, BASE)  # type: ignore[arg-type]
    assert first.retried == 1
    (row,) = rows(outbox)
    assert row.status == OutboxStatus.pending and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)  # backoff: not due yet
    assert send_batch(outbox, ConsoleSms(), sms, BASE).sent == 0  # type: ignore[arg-type]
    make_due(outbox)
    assert send_batch(outbox, ConsoleSms(), sms, BASE).sent == 1  # type: ignore[arg-type]
    (row,) = rows(outbox)
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.sent, 2, None)

    queue(outbox, [user])
    down = brevo(httpx.MockTransport(lambda request: httpx.Response(500)))
    for _ in range(MAX_ATTEMPTS):
        make_due(outbox)
        send_batch(outbox, ConsoleSms(), down, BASE)  # type: ignore[arg-type]
    last = rows(outbox)[-1]
    assert (last.status, last.attempts) == (OutboxStatus.failed, MAX_ATTEMPTS)


def test_run_once_sends_everything_due_and_runs_reminders(outbox: Engine, smtp_server: SmtpServer) -> None:
    users = [committed_user(outbox) for _ in range(3)]
    queue(outbox, users)
    calls: list[int] = []

    def reminder(session: Session, now: object) -> int:
        calls.append(1)
        return 0

    from backend.processes import ProcessKind

    kind = ProcessKind(key="x", label="x", summary="x", url="/x", routers=tuple, reminders=(reminder,))
    result = run(outbox, Registry((kind,)), mailer(smtp_server), ConsoleSms(), BASE, once=True)
    assert result.sent == 3 and len(smtp_server.messages) == 3 and calls == [1]


@pytest.mark.postgres
def test_two_workers_never_send_the_same_message_twice(
    postgres_only: None, outbox: Engine, smtp_server: SmtpServer
) -> None:
    users = [committed_user(outbox) for _ in range(24)]
    queue(outbox, users)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while send_batch(outbox, mailer(smtp_server), ConsoleSms(), BASE, limit=3).sent:
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    recipients = [m["To"] for m in smtp_server.messages]
    assert len(recipients) == 24 and len(set(recipients)) == 24
    assert all(r.status == OutboxStatus.sent and r.attempts == 1 for r in rows(outbox))


def test_qp_worker_once_sends_through_the_configured_smtp(outbox: Engine, smtp_server: SmtpServer) -> None:
    from typer.testing import CliRunner

    from backend.cli import app

    queue(outbox, [committed_user(outbox)])
    env = {
        "DATABASE_URL": outbox.url.render_as_string(hide_password=False),
        "APP_ENV": "test",
        "APP_MAIL_BACKEND": "smtp",
        "APP_SMTP_HOST": smtp_server.host,
        "APP_SMTP_PORT": str(smtp_server.port),
        "APP_SMTP_STARTTLS": "false",
    }
    result = CliRunner().invoke(app, ["worker", "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert "envoyés : 1" in result.output and len(smtp_server.messages) == 1
