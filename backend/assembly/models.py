"""Assemblée Citoyenne des Quartiers: saisine, quotas, recruitment, draw, panel, work, avis, answers."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field

from backend.db import UtcDateTime, utc_field
from backend.models_common import Answered, Created, Record, actor_field, date_field, json_field, text_field
from backend.models_common import VoteChoice as VoteChoice  # the choices of this domain's votes


def new_salt() -> str:
    return secrets.token_hex(16)


# recruiting: volunteers register
# pool_frozen: recruitment closed, pseudonymised pool published with its hash
# seed_fixed: seed fixed in public from witnesses' values: the draw can run
# drawn: the panel is known; the assembly works
# avis_published: the avis is handed to the COPIL
SaisineStatus = StrEnum("SaisineStatus", "recruiting pool_frozen seed_fixed drawn avis_published")

# code: only people holding an invitation letter's code
# open: anyone living in the territory (a code, if any, is used too)
RegistrationMode = StrEnum("RegistrationMode", "code open")

# choice: the volunteer picks one feature (gender, age band, diploma, housing…)
# secteur: derived from the volunteer's QPV
# qpv: derived from the volunteer's QPV
CategoryKind = StrEnum("CategoryKind", "choice secteur qpv")

VolunteerStatus = StrEnum("VolunteerStatus", "registered withdrawn")

MemberStatus = StrEnum("MemberStatus", "active withdrawn")

RecommendationStatus = StrEnum("RecommendationStatus", "draft voting adopted rejected")

# adopted: retenue telle quelle
# adapted: retenue avec des changements
# rejected: non retenue
AnswerDecision = StrEnum("AnswerDecision", "adopted adapted rejected")

FollowUpStatus = StrEnum("FollowUpStatus", "planned in_progress done abandoned")


class Saisine(Created, Record, table=True):
    """A question the COPIL refers to a panel of residents drawn by lot."""

    __tablename__ = "assembly_saisine"

    title: str = Field(max_length=200)
    question: str = text_field()
    context: str = text_field()
    commune_insee: str = Field(max_length=5, index=True)  # the territory: every QPV of this commune
    panel_size: int
    avis_deadline: date = date_field()
    registration_mode: str = Field(default=RegistrationMode.open, max_length=10)
    registration_deadline: date | None = date_field(nullable=True)
    # Personal data of volunteers is erased after this date (announced when they register).
    retention_until: date = date_field()
    adoption_threshold_pct: int = 50  # adopted when "pour" > this % of the votes pour + contre
    quorum_pct: int = 50  # at least this % of the active members must vote
    # Secret key for pseudonymising households in the public pool file; never published.
    household_salt: str = Field(default_factory=new_salt, max_length=64)
    status: str = Field(default=SaisineStatus.recruiting, max_length=20)
    avis_intro: str = text_field()
    avis_published_at: datetime | None = utc_field(nullable=True)


class QuotaCategory(Record, table=True):
    __tablename__ = "assembly_category"
    __table_args__ = (UniqueConstraint("saisine_id", "key"),)

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    key: str = Field(max_length=40)  # column name in the public pool file
    label: str = Field(max_length=120)
    question: str = Field(default="", max_length=200)  # how the registration form asks it
    kind: str = Field(default=CategoryKind.choice, max_length=10)
    position: int = 0


class QuotaFeature(Record, table=True):
    __tablename__ = "assembly_feature"
    __table_args__ = (UniqueConstraint("category_id", "key"),)

    category_id: int = Field(foreign_key="assembly_category.id", index=True)
    key: str = Field(max_length=60)  # value in the public pool file
    label: str = Field(max_length=160)
    population_share: float | None = None  # share of the reference population (0..1)
    min: int = 0
    max: int = 0
    position: int = 0


class Invitation(Record, table=True):
    """A letter sent to an address drawn from the uploaded list, with a personal code."""

    __tablename__ = "assembly_invitation"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    code: str = Field(max_length=12, unique=True)
    recipient: str | None = Field(default=None, max_length=200)  # erased when recruitment closes
    address: str | None = Field(default=None, max_length=300)  # erased when recruitment closes
    batch: int = 1
    used_at: datetime | None = utc_field(nullable=True)
    created_at: datetime = utc_field()


class Volunteer(Record, table=True):
    """A resident who volunteered for the draw. Personal data, kept until `retention_until`."""

    __tablename__ = "assembly_volunteer"
    __table_args__ = (UniqueConstraint("saisine_id", "user_id"), UniqueConstraint("saisine_id", "pool_id"))

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    invitation_id: int | None = Field(default=None, foreign_key="assembly_invitation.id", unique=True)
    name: str = Field(max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=254)
    address: str = Field(max_length=300)
    household_key: str = Field(max_length=64)  # keyed hash of the normalised address
    household_size: int | None = None
    qpv_id: int = Field(foreign_key="qpv.id", index=True)
    characteristics: dict[str, str] = json_field(dict)
    needs: str = text_field()  # childcare, interpreter, accessibility… so that anyone drawn can come
    consent_at: datetime = utc_field()
    retention_until: date = date_field()
    status: str = Field(default=VolunteerStatus.registered, max_length=12)
    pool_id: str | None = Field(default=None, max_length=12)  # pseudonymous row id in the pool file
    registered_by: str | None = actor_field(nullable=True)  # agent's public_id if assisted
    created_at: datetime = utc_field()
    erased_at: datetime | None = utc_field(nullable=True)


class Draw(Record, table=True):
    """The public draw, in three journaled steps: the pool is frozen and published with its hash,
    then the seed is fixed in public from witnesses' values, then the panel is drawn."""

    __tablename__ = "assembly_draw"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", unique=True)
    algorithm: str = Field(default="leximin", max_length=10)
    pool_csv: str = text_field()
    categories_csv: str = text_field()
    pool_file_sha256: str = Field(max_length=64)
    categories_file_sha256: str = Field(max_length=64)
    pool_sha256: str = Field(max_length=64)  # canonical hash (row order does not matter)
    quotas_sha256: str = Field(max_length=64)
    volunteer_count: int = 0
    pool_frozen_by: str = actor_field()
    pool_frozen_at: datetime = utc_field()
    public_inputs: list[dict[str, str]] = json_field(list)
    seed: str | None = Field(default=None, max_length=64)
    seed_fixed_by: str | None = actor_field(nullable=True)
    seed_fixed_at: datetime | None = utc_field(nullable=True)
    drawn_at: datetime | None = utc_field(nullable=True)
    drawn_by: str | None = actor_field(nullable=True)
    panel: list[str] = json_field(list)
    reserve: list[str] = json_field(list)
    probabilities: dict[str, float] = json_field(dict)
    minimum_probability: float | None = None
    probability_method: str = Field(default="", max_length=300)


