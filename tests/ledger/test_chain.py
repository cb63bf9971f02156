"""The hash chain as pure functions: any alteration, removal, insertion or reordering is caught."""

from __future__ import annotations

from typing import Any

import pytest

from backend.ledger.chain import GENESIS_HASH, canonical_json, entry_hash, verify_chain


def build(n: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        fields: dict[str, Any] = {
            "seq": seq,
            "at": f"2026-11-22T10:00:{seq:02d}.000000Z",
            "actor_role": "moderator",
            "actor_id": "a1b2c3d4e5f60718",
            "action": "bp.proposal_published",
            "process": "bp",
            "object_type": "proposal",
            "object_id": str(seq),
            "territory": "QN01342I",
            "reason": f"Proposition n° {seq} publiée : conforme à la charte.",
            "payload": canonical_json({"n": seq, "é": "ü"}),
            "prev_hash": prev,
        }
        fields["hash"] = entry_hash(fields)
        prev = fields["hash"]
        entries.append(fields)
    return entries


def test_valid_chain() -> None:
    entries = build(5)
    result = verify_chain(entries)
    assert result.ok and result.count == 5 and result.head_hash == entries[-1]["hash"]


def test_empty_chain_is_valid() -> None:
    assert verify_chain([]).ok


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1, "a": [1, "é"]}) == '{"a":[1,"é"],"b":1}'


@pytest.mark.parametrize("field", ["reason", "actor_role", "payload", "at", "territory"])
def test_altered_entry_is_named(field: str) -> None:
    entries = build(5)
    entries[2][field] = "changed"
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 3 and "altered" in (result.problem or "")


def test_altered_entry_with_recomputed_hash_breaks_the_next_link() -> None:
    entries = build(5)
    entries[1]["reason"] = "changed"
    entries[1]["hash"] = entry_hash(entries[1])
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 3


def test_removed_entry() -> None:
    entries = build(5)
    del entries[2]
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 4


def test_removed_last_entry_changes_the_head() -> None:
    entries = build(5)
    result = verify_chain(entries[:-1])
    assert (
        result.ok and result.head_hash != entries[-1]["hash"]
    )  # caught by comparing with the published head


def test_inserted_entry() -> None:
    entries = build(5)
    forged = dict(entries[2])
    forged["reason"] = "forged"
    entries.insert(3, forged)
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 3


def test_reordered_entries() -> None:
    entries = build(5)
    entries[1], entries[2] = entries[2], entries[1]
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 3


def test_renumbered_swap_is_caught_by_links() -> None:
    entries = build(5)
    entries[1], entries[2] = entries[2], entries[1]
    entries[1]["seq"], entries[2]["seq"] = 2, 3
    result = verify_chain(entries)
    assert not result.ok and result.bad_seq == 2
