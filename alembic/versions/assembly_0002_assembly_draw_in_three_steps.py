"""assembly: the draw in three journaled steps (pool frozen, then seed fixed in public, then drawn)

Revision ID: assembly_0002
Revises: assembly_0001
Create Date: 2026-11-22 00:57:52.408412
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'assembly_0002'
down_revision: str | Sequence[str] | None = 'assembly_0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('assembly_draw', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_frozen_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column('pool_frozen_at', sa.DateTime(timezone=True), nullable=True))
    # Draws made before this revision froze the pool and fixed the seed in one step.
    op.execute("UPDATE assembly_draw SET pool_frozen_by = seed_fixed_by, pool_frozen_at = seed_fixed_at")
    with op.batch_alter_table('assembly_draw', schema=None) as batch_op:
        batch_op.alter_column('pool_frozen_by', existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.alter_column('pool_frozen_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('seed', existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.alter_column('seed_fixed_by', existing_type=sa.VARCHAR(length=32), nullable=True)
        batch_op.alter_column('seed_fixed_at', existing_type=sa.DateTime(timezone=True), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM assembly_draw WHERE seed IS NULL")
    with op.batch_alter_table('assembly_draw', schema=None) as batch_op:
        batch_op.alter_column('seed_fixed_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('seed_fixed_by', existing_type=sa.VARCHAR(length=32), nullable=False)
        batch_op.alter_column('seed', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column('pool_frozen_at')
        batch_op.drop_column('pool_frozen_by')
