"""Ballot secrecy: the slot key that finds a voter's current ballot, and receipt codes.

Who voted (``bp_voter``) and what was chosen (``bp_ballot``) share no column: a ballot is keyed by
a random id (:mod:`.urn`). The one exception (``docs/secret-ballot.md``): to let a voter change an
*online* ballot in an edition that allows it ("the last one counts"), that ballot also keeps a
*slot*: HMAC-SHA-256(key derived from the server secret, "edition:user"). The server recomputes it
from the person who is logged in; the database alone cannot: a copy of the database (a backup, a
read-only replica, an SQL injection) does not tell who chose what. Whoever holds both the database
and ``APP_SECRET_KEY`` can recompute those slots, and only those. Changing the secret during a vote
makes earlier online ballots impossible to change (the revote is then refused, never counted twice).

Receipts: a random code (60 bits, Crockford base 32, « 7K3M-Q9XD-2HRA ») shown once to the
voter. The database keeps only its SHA-256; the published ballots carry it (and its first 16 hex
digits, the *fingerprint*), so a voter finds their own ballot in the published file, on the site
or offline (``qp receipt check``). A receipt proves what was chosen to anyone shown it: the
platform does not claim receipt-freeness, but when the edition allows a new vote, only the last
receipt counts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
RECEIPT_LENGTH = 12
FINGERPRINT_LENGTH = 16
_SLOT_CONTEXT = b"qp/bp-ballot-slot/v1"
_RECEIPT_CONTEXT = "qp/bp-receipt/v1:"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


@lru_cache(maxsize=8)
def _slot_key(secret: str) -> bytes:
    """A key used for slots only, derived from the server secret."""
    return hmac.new(secret.encode(), _SLOT_CONTEXT, hashlib.sha256).digest()


def slot_key(secret: str, edition_id: int, user_id: int) -> str:
    """The slot of this person's ballot in this edition (hex)."""
    return hmac.new(_slot_key(secret), f"{edition_id}:{user_id}".encode(), hashlib.sha256).hexdigest()


def new_receipt() -> str:
    """A fresh receipt code, grouped by four for reading aloud."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(RECEIPT_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, RECEIPT_LENGTH, 4))


def normalize_receipt(code: str) -> str | None:
    """The receipt as typed (spaces, dashes, lower case, O for 0...) in canonical form, or None."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_CONFUSABLE)
    if len(cleaned) != RECEIPT_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(code: str) -> str:
    """SHA-256 of the canonical receipt (what the database stores)."""
    canonical = normalize_receipt(code)
    if canonical is None:
        raise ValueError("not a receipt code")
    return hashlib.sha256((_RECEIPT_CONTEXT + canonical).encode()).hexdigest()


def fingerprint(hash_hex: str) -> str:
    """What the published files show of a receipt."""
    return hash_hex[:FINGERPRINT_LENGTH]
