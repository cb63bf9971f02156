"""Results tables: the follow-up of winning projects (realisations, milestones, subscriptions)
and the maintained counters behind the COPIL dashboard (voters by QPV and birth year).

A follow-up points at the decision it follows by (source, source_id): a budget proposal chosen
by the vote (`bp`, bp_proposal.id) or a granted FPH application (`fph`, fph_application.id).
The titles and amounts stay in the originating tables and are read from there.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel
from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.db import utc_field
from backend.models_common import Record, Recorded, actor_field, date_field, text_field

# bp: a winning budget participatif project (bp_proposal)
# fph: a granted FPH application (fph_application)
Source = StrEnum("Source", "bp fph")

RealisationStatus = StrEnum("RealisationStatus", "etudes travaux livre abandonne")


class Realisation(Record, table=True):
    """What became of one decision: status, progress, the service in charge."""

    __tablename__ = "results_realisation"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        CheckConstraint("status <> 'abandonne' OR reason <> ''", name="abandon_has_reason"),
        Index("ix_results_realisation_qpv_status", "qpv_id", "status"),
    )

    source: str = Field(max_length=10)
    source_id: int
    edition_id: int | None = Field(default=None, foreign_key="bp_edition.id", index=True)
    qpv_id: int | None = Field(default=None, foreign_key="qpv.id")
    status: str = Field(default=RealisationStatus.etudes, max_length=12)
    progress: int = 0  # percent
    service: str = Field(default="", max_length=200)  # the responsible service, public
    reason: str = text_field()  # why abandoned, public
    opened_by: str = actor_field()
    created_at: datetime = utc_field()
    updated_at: datetime = utc_field()


class Milestone(Recorded, Record, table=True):
    """A dated step of a realisation (« Début des travaux », « Inauguration »), with an optional photo."""

    __tablename__ = "results_milestone"
    __table_args__ = (Index("ix_results_milestone_realisation_on", "realisation_id", "happened_on"),)

    realisation_id: int = Field(foreign_key="results_realisation.id")
    happened_on: date = date_field()
    title: str = Field(max_length=160)
    text: str = text_field()
    photo: str | None = Field(default=None, max_length=80)  # file name under upload_dir/results
    status: str = Field(max_length=12)  # the realisation's status when the step was recorded
    progress: int = 0


class Subscription(Record, table=True):
    """A resident who wants an e-mail when a realisation moves on. Personal data."""

    __tablename__ = "results_subscription"
    __table_args__ = (UniqueConstraint("realisation_id", "user_id"),)

    realisation_id: int = Field(foreign_key="results_realisation.id", index=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    created_at: datetime = utc_field()


class VoterStat(Record, table=True):
    """Maintained counters: voters of an edition by envelope, QPV, age band and channel.

    Built from bp_voter and user_account by `backend.results.counters`, so the dashboard
    never joins a million voters with their accounts while a COPIL member waits. Ages are
    counted in the year the vote opened, so a voter's band never changes afterwards."""

    __tablename__ = "results_voter_stat"
    __table_args__ = (
        UniqueConstraint(
            "edition_id", "envelope_id", "qpv_code", "band", "channel", name="uq_results_voter_stat_key"
        ),
    )

    edition_id: int = Field(foreign_key="bp_edition.id", index=True)
    envelope_id: int
    qpv_code: str = Field(default="", max_length=12)  # "" when the voter's QPV is unknown
    band: str = Field(max_length=10)  # backend.results.bands keys, "inconnu" when unknown
    channel: str = Field(max_length=10)
    voters: int = 0


class VoterMark(SQLModel, table=True):
    """How far the counters of an edition have read bp_voter."""

    __tablename__ = "results_voter_mark"

    edition_id: int = Field(primary_key=True, foreign_key="bp_edition.id")
    last_voter_id: int = 0
    voters: int = 0
    rebuilt_at: datetime = utc_field()
    refreshed_at: datetime = utc_field()


# --- public schemas -------------------------------------------------------------------------


class MilestonePublic(BaseModel):
    happened_on: date
    title: str
    text: str
    status: str
    progress: int
    has_photo: bool


class RealisationPublic(BaseModel):
    id: int
    source: str
    source_id: int
    title: str
    qpv_code: str | None
    status: str
    progress: int
    service: str
    reason: str
    updated_at: datetime
    milestones: list[MilestonePublic]
