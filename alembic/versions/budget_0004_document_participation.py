"""budget: one identity document takes part once per edition

Revision ID: budget_0004
Revises: budget_0003
Create Date: 2026-12-06 21:01:59.201625
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "budget_0004"
down_revision: str | Sequence[str] | None = "budget_0003"
branch_labels: str | Sequence[str] | None = None
# user_account.id_document_hash, read by the one-document check, comes with the foundation's 0002.
depends_on: str | Sequence[str] | None = "0002"


def upgrade() -> None:
    op.create_table(
        "bp_document_participation",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("document_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_document_participation_edition_id_bp_edition")
        ),
        sa.PrimaryKeyConstraint("edition_id", "document_hash", name=op.f("pk_bp_document_participation")),
    )


def downgrade() -> None:
    op.drop_table("bp_document_participation")
