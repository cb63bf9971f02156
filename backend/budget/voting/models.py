"""Voting tables. Who voted and what was chosen are stored apart:

* ``bp_voter``: one row per person per edition (UNIQUE edition, user) — the database itself
  refuses a second ballot, whatever the channel (online or paper) and whatever the order.
* ``bp_document_participation``: « this identity document took part in this edition » (a keyed hash
  of the document number, see :mod:`backend.accounts.documents`), written with the first ballot of an
  account that carries one: one document votes once per edition whatever the account, the channel or
  the voting point. It names neither the person nor the ballot.
* ``bp_ballot``: the urn. The choices, keyed by a random id drawn when the ballot is dropped, with
  no user id, no timestamp and no sequential id. Only an *online* ballot of an edition that lets
  voters change their vote keeps a *slot*, HMAC(server secret, edition, person), to find it again:
  that is the one documented exception (``docs/secret-ballot.md``, :mod:`.urn`).
* ``bp_isoloir_used``: the hashes of the single-use tokens of the voting point's tablet, so that a
  sign-in gives exactly one tablet ballot. No person, no ballot, no time.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from backend.budget.models import EditionPart
from backend.db import utc_field
from backend.models_common import Record, actor_field, json_field, text_field

# online: the voter's own device (bp_voter and bp_ballot)
# paper: a paper ballot (bp_ballot), or a paper sheet typed with its voter (bp_voter, import)
# in_person: bp_voter only: signed in at a voting point (émargement), no choices
# isoloir: bp_ballot only: cast alone on the voting point's tablet
# unknown: bp_ballot only: stored before the channel was recorded (migration budget_0005)
VoteChannel = StrEnum("VoteChannel", "online paper in_person isoloir unknown")


class Voter(Record, table=True):
    """Who voted, where and how they were checked — never what they chose."""

    __tablename__ = "bp_voter"
    __table_args__ = (
        UniqueConstraint("edition_id", "user_id"),
        Index("ix_bp_voter_edition_envelope", "edition_id", "envelope_id"),
    )

    edition_id: int = Field(foreign_key="bp_edition.id")
    user_id: int = Field(foreign_key="user_account.id", index=True)
    envelope_id: int = Field(foreign_key="bp_envelope.id")
    channel: str = Field(max_length=10)
    voting_point: str | None = Field(default=None, max_length=120)  # « bureau de vote », not online
    identity_check: str | None = Field(default=None, max_length=200)  # e.g. « carte d'identité »
    residence_check: str | None = Field(default=None, max_length=200)
    recorded_by: str | None = actor_field(nullable=True)  # agent's public_id, not online
    batch_id: int | None = Field(default=None, foreign_key="bp_paper_batch.id")
    voted_at: datetime = utc_field()


class DocumentParticipation(SQLModel, table=True):
    """An identity document took part in an edition — no person, no ballot, no time."""

    __tablename__ = "bp_document_participation"

    edition_id: int = Field(foreign_key="bp_edition.id", primary_key=True)
    document_hash: str = Field(max_length=64, primary_key=True)  # HMAC of the number, never the number


class Ballot(SQLModel, table=True):
    """What one voter chose — never who. No column names a person or a time; the key is random.

    ``slot`` is set only for an online ballot of an edition with ``revote_allowed`` (see :mod:`.urn`).
    On SQLite the table has no rowid: rows are stored in the order of their random id."""

    __tablename__ = "bp_ballot"
    __table_args__ = (
        Index("ix_bp_ballot_edition_envelope", "edition_id", "envelope_id"),
        UniqueConstraint("edition_id", "slot"),
        {"sqlite_with_rowid": False},
    )

    id: str = Field(primary_key=True, max_length=32)  # secrets.token_hex(16), never derived from the voter
    edition_id: int = Field(foreign_key="bp_edition.id")
    envelope_id: int = Field(foreign_key="bp_envelope.id")
    # Approval and knapsack: project ids « 12 15 18 »; majority judgment: « 12:3 15:0 » (grade 0-3).
    choices: str = text_field()
    receipt_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the receipt code
    channel: str = Field(max_length=10)  # VoteChannel: online, paper, isoloir (unknown: migrated)
    voting_point: str | None = Field(default=None, max_length=120)  # paper and isoloir ballots
    slot: str | None = Field(
        default=None, max_length=64
    )  # revote exception only: HMAC(secret, edition, user)


class IsoloirToken(SQLModel, table=True):
    """A used tablet token (its SHA-256): a replayed ballot is refused. No person, no ballot, no time."""

    __tablename__ = "bp_isoloir_used"
    __table_args__ = ({"sqlite_with_rowid": False},)

    token_hash: str = Field(primary_key=True, max_length=64)
    edition_id: int = Field(foreign_key="bp_edition.id")


class PaperBatch(EditionPart, table=True):
    """One imported file of paper ballot sheets (the same file cannot be imported twice)."""

    __tablename__ = "bp_paper_batch"
    __table_args__ = (UniqueConstraint("edition_id", "sha256"),)

    filename: str = Field(max_length=200)
    sha256: str = Field(max_length=64)
    ballots: int
    per_point: dict[str, int] = json_field(dict)
    imported_by: str = actor_field()
    imported_at: datetime = utc_field()


class EnvelopeResult(EditionPart, table=True):
    """The count of one envelope at close, as published (and journaled)."""

    __tablename__ = "bp_result"
    __table_args__ = (UniqueConstraint("edition_id", "envelope_id"),)

    envelope_id: int = Field(foreign_key="bp_envelope.id")
    ballot_rule: str = Field(max_length=30)
    counting_rule: str = Field(max_length=30)
    voters: int
    population: int | None = None
    amount: int
    spent: int
    selected: list[str] = json_field(list)
    # Per project id: {"votes": n} (approval) or {"grades": [n0, n1, n2, n3], "majority": g}.
    scores: dict[str, Any] = json_field(dict)
    details: dict[str, Any] = json_field(dict)
    file_name: str = Field(max_length=200)
    file_sha256: str = Field(max_length=64)
    counted_at: datetime = utc_field()


class Publication(EditionPart, table=True):
    """A published file (anonymised ballots, CSV or pabulib .pb), kept byte for byte."""

    __tablename__ = "bp_publication"
    __table_args__ = (UniqueConstraint("edition_id", "name"),)

    name: str = Field(max_length=200)
    media_type: str = Field(max_length=60)
    content: str = text_field(...)
    sha256: str = Field(max_length=64)
    published_at: datetime = utc_field()


class PaperCode(Record, table=True):
    """A printed ballot paper: only the hash of the code on its stub, for one envelope and one
    voting point. No person and no time: the voter takes a paper from the pile at the point."""

    __tablename__ = "bp_paper_code"
    __table_args__ = (Index("ix_bp_paper_code_edition_point", "edition_id", "voting_point"),)

    edition_id: int = Field(foreign_key="bp_edition.id")
    envelope_id: int = Field(foreign_key="bp_envelope.id")
    voting_point: str = Field(max_length=120)
    code_hash: str = Field(max_length=64, unique=True)  # receipt_hash(code): the ballot's receipt hash
    print_batch: str = Field(max_length=16)  # a random id, journaled with the count of the batch
    used: bool = False


class Depouillement(Record, table=True):
    """The count of one voting point: blank and spoiled ballots (counted apart), then its closing
    with the reconciliation against the point's émargements."""

    __tablename__ = "bp_depouillement"
    __table_args__ = (UniqueConstraint("edition_id", "voting_point"),)

    edition_id: int = Field(foreign_key="bp_edition.id")
    voting_point: str = Field(max_length=120)
    blank: int = 0
    spoiled: int = 0
    closed_at: datetime | None = utc_field(nullable=True)
    closed_by: str | None = actor_field(nullable=True)  # pseudonymous actor id
    emargements: int | None = None  # the counts as they were at the close
    ballots: int | None = None
    explanation: str | None = text_field(None)
