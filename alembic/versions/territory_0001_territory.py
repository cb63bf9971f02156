"""territory

Revision ID: territory_0001
Revises: 0001_schema
Create Date: 2026-12-07 01:11:31.849811
"""

from collections.abc import Sequence

from backend.migration_helpers import create_table, drop_tables, ref, string, timestamp


revision: str = "territory_0001"
down_revision: str | Sequence[str] | None = "0001_schema"
branch_labels: str | Sequence[str] | None = ("territory",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table(
        "qpv_contact",
        ref("qpv_id", "qpv", unique=True),
        string("name", 200),
        string("email", 254),
        string("phone", 40),
        string("place", 300),
        string("hours", 500),
        timestamp("updated_at"),
        string("updated_by", 32),
    )


def downgrade() -> None:
    drop_tables("qpv_contact")
