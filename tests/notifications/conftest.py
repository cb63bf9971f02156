"""The worker's committed database (the outbox worker commits in its own transactions), the real SMTP
server of the accounts tests, and small builders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.pool import NullPool
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.db import make_engine, session_scope, utcnow
from backend.notifications.models import Notification, NotificationPreference, OutboxMessage
from tests.accounts.conftest import SmtpServer, smtp_server
from tests.factories import make_user

__all__ = ["SmtpServer", "smtp_server"]


@pytest.fixture(scope="module")
def worker_engine(committed_database_url: str) -> Iterator[Engine]:
    """The database where commits are real (not the tests' rolled-back one): the worker only sees
    committed messages."""
    engine = make_engine(committed_database_url, poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(worker_engine: Engine) -> Iterator[Engine]:
    """The worker's database with an empty outbox before and after the test."""

    def empty() -> None:
        with session_scope(worker_engine) as session:
            for model in (OutboxMessage, Notification, NotificationPreference):
                session.execute(delete(model))

    empty()
    yield worker_engine
    empty()


def committed_user(engine: Engine, **overrides: Any) -> int:
    with session_scope(engine) as session:
        return make_user(session, **overrides).id


def confirmed_phone(session: Session, phone: str, **overrides: Any) -> User:
    """A phone-only account with a confirmed number (as after the SMS code)."""
    return make_user(session, identifier=phone, phone_confirmed_at=utcnow(), **overrides)


def rows(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def notices(session: Session, user_id: int, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(session.exec(query.order_by(col(Notification.id))).all())


def queued(session: Session, user_id: int) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(col(OutboxMessage.id))
        ).all()
    )


def past(when: datetime) -> datetime:
    return when.replace(year=when.year - 1)
