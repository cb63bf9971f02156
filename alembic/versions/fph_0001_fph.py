"""fph

Revision ID: fph_0001
Revises: 0001
Create Date: 2026-11-22 00:17:53.154979
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = 'fph_0001'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = ('fph',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fph_fund',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('qpv_id', sa.Integer(), nullable=False),
    sa.Column('envelope_cents', sa.Integer(), nullable=False),
    sa.Column('granted_cents', sa.Integer(), nullable=False),
    sa.Column('pending_cents', sa.Integer(), nullable=False),
    sa.Column('cap_cents', sa.Integer(), nullable=False),
    sa.Column('max_share_pct', sa.Integer(), nullable=False),
    sa.Column('advance_pct', sa.Integer(), nullable=False),
    sa.Column('bilan_deadline_days', sa.Integer(), nullable=False),
    sa.Column('max_grants_per_holder', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('association_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('association_contact', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('advance_pct BETWEEN 0 AND 100', name=op.f('ck_fph_fund_advance_range')),
    sa.CheckConstraint('bilan_deadline_days >= 0', name=op.f('ck_fph_fund_deadline_positive')),
    sa.CheckConstraint('cap_cents > 0', name=op.f('ck_fph_fund_cap_positive')),
    sa.CheckConstraint('envelope_cents >= 0', name=op.f('ck_fph_fund_envelope_positive')),
    sa.CheckConstraint('granted_cents + pending_cents <= envelope_cents', name=op.f('ck_fph_fund_balance_not_negative')),
    sa.CheckConstraint('granted_cents >= 0 AND pending_cents >= 0', name=op.f('ck_fph_fund_totals_positive')),
    sa.CheckConstraint('max_grants_per_holder >= 1', name=op.f('ck_fph_fund_grants_per_holder_positive')),
    sa.CheckConstraint('max_share_pct BETWEEN 1 AND 100', name=op.f('ck_fph_fund_share_range')),
    sa.CheckConstraint('quorum >= 1', name=op.f('ck_fph_fund_quorum_positive')),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_fph_fund_qpv_id_qpv')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_fund'))
    )
    with op.batch_alter_table('fph_fund', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_fund_qpv_id'), ['qpv_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_fund_year'), ['year'], unique=False)

    op.create_table('fph_application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('qpv_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('holder_kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('association_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('association_rna', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('action_date', sa.Date(), nullable=True),
    sa.Column('action_end_date', sa.Date(), nullable=True),
    sa.Column('amount_asked_cents', sa.Integer(), nullable=False),
    sa.Column('reserved_cents', sa.Integer(), nullable=False),
    sa.Column('granted_cents', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('filed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_by_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('bilan_due_on', sa.Date(), nullable=True),
    sa.Column('bilan_status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.CheckConstraint('amount_asked_cents >= 0', name=op.f('ck_fph_application_asked_positive')),
    sa.CheckConstraint('granted_cents IS NULL OR granted_cents >= 0', name=op.f('ck_fph_application_granted_positive')),
    sa.CheckConstraint('reserved_cents >= 0', name=op.f('ck_fph_application_reserved_positive')),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_fph_application_created_by_user_id_user_account')),
    sa.ForeignKeyConstraint(['fund_id'], ['fph_fund.id'], name=op.f('fk_fph_application_fund_id_fph_fund')),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_fph_application_qpv_id_qpv')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_application'))
    )
    with op.batch_alter_table('fph_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_application_created_by_user_id'), ['created_by_user_id'], unique=False)
        batch_op.create_index('ix_fph_application_fund_status', ['fund_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_application_qpv_id'), ['qpv_id'], unique=False)

    op.create_table('fph_fund_qpv',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('qpv_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fph_fund.id'], name=op.f('fk_fph_fund_qpv_fund_id_fph_fund')),
    sa.ForeignKeyConstraint(['qpv_id'], ['qpv.id'], name=op.f('fk_fph_fund_qpv_qpv_id_qpv')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_fund_qpv')),
    sa.UniqueConstraint('fund_id', 'qpv_id', name=op.f('uq_fph_fund_qpv_fund_id_qpv_id')),
    sa.UniqueConstraint('qpv_id', 'year', name=op.f('uq_fph_fund_qpv_qpv_id_year'))
    )
    with op.batch_alter_table('fph_fund_qpv', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_fund_qpv_fund_id'), ['fund_id'], unique=False)

    op.create_table('fph_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('minutes_published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['fund_id'], ['fph_fund.id'], name=op.f('fk_fph_meeting_fund_id_fph_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_meeting'))
    )
    with op.batch_alter_table('fph_meeting', schema=None) as batch_op:
        batch_op.create_index('ix_fph_meeting_fund_starts', ['fund_id', 'starts_at'], unique=False)

    op.create_table('fph_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('voting', sa.Boolean(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("NOT voting OR kind = 'resident'", name=op.f('ck_fph_member_only_residents_vote')),
    sa.ForeignKeyConstraint(['fund_id'], ['fph_fund.id'], name=op.f('fk_fph_member_fund_id_fph_fund')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_fph_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_member'))
    )
    with op.batch_alter_table('fph_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_member_fund_id'), ['fund_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_member_user_id'), ['user_id'], unique=False)

    op.create_table('fph_agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('invited', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_agenda_item_application_id_fph_application')),
    sa.ForeignKeyConstraint(['meeting_id'], ['fph_meeting.id'], name=op.f('fk_fph_agenda_item_meeting_id_fph_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_agenda_item')),
    sa.UniqueConstraint('meeting_id', 'application_id', name=op.f('uq_fph_agenda_item_meeting_id_application_id'))
    )
    with op.batch_alter_table('fph_agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_agenda_item_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('fph_applicant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_lead', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_applicant_application_id_fph_application')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_fph_applicant_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_applicant')),
    sa.UniqueConstraint('application_id', 'user_id', name=op.f('uq_fph_applicant_application_id_user_id'))
    )
    with op.batch_alter_table('fph_applicant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_applicant_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_applicant_user_id'), ['user_id'], unique=False)

    op.create_table('fph_bilan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('participants_count', sa.Integer(), nullable=False),
    sa.Column('actual_expenses_cents', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_bilan_application_id_fph_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_bilan'))
    )
    with op.batch_alter_table('fph_bilan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_bilan_application_id'), ['application_id'], unique=False)

    op.create_table('fph_budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_cents >= 0', name=op.f('ck_fph_budget_line_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_budget_line_application_id_fph_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_budget_line'))
    )
    with op.batch_alter_table('fph_budget_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_budget_line_application_id'), ['application_id'], unique=False)

    op.create_table('fph_conflict',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_conflict_application_id_fph_application')),
    sa.ForeignKeyConstraint(['member_id'], ['fph_member.id'], name=op.f('fk_fph_conflict_member_id_fph_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_conflict')),
    sa.UniqueConstraint('application_id', 'member_id', name=op.f('uq_fph_conflict_application_id_member_id'))
    )
    with op.batch_alter_table('fph_conflict', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_conflict_application_id'), ['application_id'], unique=False)

    op.create_table('fph_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=False),
    sa.Column('votes_against', sa.Integer(), nullable=False),
    sa.Column('votes_abstain', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('ledger_seq', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents > 0', name=op.f('ck_fph_decision_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_decision_application_id_fph_application')),
    sa.ForeignKeyConstraint(['meeting_id'], ['fph_meeting.id'], name=op.f('fk_fph_decision_meeting_id_fph_meeting')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_decision')),
    sa.UniqueConstraint('application_id', 'meeting_id', name=op.f('uq_fph_decision_application_id_meeting_id'))
    )
    with op.batch_alter_table('fph_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_decision_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_decision_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('fph_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_fph_payment_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_payment_application_id_fph_application')),
    sa.ForeignKeyConstraint(['fund_id'], ['fph_fund.id'], name=op.f('fk_fph_payment_fund_id_fph_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_payment'))
    )
    with op.batch_alter_table('fph_payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_payment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_payment_fund_id'), ['fund_id'], unique=False)

    op.create_table('fph_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('bilan_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content_type', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['fph_application.id'], name=op.f('fk_fph_attachment_application_id_fph_application')),
    sa.ForeignKeyConstraint(['bilan_id'], ['fph_bilan.id'], name=op.f('fk_fph_attachment_bilan_id_fph_bilan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_attachment')),
    sa.UniqueConstraint('token', name=op.f('uq_fph_attachment_token'))
    )
    with op.batch_alter_table('fph_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_attachment_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fph_attachment_bilan_id'), ['bilan_id'], unique=False)

    op.create_table('fph_vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['fph_agenda_item.id'], name=op.f('fk_fph_vote_item_id_fph_agenda_item')),
    sa.ForeignKeyConstraint(['member_id'], ['fph_member.id'], name=op.f('fk_fph_vote_member_id_fph_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fph_vote')),
    sa.UniqueConstraint('item_id', 'member_id', name=op.f('uq_fph_vote_item_id_member_id'))
    )
    with op.batch_alter_table('fph_vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fph_vote_item_id'), ['item_id'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints on both databases.
    for table in (
        "fph_vote",
        "fph_attachment",
        "fph_payment",
        "fph_decision",
        "fph_conflict",
        "fph_budget_line",
        "fph_bilan",
        "fph_applicant",
        "fph_agenda_item",
        "fph_member",
        "fph_meeting",
        "fph_fund_qpv",
        "fph_application",
        "fph_fund",
    ):
        op.drop_table(table)
