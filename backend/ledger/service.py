"""Writing to and reading the journal. `record` runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from backend.db import utcnow
from backend.ledger.chain import GENESIS_HASH, VerifyResult, canonical_json, entry_hash, verify_chain
from backend.ledger.models import LedgerEntry

# Any constant works; it only has to be the same for every writer of the journal.
_PG_LOCK_KEY = 7_270_001


@dataclass(frozen=True)
class ActorRef:
    """Who decided, as the journal shows it: a role and a pseudonymous id."""

    role: str
    id: str


SYSTEM = ActorRef(role="system", id="system")


def _format_at() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(
    session: Session,
    *,
    actor: ActorRef,
    action: str,
    process: str,
    object_type: str,
    object_id: str | int,
    reason: str,
    territory: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Append one entry in the caller's transaction; it commits or rolls back with the change."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # Serialise writers so that each reads the true head; released at commit/rollback.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    head = session.execute(
        select(col(LedgerEntry.seq), col(LedgerEntry.hash)).order_by(col(LedgerEntry.seq).desc()).limit(1)
    ).first()
    seq, prev_hash = (head[0] + 1, head[1]) if head else (1, GENESIS_HASH)
    fields: dict[str, Any] = {
        "seq": seq,
        "at": _format_at(),
        "actor_role": actor.role,
        "actor_id": actor.id,
        "action": action,
        "process": process,
        "object_type": object_type,
        "object_id": str(object_id),
        "territory": territory,
        "reason": reason,
        "payload": canonical_json(dict(payload or {})),
        "prev_hash": prev_hash,
    }
    entry = LedgerEntry(**fields, hash=entry_hash(fields))
    session.add(entry)
    # SQLite has no advisory lock: the unique primary key on seq makes a racing writer fail
    # (and roll back with its change) instead of forking the chain.
    session.flush()
    return entry


def iter_entries(session: Session, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every entry in sequence order, streamed in batches."""
    last = 0
    while True:
        rows = session.scalars(
            select(LedgerEntry).where(col(LedgerEntry.seq) > last).order_by(col(LedgerEntry.seq)).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            yield row.as_fields()
        last = rows[-1].seq


def verify_ledger(session: Session) -> VerifyResult:
    """Recompute the whole chain from the database."""
    return verify_chain(iter_entries(session))


def head(session: Session) -> tuple[int, str]:
    """(number of entries, head hash)."""
    row = session.execute(
        select(col(LedgerEntry.seq), col(LedgerEntry.hash)).order_by(col(LedgerEntry.seq).desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS_HASH)


def entries_for(session: Session, object_type: str, object_id: str | int) -> list[LedgerEntry]:
    """An object's history, oldest first (e.g. a proposal page)."""
    return list(
        session.scalars(
            select(LedgerEntry)
            .where(col(LedgerEntry.object_type) == object_type, col(LedgerEntry.object_id) == str(object_id))
            .order_by(col(LedgerEntry.seq))
        )
    )


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(LedgerEntry)) or 0
