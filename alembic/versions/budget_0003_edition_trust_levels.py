"""edition trust levels

Each edition says which trust level (backend.accounts.levels.Level: 1 account, 2 confirmed contact,
3 verified residence) is needed to propose, to support and to vote. Replaces ``vote_residence``:
"verified" becomes level_to_vote = 3, "declared" level 1 (the residence-in-territory rule stays).

Revision ID: budget_0003
Revises: budget_0002
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "budget_0003"
down_revision: str | Sequence[str] | None = "budget_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0002",)


def upgrade() -> None:
    with op.batch_alter_table("bp_edition", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level_to_propose", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("level_to_support", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("level_to_vote", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE bp_edition SET level_to_vote = 3 WHERE vote_residence = 'verified'")
    with op.batch_alter_table("bp_edition", schema=None) as batch_op:
        batch_op.alter_column("level_to_propose", server_default=None)
        batch_op.alter_column("level_to_support", server_default=None)
        batch_op.alter_column("level_to_vote", server_default=None)
        batch_op.drop_column("vote_residence")


def downgrade() -> None:
    with op.batch_alter_table("bp_edition", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "vote_residence",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="declared",
            )
        )
    op.execute("UPDATE bp_edition SET vote_residence = 'verified' WHERE level_to_vote >= 3")
    with op.batch_alter_table("bp_edition", schema=None) as batch_op:
        batch_op.alter_column("vote_residence", server_default=None)
        batch_op.drop_column("level_to_vote")
        batch_op.drop_column("level_to_support")
        batch_op.drop_column("level_to_propose")
