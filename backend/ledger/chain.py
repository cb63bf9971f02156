"""The hash chain, as pure functions over plain data.

An entry's hash is SHA-256 over a canonical serialisation of every field but the hash itself:
JSON with sorted keys, no insignificant whitespace, UTF-8, and the payload embedded as the
canonical JSON string it is stored as. Anyone holding the JSON export can recompute it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_role",
    "actor_id",
    "action",
    "process",
    "object_type",
    "object_id",
    "territory",
    "reason",
    "payload",
    "prev_hash",
)


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, compact separators, non-ASCII kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical serialisation of an entry's hashed fields."""
    body = {name: fields[name] for name in HASHED_FIELDS}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    head_hash: str
    bad_seq: int | None = None
    problem: str | None = None


def verify_chain(entries: Iterable[Mapping[str, Any]]) -> VerifyResult:
    """Check an ordered stream of entries; stop at the first one that breaks the chain.

    Detects altered entries (hash mismatch), removed or inserted ones (sequence gap or
    previous-hash mismatch) and reordering (sequence out of order).
    """
    expected_seq = 1
    prev = GENESIS_HASH
    count = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return VerifyResult(False, count, prev, seq, f"sequence number {seq}, expected {expected_seq}")
        if entry["prev_hash"] != prev:
            return VerifyResult(False, count, prev, seq, "previous hash does not match the entry before it")
        if entry_hash(entry) != entry["hash"]:
            return VerifyResult(False, count, prev, seq, "content does not match its hash (altered)")
        prev = entry["hash"]
        expected_seq += 1
        count += 1
    return VerifyResult(True, count, prev)
