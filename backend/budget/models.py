"""Budget participatif tables: editions, their calendar and envelopes, proposals and what
happens to them (reports, co-authors from merges, eligibility answers)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import JSON, Column, Date, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.accounts.levels import Level
from backend.db import utcnow


class PhaseKey(StrEnum):
    preparation = "preparation"  # set up by the administration, not public yet
    depot = "depot"
    instruction = "instruction"
    vote = "vote"
    resultats = "resultats"
    realisation = "realisation"


class TerritoryKind(StrEnum):
    commune = "commune"
    secteur = "secteur"
    qpv = "qpv"


class EnvelopeScope(StrEnum):
    qpv = "qpv"
    secteur = "secteur"


class BallotRule(StrEnum):
    approval = "approval"
    knapsack = "knapsack"
    majority_judgment = "majority_judgment"


class CountingRule(StrEnum):
    """Named as in pabulib (META ``rule``) so that `backend.counting.tally` can count them."""

    greedy = "greedy"
    greedy_no_skip = "greedy-no-skip"
    greedy_threshold = "greedy-threshold"
    equal_shares = "equalshares/add1"
    majority_judgment = "majority-judgment"


class ProposalStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"  # waiting for the table de quartier
    changes_requested = "changes_requested"
    published = "published"  # public, waiting for the eligibility instruction
    rejected = "rejected"  # by moderation (spam, abusive, off-topic)
    merged = "merged"  # into another proposal
    eligible = "eligible"
    eligible_after_changes = "eligible_after_changes"
    ineligible = "ineligible"


ELIGIBLE_STATUSES = (ProposalStatus.eligible, ProposalStatus.eligible_after_changes)
# Shown in public lists (hidden-by-reports proposals excepted).
PUBLIC_STATUSES = (
    ProposalStatus.published,
    ProposalStatus.rejected,
    ProposalStatus.merged,
    ProposalStatus.eligible,
    ProposalStatus.eligible_after_changes,
    ProposalStatus.ineligible,
)
# The author may still change the text.
EDITABLE_STATUSES = (ProposalStatus.draft, ProposalStatus.changes_requested)


class RejectCategory(StrEnum):
    spam = "spam"
    abusive = "abusive"
    off_topic = "off_topic"


class ReportReason(StrEnum):
    abusive = "abusive"
    duplicate = "duplicate"
    off_topic = "off_topic"


class Edition(SQLModel, table=True):
    __tablename__ = "bp_edition"

    id: int = Field(default=None, primary_key=True)
    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=160)
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    # « Périmètre de la concertation »: what residents decide, and what they do not.
    can_decide: str = Field(default="", sa_column=Column(Text, nullable=False))
    cannot_decide: str = Field(default="", sa_column=Column(Text, nullable=False))
    territory_kind: str = Field(max_length=20)
    territory_codes: str = Field(max_length=2000)  # comma-separated INSEE codes, secteur slugs or QPV codes
    envelope_scope: str = Field(max_length=20)
    themes: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    checklist: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cost_cap: int = 150_000
    operating_share_max: float = 0.05
    min_voting_age: int = 16
    ballot_rule: str = Field(default=BallotRule.approval, max_length=30)
    ballot_min: int = 1
    ballot_max: int | None = 5
    counting_rule: str = Field(default=CountingRule.greedy, max_length=30)
    counting_threshold: float | None = None  # votes a project needs, for greedy-threshold
    # Trust levels (backend.accounts.levels.Level) needed to act; the voter must also live in the territory.
    level_to_propose: int = Level.account
    level_to_support: int = Level.account  # for supports, when the platform has them
    level_to_vote: int = Level.account
    revote_allowed: bool = False
    report_threshold: int = 3  # reports that hide a proposal until a moderator reviews it
    phase: str = Field(default=PhaseKey.preparation, max_length=20)
    phase_changed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )

    @property
    def codes(self) -> list[str]:
        return [c for c in self.territory_codes.split(",") if c]

    @property
    def theme_labels(self) -> dict[str, str]:
        return {t["key"]: t["label"] for t in self.themes}


class EditionPhase(SQLModel, table=True):
    """The announced calendar: when each phase is planned. The actual phase is `Edition.phase`,
    changed by an administrator (and journaled)."""

    __tablename__ = "bp_edition_phase"
    __table_args__ = (UniqueConstraint("edition_id", "phase"),)

    id: int = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="bp_edition.id", index=True)
    phase: str = Field(max_length=20)
    starts_on: date = Field(sa_column=Column(Date, nullable=False))
    ends_on: date | None = Field(default=None, sa_column=Column(Date))


class Envelope(SQLModel, table=True):
    """Money for the projects of one QPV or one secteur; a ballot is scoped to one envelope."""

    __tablename__ = "bp_envelope"
    __table_args__ = (UniqueConstraint("edition_id", "scope_code"),)

    id: int = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="bp_edition.id", index=True)
    scope_kind: str = Field(max_length=20)
    scope_code: str = Field(max_length=60)  # QPV code or secteur slug
    label: str = Field(max_length=200)
    amount: int  # euros


class Proposal(SQLModel, table=True):
    __tablename__ = "bp_proposal"
    __table_args__ = (
        Index("ix_bp_proposal_edition_status", "edition_id", "status"),
        Index("ix_bp_proposal_envelope_status", "envelope_id", "status"),
    )

    id: int = Field(default=None, primary_key=True)
    edition_id: int = Field(foreign_key="bp_edition.id", index=True)
    qpv_id: int | None = Field(default=None, foreign_key="qpv.id", index=True)
    envelope_id: int | None = Field(default=None, foreign_key="bp_envelope.id")
    status: str = Field(default=ProposalStatus.draft, max_length=30)
    theme: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    location_text: str = Field(default="", max_length=300)
    location_lat: float | None = None
    location_lon: float | None = None
    photo: str | None = Field(default=None, max_length=80)  # file name under upload_dir/budget
    estimated_cost: int | None = None  # the author's estimate, euros
    operating_cost: int | None = None  # of which running costs (fonctionnement)
    # Author: an account, or only a name for a person met in person without an account.
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    author_label: str | None = Field(default=None, max_length=80)
    filed_by: str | None = Field(default=None, max_length=32)  # public_id of the moderator or agent
    filed_by_role: str | None = Field(default=None, max_length=30)
    # Moderation.
    moderation_message: str | None = Field(default=None, sa_column=Column(Text))  # to the author
    reject_category: str | None = Field(default=None, max_length=20)
    public_reason: str | None = Field(default=None, sa_column=Column(Text))
    merged_into_id: int | None = Field(default=None, foreign_key="bp_proposal.id")
    hidden_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    report_count: int = 0
    # Eligibility instruction.
    services_cost: int | None = None
    services_operating_cost: int | None = None
    eligibility_changes: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    published_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def vote_cost(self) -> int | None:
        """The cost a ballot shows: the services' estimate once instructed."""
        return self.services_cost if self.services_cost is not None else self.estimated_cost

    @property
    def reference(self) -> str:
        return f"n° {self.id}"


