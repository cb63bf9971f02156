"""`qp serve` sends the outbox itself (APP_OUTBOX_IN_PROCESS, on by default) so that `make run`
alone delivers notices; production turns it off and runs `qp worker`. The suite's apps do not
send behind a test's back."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from backend.app import create_app
from backend.config import Settings
from backend.notifications.models import OutboxStatus
from tests.conftest import TEST_SECRET
from tests.notifications.conftest import SmtpServer, committed_user, rows
from tests.notifications.test_worker import queue


def test_the_app_sends_the_outbox_in_a_thread_and_stops_it_on_shutdown(
    outbox: Engine, smtp_server: SmtpServer
) -> None:
    settings = Settings(
        env="test",
        database_url=outbox.url.render_as_string(hide_password=False),
        secret_key=TEST_SECRET,
        geocoder_enabled=False,
        mail_backend="smtp",
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        smtp_starttls=False,
        outbox_in_process=True,
        outbox_interval_s=0.05,
    )
    app = create_app(settings)
    with TestClient(app):
        worker = app.state.outbox_worker
        assert worker is not None and worker.alive
        queue(outbox, [committed_user(outbox)])
        deadline = time.monotonic() + 10
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    assert not worker.alive  # stopped and joined with the app
    assert len(smtp_server.messages) == 1 and smtp_server.messages[0]["Subject"].startswith(
        "Le vote est ouvert"
    )
    assert [r.status for r in rows(outbox)] == [OutboxStatus.sent]


def test_the_suites_app_does_not_send_unless_asked(app: FastAPI) -> None:
    assert app.state.settings.outbox_in_process is False
    with TestClient(app):
        assert app.state.outbox_worker is None


def test_in_process_sending_is_on_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_OUTBOX_IN_PROCESS")
    assert Settings(_env_file=None, env="test", secret_key=TEST_SECRET).outbox_in_process is True
