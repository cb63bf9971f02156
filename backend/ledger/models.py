"""The journal table: append-only (a PostgreSQL trigger refuses UPDATE, DELETE and TRUNCATE)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Index, Integer
from sqlmodel import Field, SQLModel

from backend.models_common import text_field


class LedgerEntry(SQLModel, table=True):
    __tablename__ = "ledger_entry"
    __table_args__ = (
        Index("ix_ledger_entry_object", "object_type", "object_id"),
        Index("ix_ledger_entry_process_action", "process", "action"),
    )

    seq: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    at: str = Field(max_length=32)  # UTC, ISO 8601 with microseconds and Z: hashed as stored
    actor_role: str = Field(max_length=40)
    actor_id: str = Field(max_length=64)  # pseudonymous: a user's public_id, never a name or email
    action: str = Field(max_length=80)
    process: str = Field(max_length=40)
    object_type: str = Field(max_length=60)
    object_id: str = Field(max_length=64)
    territory: str | None = Field(default=None, max_length=60, index=True)
    reason: str = text_field(...)
    payload: str = text_field(...)  # canonical JSON
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)

    def as_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor_role": self.actor_role,
            "actor_id": self.actor_id,
            "action": self.action,
            "process": self.process,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "territory": self.territory,
            "reason": self.reason,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }
