"""In-app notifications, the outbox of e-mails and SMS to send, and each person's preferences."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from backend.db import utc_field
from backend.models_common import Record, json_field, text_field

Channel = StrEnum("Channel", "email sms")

OutboxStatus = StrEnum("OutboxStatus", "pending sent failed")


class Notification(Record, table=True):
    """One notice in a person's notification centre, in their language."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        # A reminder is written once per person (the worker may run it again and again).
        UniqueConstraint("user_id", "dedupe_key"),
    )

    user_id: int = Field(foreign_key="user_account.id")
    kind: str = Field(max_length=40)
    title: str = Field(max_length=200)
    body: str = text_field()
    url: str = Field(default="", max_length=300)
    dedupe_key: str | None = Field(default=None, max_length=120)
    created_at: datetime = utc_field()
    read_at: datetime | None = utc_field(nullable=True)


class OutboxMessage(Record, table=True):
    """An e-mail or SMS waiting for the worker (`qp worker`), sent after the transaction that
    queued it has committed: nobody hears of a change that was rolled back."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    channel: str = Field(max_length=10)
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=200)
    body: str = text_field()
    url: str = Field(default="", max_length=300)  # the e-mail ends with it, made absolute when sent
    status: str = Field(default=OutboxStatus.pending, max_length=10)
    attempts: int = 0
    next_attempt_at: datetime = utc_field()
    sent_at: datetime | None = utc_field(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = utc_field()


class NotificationPreference(Record, table=True):
    """Which channels a person wants for which kinds (missing kinds: the defaults) and the
    language of their messages. In-app notices are always written."""

    __tablename__ = "notification_preference"

    user_id: int = Field(foreign_key="user_account.id", unique=True)
    language: str = Field(default="fr", max_length=5)
    channels: dict[str, list[str]] = json_field(dict)
    updated_at: datetime = utc_field()
