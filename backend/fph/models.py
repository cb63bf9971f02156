"""FPH tables. Money is integer cents; statuses are plain strings so that a later COPIL dashboard
or an open-data export can aggregate grants with plain SQL (fund year, QPV, status, amounts, dates).

The fund keeps two maintained totals, `granted_cents` and `pending_cents` (asked amounts of
applications waiting for a decision). A CHECK constraint keeps envelope − granted − pending ≥ 0,
so the balance cannot go negative whatever the application code does; services also lock the
fund row (SELECT … FOR UPDATE on PostgreSQL) to give a clear message instead of a constraint error.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field

from backend.db import UtcDateTime, utc_field
from backend.models_common import Record, Recorded, actor_field, date_field, text_field
from backend.models_common import VoteChoice as VoteChoice  # the choices of this domain's votes

# draft: kept for the holder, not seen by the committee, reserves nothing
# submitted: waiting for a committee; reserves the amount asked
# postponed: the committee asked for something; still reserves
# closed: bilan accepted, balance settled
ApplicationStatus = StrEnum("ApplicationStatus", "draft submitted postponed granted refused withdrawn closed")

WAITING = (ApplicationStatus.submitted, ApplicationStatus.postponed)
GRANTED = (ApplicationStatus.granted, ApplicationStatus.closed)


# group: at least two residents of the fund's QPV
HolderKind = StrEnum("HolderKind", "group association")

# resident: the only kind that votes
# institution: city, State, landlord…: non-voting
# gestionnaire: the managing association: runs meetings and payments, non-voting
MemberKind = StrEnum("MemberKind", "resident institution gestionnaire")

Outcome = StrEnum("Outcome", "granted refused postponed")

PaymentKind = StrEnum("PaymentKind", "advance balance")

BilanStatus = StrEnum("BilanStatus", "submitted accepted returned")

AttachmentKind = StrEnum("AttachmentKind", "receipt photo")

LineKind = StrEnum("LineKind", "expense resource")


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class Fund(Record, table=True):
    """A yearly fund for one QPV (or a group of QPV, see FundQpv)."""

    __tablename__ = "fph_fund"
    __table_args__ = (
        CheckConstraint("envelope_cents >= 0", name="envelope_positive"),
        CheckConstraint("granted_cents >= 0 AND pending_cents >= 0", name="totals_positive"),
        CheckConstraint("granted_cents + pending_cents <= envelope_cents", name="balance_not_negative"),
        CheckConstraint("cap_cents > 0", name="cap_positive"),
        CheckConstraint("max_share_pct BETWEEN 1 AND 100", name="share_range"),
        CheckConstraint("advance_pct BETWEEN 0 AND 100", name="advance_range"),
        CheckConstraint("quorum >= 1", name="quorum_positive"),
        CheckConstraint("bilan_deadline_days >= 0", name="deadline_positive"),
        CheckConstraint("max_grants_per_holder >= 1", name="grants_per_holder_positive"),
    )

    name: str = Field(max_length=200)
    year: int = Field(index=True)
    qpv_id: int = Field(foreign_key="qpv.id", index=True)  # main QPV: journal territory, scoping
    envelope_cents: int
    granted_cents: int = 0
    pending_cents: int = 0
    # The fund's rules: set from `service.funds.FundSettings`, where their defaults are written.
    cap_cents: int
    max_share_pct: int
    advance_pct: int
    bilan_deadline_days: int
    max_grants_per_holder: int
    quorum: int
    association_name: str = Field(max_length=200)
    association_contact: str = Field(default="", max_length=200)  # public contact of the association
    created_at: datetime = utc_field()

    @property
    def balance_cents(self) -> int:
        return self.envelope_cents - self.granted_cents - self.pending_cents


class FundQpv(Record, table=True):
    """Every QPV a fund serves (its main QPV included). A QPV has at most one fund a year."""

    __tablename__ = "fph_fund_qpv"
    __table_args__ = (UniqueConstraint("qpv_id", "year"), UniqueConstraint("fund_id", "qpv_id"))

    fund_id: int = Field(foreign_key="fph_fund.id", index=True)
    qpv_id: int = Field(foreign_key="qpv.id")
    year: int


class Member(Record, table=True):
    """Committee composition. Voting members are residents (and must also hold the
    fph_committee role on the QPV); institutions and the managing association never vote."""

    __tablename__ = "fph_member"
    __table_args__ = (CheckConstraint("NOT voting OR kind = 'resident'", name="only_residents_vote"),)

    fund_id: int = Field(foreign_key="fph_fund.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=20)
    voting: bool = False
    label: str = Field(default="", max_length=200)  # institution's public name ("Ville de Marseille")
    added_at: datetime = utc_field()
    ended_at: datetime | None = utc_field(nullable=True)


class Meeting(Record, table=True):
    __tablename__ = "fph_meeting"
    __table_args__ = (Index("ix_fph_meeting_fund_starts", "fund_id", "starts_at"),)

    fund_id: int = Field(foreign_key="fph_fund.id")
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    place: str = Field(max_length=200)
    minutes_published_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()

    @property
    def is_closed(self) -> bool:
        return self.minutes_published_at is not None

    @property
    def starts(self) -> datetime:
        """Aware UTC start (SQLite hands back naive values, stored as UTC)."""
        return as_utc(self.starts_at)


class Application(Record, table=True):
    __tablename__ = "fph_application"
    __table_args__ = (
        CheckConstraint("amount_asked_cents >= 0", name="asked_positive"),
        CheckConstraint("granted_cents IS NULL OR granted_cents >= 0", name="granted_positive"),
        CheckConstraint("reserved_cents >= 0", name="reserved_positive"),
        Index("ix_fph_application_fund_status", "fund_id", "status"),
    )

    fund_id: int = Field(foreign_key="fph_fund.id")
    qpv_id: int = Field(foreign_key="qpv.id", index=True)
    status: str = Field(default=ApplicationStatus.draft, max_length=20)
    holder_kind: str = Field(default=HolderKind.group, max_length=20)
    association_name: str = Field(default="", max_length=200)
    association_rna: str = Field(default="", max_length=12)  # W + 9 digits, optional
    title: str = Field(default="", max_length=120)  # public
    description: str = text_field()  # what
    audience: str = Field(default="", max_length=300)  # for whom
    place: str = Field(default="", max_length=200)  # where
    action_date: date | None = date_field(nullable=True)  # when
    action_end_date: date | None = date_field(nullable=True)
    amount_asked_cents: int = 0
    # What this application holds in the fund's pending total; the sum over a fund's
    # applications always equals Fund.pending_cents.
    reserved_cents: int = 0
    granted_cents: int | None = None  # decided amount; lowered to the final amount at bilan
    channel: str = Field(default="online", max_length=20)  # online, in_person
    filed_by: str | None = actor_field(nullable=True)  # public_id of a moderator/association
    created_by_user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    submitted_at: datetime | None = utc_field(nullable=True)
    decided_at: datetime | None = utc_field(nullable=True)
    bilan_due_on: date | None = date_field(nullable=True)
    bilan_status: str | None = Field(default=None, max_length=20)

    @property
    def reference(self) -> str:
        return f"FPH-{self.id:05d}"


class Applicant(Record, table=True):
    """The residents holding an application (the lead first); for an association, its contact."""

    __tablename__ = "fph_applicant"
    __table_args__ = (UniqueConstraint("application_id", "user_id"),)

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    is_lead: bool = False


class BudgetLine(Record, table=True):
    __tablename__ = "fph_budget_line"
    __table_args__ = (CheckConstraint("amount_cents >= 0", name="amount_positive"),)

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    kind: str = Field(max_length=20)
    label: str = Field(max_length=200)
    amount_cents: int
    position: int = 0


class AgendaItem(Record, table=True):
    __tablename__ = "fph_agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "application_id"),)

    meeting_id: int = Field(foreign_key="fph_meeting.id", index=True)
    application_id: int = Field(foreign_key="fph_application.id", index=True)
    position: int = 0
    invited: bool = False  # the holders are invited to present their project


class MemberConflict(Record, table=True):
    """A member linked to an application (declared, or automatic for its holders) does not vote on it."""

    __tablename__ = "fph_conflict"
    __table_args__ = (UniqueConstraint("application_id", "member_id"),)

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    member_id: int = Field(foreign_key="fph_member.id")
    declared_at: datetime = utc_field()


class Vote(Recorded, Record, table=True):
    """A member's vote on an agenda item, recorded by the member, or by the secretary for a show of hands."""

    __tablename__ = "fph_vote"
    __table_args__ = (UniqueConstraint("item_id", "member_id"),)

    item_id: int = Field(foreign_key="fph_agenda_item.id", index=True)
    member_id: int = Field(foreign_key="fph_member.id")
    choice: str = Field(max_length=20)