class Member(Record, table=True):
    """A seat on the panel, held by a drawn volunteer (linked to their account when they have one)."""

    __tablename__ = "assembly_member"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    volunteer_id: int = Field(foreign_key="assembly_volunteer.id", unique=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    pool_id: str = Field(max_length=12)
    status: str = Field(default=MemberStatus.active, max_length=12)
    source: str = Field(default="draw", max_length=12)  # "draw" or "replacement"
    replaces_id: int | None = Field(default=None, foreign_key="assembly_member.id")
    joined_at: datetime = utc_field()
    withdrawn_at: datetime | None = utc_field(nullable=True)


class Meeting(Record, table=True):
    """A working session of the assembly."""

    __tablename__ = "assembly_meeting"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    place: str = Field(max_length=300)
    agenda: str = text_field()
    summary: str = text_field()  # public minutes, written after the session
    created_at: datetime = utc_field()


class Attendance(Record, table=True):
    __tablename__ = "assembly_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id"),)

    meeting_id: int = Field(foreign_key="assembly_meeting.id", index=True)
    member_id: int = Field(foreign_key="assembly_member.id", index=True)
    present: bool = True


class WorkingGroup(Record, table=True):
    __tablename__ = "assembly_group"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    name: str = Field(max_length=120)
    topic: str = text_field()


class GroupMember(Record, table=True):
    __tablename__ = "assembly_group_member"
    __table_args__ = (UniqueConstraint("group_id", "member_id"),)

    group_id: int = Field(foreign_key="assembly_group.id", index=True)
    member_id: int = Field(foreign_key="assembly_member.id", index=True)


class Document(Record, table=True):
    """A context document of the saisine or a document of a session (a link or an uploaded file)."""

    __tablename__ = "assembly_document"

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="assembly_meeting.id", index=True)
    title: str = Field(max_length=200)
    url: str | None = Field(default=None, max_length=500)
    filename: str | None = Field(default=None, max_length=200)
    stored_name: str | None = Field(default=None, max_length=100)
    content_type: str | None = Field(default=None, max_length=100)
    size: int | None = None
    created_at: datetime = utc_field()


class Recommendation(Record, table=True):
    __tablename__ = "assembly_recommendation"
    __table_args__ = (UniqueConstraint("saisine_id", "number"),)

    saisine_id: int = Field(foreign_key="assembly_saisine.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="assembly_group.id", index=True)
    number: int
    title: str = Field(max_length=200)
    text: str = text_field()
    status: str = Field(default=RecommendationStatus.draft, max_length=10)
    votes_pour: int = 0
    votes_contre: int = 0
    votes_abstention: int = 0
    created_at: datetime = utc_field()
    vote_opened_at: datetime | None = utc_field(nullable=True)
    vote_closed_at: datetime | None = utc_field(nullable=True)


class RecommendationVote(Record, table=True):
    """One member's vote on one recommendation: the unique constraint makes it once per member."""

    __tablename__ = "assembly_vote"
    __table_args__ = (UniqueConstraint("recommendation_id", "member_id"),)

    recommendation_id: int = Field(foreign_key="assembly_recommendation.id", index=True)
    member_id: int = Field(foreign_key="assembly_member.id", index=True)
    choice: str = Field(max_length=12)
    recorded_by: str = actor_field()  # the member's public_id, or the agent's if assisted
    at: datetime = utc_field()


class Answer(Answered, Record, table=True):
    """The COPIL's answer to one recommendation of the avis."""

    __tablename__ = "assembly_answer"

    recommendation_id: int = Field(foreign_key="assembly_recommendation.id", unique=True)
    decision: str = Field(max_length=10)
    reasons: str = text_field()


class FollowUp(Record, table=True):
    """A later update on what became of a recommendation (the "droit de suite")."""

    __tablename__ = "assembly_followup"

    recommendation_id: int = Field(foreign_key="assembly_recommendation.id", index=True)
    status: str = Field(max_length=12)
    text: str = text_field()
    author: str = actor_field()
    at: datetime = utc_field()