class EligibilityAnswer(SQLModel, table=True):
    """An agent's answer to one criterion of the edition's checklist; public."""

    __tablename__ = "bp_eligibility_answer"
    __table_args__ = (UniqueConstraint("proposal_id", "criterion"),)

    id: int = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="bp_proposal.id", index=True)
    criterion: str = Field(max_length=40)
    met: bool
    reason: str = Field(sa_column=Column(Text, nullable=False))
    answered_by: str = Field(max_length=32)
    answered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProposalReport(SQLModel, table=True):
    __tablename__ = "bp_report"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="bp_proposal.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    reason: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False))
    dismissed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ProposalCoauthor(SQLModel, table=True):
    """Authors credited on a proposal after a duplicate was merged into it."""

    __tablename__ = "bp_coauthor"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="bp_proposal.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    from_proposal_id: int = Field(foreign_key="bp_proposal.id")


# --- public schemas (JSON API, open data) ---------------------------------------------------


class EnvelopePublic(BaseModel):
    id: int
    scope_kind: str
    scope_code: str
    label: str
    amount: int


class EditionPublic(BaseModel):
    slug: str
    name: str
    phase: str
    territory_kind: str
    territory_codes: list[str]
    envelope_scope: str
    cost_cap: int
    min_voting_age: int
    ballot_rule: str
    ballot_min: int
    ballot_max: int | None
    counting_rule: str
    counting_threshold: float | None
    level_to_propose: int
    level_to_support: int
    level_to_vote: int
    revote_allowed: bool
    envelopes: list[EnvelopePublic]
    checklist: list[dict[str, str]]


class ProjectPublic(BaseModel):
    id: int
    title: str
    envelope_id: int | None
    qpv_code: str | None
    theme: str
    status: str
    cost: int | None
