"""budget: printed ballot papers (code hashes only), the dépouillement of each voting point, and
the voting point of in-person ballots (for the reconciliation with the émargements)

Revision ID: budget_0006
Revises: budget_0005
Create Date: 2026-12-06 21:38:51.661431
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "budget_0006"
down_revision: str | Sequence[str] | None = "budget_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bp_depouillement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("voting_point", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("blank", sa.Integer(), nullable=False),
        sa.Column("spoiled", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("emargements", sa.Integer(), nullable=True),
        sa.Column("ballots", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_depouillement_edition_id_bp_edition")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bp_depouillement")),
        sa.UniqueConstraint(
            "edition_id", "voting_point", name=op.f("uq_bp_depouillement_edition_id_voting_point")
        ),
    )
    op.create_table(
        "bp_paper_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("envelope_id", sa.Integer(), nullable=False),
        sa.Column("voting_point", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("print_batch", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_paper_code_edition_id_bp_edition")
        ),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["bp_envelope.id"], name=op.f("fk_bp_paper_code_envelope_id_bp_envelope")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bp_paper_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_bp_paper_code_code_hash")),
    )
    with op.batch_alter_table("bp_paper_code", schema=None) as batch_op:
        batch_op.create_index("ix_bp_paper_code_edition_point", ["edition_id", "voting_point"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bp_paper_code", schema=None) as batch_op:
        batch_op.drop_index("ix_bp_paper_code_edition_point")

    op.drop_table("bp_paper_code")
    op.drop_table("bp_depouillement")