class Decision(Record, table=True):
    """The committee's outcome for one application at one meeting (public, without names)."""

    __tablename__ = "fph_decision"
    __table_args__ = (
        UniqueConstraint("application_id", "meeting_id"),
        CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount_positive"),
    )

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    meeting_id: int = Field(foreign_key="fph_meeting.id", index=True)
    outcome: str = Field(max_length=20)
    amount_cents: int | None = None
    reason: str = text_field(...)
    votes_for: int = 0
    votes_against: int = 0
    votes_abstain: int = 0
    quorum: int
    decided_at: datetime = utc_field()
    decided_by: str = actor_field()
    ledger_seq: int | None = None


class Payment(Recorded, Record, table=True):
    __tablename__ = "fph_payment"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    fund_id: int = Field(foreign_key="fph_fund.id", index=True)
    kind: str = Field(max_length=20)
    amount_cents: int
    paid_on: date = date_field()
    reference: str = Field(max_length=100)  # bank transfer or cheque reference


class Bilan(Record, table=True):
    """One submission of the report after the action; a returned bilan is followed by a new one."""

    __tablename__ = "fph_bilan"

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    status: str = Field(default=BilanStatus.submitted, max_length=20)
    narrative: str = text_field(...)
    participants_count: int
    actual_expenses_cents: int
    submitted_at: datetime = utc_field()
    submitted_by: str = actor_field()
    reviewed_at: datetime | None = utc_field(nullable=True)
    reviewed_by: str | None = actor_field(nullable=True)
    review_reason: str = text_field()


class Attachment(Record, table=True):
    """A receipt or photo; the file lives under settings.upload_dir with a random name and is
    only served after a permission check."""

    __tablename__ = "fph_attachment"

    application_id: int = Field(foreign_key="fph_application.id", index=True)
    bilan_id: int | None = Field(default=None, foreign_key="fph_bilan.id", index=True)
    kind: str = Field(max_length=20)
    token: str = Field(max_length=64, unique=True)
    original_name: str = Field(max_length=200)
    content_type: str = Field(max_length=50)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by: str = actor_field()
    uploaded_at: datetime = utc_field()
