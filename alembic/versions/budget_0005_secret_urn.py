"""budget: the urn — ballots keyed by a random id, a slot only for the revote exception

Revision ID: budget_0005
Revises: budget_0004
Create Date: 2027-01-10 10:00:00

The table is rebuilt (read, dropped, created, filled in random-id order) rather than altered: the
primary key changes, SQLite stores it WITHOUT ROWID, and on PostgreSQL a fresh table leaves no trace
of the old insertion order. Existing ballots get a random id; their slot is kept only in editions
that allow a new vote (they could not tell online from paper ballots, so all of them keep it there),
and their channel is « unknown ».
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "budget_0005"
down_revision: str | Sequence[str] | None = "budget_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = ("slot", "edition_id", "envelope_id", "choices", "receipt_hash")


def _create_ballots() -> None:
    op.create_table(
        "bp_ballot",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("envelope_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("receipt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("voting_point", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("slot", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_ballot_edition_id_bp_edition")
        ),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["bp_envelope.id"], name=op.f("fk_bp_ballot_envelope_id_bp_envelope")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bp_ballot")),
        sa.UniqueConstraint("edition_id", "slot", name=op.f("uq_bp_ballot_edition_id_slot")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_bp_ballot_receipt_hash")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_bp_ballot_edition_envelope", "bp_ballot", ["edition_id", "envelope_id"], unique=False)


def upgrade() -> None:
    bind = op.get_bind()
    revote = {
        row[0] for row in bind.execute(sa.text("SELECT id FROM bp_edition WHERE revote_allowed")).all()
    }
    old = [dict(r._mapping) for r in bind.execute(sa.text(f"SELECT {', '.join(OLD)} FROM bp_ballot")).all()]
    op.drop_table("bp_ballot")
    _create_ballots()
    rows = [
        {
            "id": secrets.token_hex(16),
            "edition_id": r["edition_id"],
            "envelope_id": r["envelope_id"],
            "choices": r["choices"],
            "receipt_hash": r["receipt_hash"],
            "channel": "unknown",
            "voting_point": None,
            "slot": r["slot"] if r["edition_id"] in revote else None,
        }
        for r in old
    ]
    rows.sort(key=lambda r: r["id"])
    if rows:
        table = sa.table("bp_ballot", *(sa.column(c) for c in rows[0]))
        op.bulk_insert(table, rows)

    op.create_table(
        "bp_isoloir_used",
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_isoloir_used_edition_id_bp_edition")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_bp_isoloir_used")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    """Back to slot keys: ballots without a slot get their random id as slot (their voter cannot
    be found again, which is the point of this revision)."""
    op.drop_table("bp_isoloir_used")
    bind = op.get_bind()
    old = [
        dict(r._mapping)
        for r in bind.execute(
            sa.text("SELECT id, slot, edition_id, envelope_id, choices, receipt_hash FROM bp_ballot")
        ).all()
    ]
    op.drop_table("bp_ballot")
    op.create_table(
        "bp_ballot",
        sa.Column("slot", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("envelope_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("receipt_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"], ["bp_edition.id"], name=op.f("fk_bp_ballot_edition_id_bp_edition")
        ),
        sa.ForeignKeyConstraint(
            ["envelope_id"], ["bp_envelope.id"], name=op.f("fk_bp_ballot_envelope_id_bp_envelope")
        ),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_bp_ballot")),
        sa.UniqueConstraint("receipt_hash", name=op.f("uq_bp_ballot_receipt_hash")),
    )
    op.create_index("ix_bp_ballot_edition_envelope", "bp_ballot", ["edition_id", "envelope_id"], unique=False)
    rows = [{**{k: r[k] for k in OLD if k != "slot"}, "slot": r["slot"] or r["id"]} for r in old]
    if rows:
        table = sa.table("bp_ballot", *(sa.column(c) for c in rows[0]))
        op.bulk_insert(table, rows)
