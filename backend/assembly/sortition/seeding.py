"""Public, reproducible randomness: seed derivation, canonical hashes and a SHA-256 random stream.

Everything here is specified byte for byte so that anyone can re-check a draw with another tool:

- ``derive_seed(values)`` = hex SHA-256 of the UTF-8 JSON array ``["qp-sortition-seed-v1", v1, v2, ...]``
  (values stripped of surrounding spaces, order kept, no spaces after separators, non-ASCII kept).
- ``SeededStream(seed, purpose)``: block ``i`` is SHA-256(SHA-256(seed UTF-8 + 0x00 + purpose UTF-8) +
  i as 8 big-endian bytes), read as a 256-bit big-endian integer. ``randbelow(n)`` rejects blocks
  ``>= 2**256 - (2**256 mod n)`` and returns ``block mod n``; ``shuffle`` is Fisher-Yates from the
  end (``j = randbelow(i + 1)`` for ``i = len-1 .. 1``).

Python's ``random`` module is not used: its algorithms are not promised stable across versions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, MutableSequence, Sequence
from typing import TypeVar

from backend.assembly.sortition.model import Quota, Volunteer

T = TypeVar("T")

SEED_DOMAIN = "qp-sortition-seed-v1"
_SPACE = 1 << 256


def derive_seed(public_values: Sequence[str]) -> str:
    """Combine public values (e.g. numbers read out by witnesses at a public session) into a seed.

    The order of the values matters and must be recorded with them.
    """
    values = [str(value).strip() for value in public_values]
    if not values or any(not value for value in values):
        raise ValueError("a seed needs at least one public value, and no value may be empty")
    payload = json.dumps([SEED_DOMAIN, *values], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _canonical_json(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def pool_hash(volunteers: Iterable[Volunteer]) -> str:
    """SHA-256 of the canonical pool: volunteers sorted by id, each ``{"id", "features", "household"}``.

    Row order, column order and extra columns of the source file do not change it.
    """
    rows = sorted(
        ({"id": v.id, "features": dict(v.features), "household": v.household} for v in volunteers),
        key=lambda row: str(row["id"]),
    )
    return hashlib.sha256(_canonical_json(rows)).hexdigest()


def quotas_hash(quotas: Iterable[Quota], panel_size: int) -> str:
    """SHA-256 of the canonical quotas (sorted by category then feature) together with the panel size."""
    rows = sorted([q.category, q.feature, q.min, q.max] for q in quotas)
    return hashlib.sha256(_canonical_json({"panel_size": panel_size, "quotas": rows})).hexdigest()


class SeededStream:
    """Deterministic random integers from a seed string; independent streams per ``purpose``."""

    def __init__(self, seed: str, purpose: str) -> None:
        self._key = hashlib.sha256(seed.encode("utf-8") + b"\x00" + purpose.encode("utf-8")).digest()
        self._counter = 0

    def _block(self) -> int:
        digest = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        return int.from_bytes(digest, "big")

    def randbelow(self, n: int) -> int:
        """A uniform integer in ``[0, n)``."""
        if n <= 0:
            raise ValueError("randbelow needs n >= 1")
        limit = _SPACE - (_SPACE % n)
        while True:
            block = self._block()
            if block < limit:
                return block % n

    def shuffle(self, items: MutableSequence[T]) -> None:
        """Shuffle ``items`` in place (Fisher-Yates)."""
        for i in range(len(items) - 1, 0, -1):
            j = self.randbelow(i + 1)
            items[i], items[j] = items[j], items[i]

    def seed_int(self, bits: int = 63) -> int:
        """A non-zero integer seed for third-party code that wants one."""
        return self.randbelow((1 << bits) - 1) + 1


def natural_key(identifier: str) -> tuple[int, int, str]:
    """Sort key putting numeric ids in numeric order (2 before 10), then other ids alphabetically."""
    if identifier.isascii() and identifier.isdigit():
        return (0, int(identifier), identifier)
    return (1, 0, identifier)
