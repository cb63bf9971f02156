"""What the tables of every domain declare alike: the integer key, long text, JSON and date
columns, who acted (and when: the mixins below), and the vote choices of a show of hands.
Timestamps are `backend.db.utc_field`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Date, Text
from sqlmodel import Field, SQLModel

from backend.db import utc_field


class Record(SQLModel):
    """A table keyed by an integer ``id`` that the database assigns (never None once saved)."""

    id: int = Field(default=None, primary_key=True)


# A person's pseudonymous id (`backend.accounts.models.new_public_id`): how tables and the journal
# name who did something, never by their account id.
PUBLIC_ID_LENGTH = 32


def actor_field(nullable: bool = False) -> Any:
    """The public id of the person who acted: required, or optional (None) when ``nullable``."""
    if nullable:
        return Field(default=None, max_length=PUBLIC_ID_LENGTH)
    return Field(max_length=PUBLIC_ID_LENGTH)


class Created(SQLModel):
    """Who created the row (public id) and when."""

    created_by: str = actor_field()
    created_at: datetime = utc_field()


class Answered(SQLModel):
    """Who answered (public id) and when."""

    answered_by: str = actor_field()
    answered_at: datetime = utc_field()


class Recorded(SQLModel):
    """Who recorded the row (public id: the person, or an agent for them) and when."""

    recorded_by: str = actor_field()
    recorded_at: datetime = utc_field()


def text_field(default: Any = "") -> Any:
    """Unbounded text, NOT NULL: empty by default, required with ``text_field(...)``; optional
    (NULL-able) with ``text_field(None)``."""
    return Field(default=default, sa_column=Column(Text, nullable=default is None))


def json_field(default_factory: Callable[[], Any]) -> Any:
    """A JSON document, never NULL: ``json_field(list)``, ``json_field(dict)``."""
    return Field(default_factory=default_factory, sa_column=Column(JSON, nullable=False))


def date_field(nullable: bool = False) -> Any:
    """A calendar day: required, or optional (None) when ``nullable``."""
    if nullable:
        return Field(default=None, sa_column=Column(Date, nullable=True))
    return Field(sa_column=Column(Date, nullable=False))


# A member's vote on an item (FPH committee, assembly recommendation).
VoteChoice = StrEnum("VoteChoice", "pour contre abstention")
