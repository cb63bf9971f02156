"""user login id (printed on the slip of people with no e-mail and no phone)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 21:01:59.201625
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("login_id", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_login_id"), ["login_id"])


def downgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_login_id"), type_="unique")
        batch_op.drop_column("login_id")
