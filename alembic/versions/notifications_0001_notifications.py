"""notifications

Revision ID: notifications_0001
Revises: 0001_schema
Create Date: 2026-12-06 23:59:36.709705
"""

from collections.abc import Sequence

from backend.migration_helpers import create_table, drop_tables, integer, json, ref, string, text, timestamp


revision: str = "notifications_0001"
down_revision: str | Sequence[str] | None = "0001_schema"
branch_labels: str | Sequence[str] | None = ("notifications",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table(
        "notification",
        ref("user_id", "user_account"),
        string("kind", 40),
        string("title", 200),
        text("body"),
        string("url", 300),
        string("dedupe_key", 120, nullable=True),
        timestamp("created_at"),
        timestamp("read_at", nullable=True),
        unique=[("user_id", "dedupe_key")],
        indexes={
            "ix_notification_user_read": ["user_id", "read_at"],
        },
    )
    create_table(
        "notification_preference",
        ref("user_id", "user_account", unique=True),
        string("language", 5),
        json("channels"),
        timestamp("updated_at"),
    )
    create_table(
        "outbox_message",
        ref("user_id", "user_account", nullable=True, index=True),
        string("channel", 10),
        string("recipient", 254),
        string("subject", 200),
        text("body"),
        string("url", 300),
        string("status", 10),
        integer("attempts"),
        timestamp("next_attempt_at"),
        timestamp("sent_at", nullable=True),
        string("last_error", 500, nullable=True),
        timestamp("created_at"),
        indexes={
            "ix_outbox_message_due": ["status", "next_attempt_at"],
        },
    )


def downgrade() -> None:
    drop_tables("notification", "notification_preference", "outbox_message")
