"""Budget participatif tables: editions, their calendar and envelopes, proposals and what
happens to them (reports, co-authors from merges, eligibility answers)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field

from backend.accounts.levels import Level
from backend.db import utc_field
from backend.models_common import Answered, Created, Record, actor_field, date_field, json_field, text_field

# preparation: set up by the administration, not public yet
PhaseKey = StrEnum("PhaseKey", "preparation depot instruction vote resultats realisation")

TerritoryKind = StrEnum("TerritoryKind", "commune secteur qpv")

EnvelopeScope = StrEnum("EnvelopeScope", "qpv secteur")

BallotRule = StrEnum("BallotRule", "approval knapsack majority_judgment")


class CountingRule(StrEnum):
    """Named as in pabulib (META ``rule``) so that `backend.counting.tally` can count them."""

    greedy = "greedy"
    greedy_no_skip = "greedy-no-skip"
    greedy_threshold = "greedy-threshold"
    equal_shares = "equalshares/add1"
    majority_judgment = "majority-judgment"


# submitted: waiting for the table de quartier
# published: public, waiting for the eligibility instruction
# rejected: by moderation (spam, abusive, off-topic)
# merged: into another proposal
ProposalStatus = StrEnum(
    "ProposalStatus",
    "draft submitted changes_requested published rejected merged eligible eligible_after_changes ineligible",
)

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


RejectCategory = StrEnum("RejectCategory", "spam abusive off_topic")

ReportReason = StrEnum("ReportReason", "abusive duplicate off_topic")


class Edition(Created, Record, table=True):
    __tablename__ = "bp_edition"

    slug: str = Field(max_length=80, unique=True)
    name: str = Field(max_length=160)
    summary: str = text_field()
    # « Périmètre de la concertation »: what residents decide, and what they do not.
    can_decide: str = text_field()
    cannot_decide: str = text_field()
    territory_kind: str = Field(max_length=20)
    territory_codes: str = Field(max_length=2000)  # comma-separated INSEE codes, secteur slugs or QPV codes
    envelope_scope: str = Field(max_length=20)
    themes: list[dict[str, str]] = json_field(list)
    checklist: list[dict[str, str]] = json_field(list)
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
    phase_changed_at: datetime | None = utc_field(nullable=True)

    @property
    def codes(self) -> list[str]:
        return [c for c in self.territory_codes.split(",") if c]

    @property
    def theme_labels(self) -> dict[str, str]:
        return {t["key"]: t["label"] for t in self.themes}


class EditionPart(Record):
    """A row that belongs to one edition (indexed: an edition's rows are read together)."""

    edition_id: int = Field(foreign_key="bp_edition.id", index=True)


class EditionPhase(EditionPart, table=True):
    """The announced calendar: when each phase is planned. The actual phase is `Edition.phase`,
    changed by an administrator (and journaled)."""

    __tablename__ = "bp_edition_phase"
    __table_args__ = (UniqueConstraint("edition_id", "phase"),)

    phase: str = Field(max_length=20)
    starts_on: date = date_field()
    ends_on: date | None = date_field(nullable=True)


class Envelope(EditionPart, table=True):
    """Money for the projects of one QPV or one secteur; a ballot is scoped to one envelope."""

    __tablename__ = "bp_envelope"
    __table_args__ = (UniqueConstraint("edition_id", "scope_code"),)

    scope_kind: str = Field(max_length=20)
    scope_code: str = Field(max_length=60)  # QPV code or secteur slug
    label: str = Field(max_length=200)
    amount: int  # euros


class Proposal(EditionPart, table=True):
    __tablename__ = "bp_proposal"
    __table_args__ = (
        Index("ix_bp_proposal_edition_status", "edition_id", "status"),
        Index("ix_bp_proposal_envelope_status", "envelope_id", "status"),
    )

    qpv_id: int | None = Field(default=None, foreign_key="qpv.id", index=True)
    envelope_id: int | None = Field(default=None, foreign_key="bp_envelope.id")
    status: str = Field(default=ProposalStatus.draft, max_length=30)
    theme: str = Field(default="", max_length=40)
    title: str = Field(default="", max_length=120)
    description: str = text_field()
    location_text: str = Field(default="", max_length=300)
    location_lat: float | None = None
    location_lon: float | None = None
    photo: str | None = Field(default=None, max_length=80)  # file name under upload_dir/budget
    estimated_cost: int | None = None  # the author's estimate, euros
    operating_cost: int | None = None  # of which running costs (fonctionnement)
    # Author: an account, or only a name for a person met in person without an account.
    author_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    author_label: str | None = Field(default=None, max_length=80)
    filed_by: str | None = actor_field(nullable=True)  # public_id of the moderator or agent
    filed_by_role: str | None = Field(default=None, max_length=30)
    # Moderation.
    moderation_message: str | None = text_field(None)  # to the author
    reject_category: str | None = Field(default=None, max_length=20)
    public_reason: str | None = text_field(None)
    merged_into_id: int | None = Field(default=None, foreign_key="bp_proposal.id")
    hidden_at: datetime | None = utc_field(nullable=True)
    report_count: int = 0
    # Eligibility instruction.
    services_cost: int | None = None
    services_operating_cost: int | None = None
    eligibility_changes: str | None = text_field(None)
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()
    submitted_at: datetime | None = utc_field(nullable=True)
    published_at: datetime | None = utc_field(nullable=True)
    decided_at: datetime | None = utc_field(nullable=True)

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


class EligibilityAnswer(Answered, Record, table=True):
    """An agent's answer to one criterion of the edition's checklist; public."""

    __tablename__ = "bp_eligibility_answer"
    __table_args__ = (UniqueConstraint("proposal_id", "criterion"),)

    proposal_id: int = Field(foreign_key="bp_proposal.id", index=True)
    criterion: str = Field(max_length=40)
    met: bool
    reason: str = text_field(...)


class ProposalReport(Record, table=True):
    __tablename__ = "bp_report"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    proposal_id: int = Field(foreign_key="bp_proposal.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    reason: str = Field(max_length=20)
    at: datetime = utc_field()
    dismissed_at: datetime | None = utc_field(nullable=True)


class ProposalCoauthor(Record, table=True):
    """Authors credited on a proposal after a duplicate was merged into it."""

    __tablename__ = "bp_coauthor"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

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
