"""The journal in the database: same transaction as the change, append-only on PostgreSQL,
tampering detected by verification."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from backend.ledger.chain import verify_chain
from backend.ledger.models import LedgerEntry
from backend.ledger.service import SYSTEM, head, record, verify_ledger
from backend.territory.models import Qpv


def add_entries(session: Session, n: int = 3) -> list[LedgerEntry]:
    return [
        record(
            session,
            actor=SYSTEM,
            action="test.action",
            process="territory",
            object_type="thing",
            object_id=i,
            reason=f"Entrée de test {i}",
            territory="QN01342I",
            payload={"i": i},
        )
        for i in range(n)
    ]


def test_record_chains_entries(session: Session) -> None:
    count_before, head_before = head(session)
    entries = add_entries(session)
    assert entries[0].seq == count_before + 1
    assert entries[0].prev_hash == head_before
    assert entries[1].prev_hash == entries[0].hash
    result = verify_ledger(session)
    assert result.ok and result.head_hash == entries[-1].hash


def test_change_and_entry_commit_or_roll_back_together(session: Session) -> None:
    count_before, _ = head(session)
    qpv = session.exec(select(Qpv).where(Qpv.code == "QN01342I")).one()
    with pytest.raises(RuntimeError), session.begin_nested():
        qpv.name = "Renamed"
        session.add(qpv)
        add_entries(session, 1)
        raise RuntimeError("the request fails after writing")
    session.expire_all()
    assert head(session)[0] == count_before
    assert session.exec(select(Qpv.name).where(Qpv.code == "QN01342I")).one() == "Malpassé Corot"


def _disable_guard(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        # Only the test's own transaction (rolled back afterwards) lifts the guard, to simulate an attacker with DDL rights.
        session.execute(text("ALTER TABLE ledger_entry DISABLE TRIGGER USER"))


@pytest.mark.parametrize(
    ("statement", "first_bad"),
    [
        pytest.param("UPDATE ledger_entry SET reason = 'falsifié' WHERE seq = :s", 1, id="altered"),
        pytest.param(
            "DELETE FROM ledger_entry WHERE seq = :s", 2, id="deleted"
        ),  # the next row no longer chains
    ],
)
def test_changed_row_is_detected(session: Session, statement: str, first_bad: int) -> None:
    entries = add_entries(session)
    _disable_guard(session)
    session.execute(text(statement), {"s": entries[1].seq})
    session.expire_all()
    result = verify_ledger(session)
    assert not result.ok and result.bad_seq == entries[first_bad].seq


def test_reordered_rows_are_detected(session: Session) -> None:
    entries = add_entries(session)
    a, b = entries[0].seq, entries[1].seq
    _disable_guard(session)
    session.execute(text("UPDATE ledger_entry SET seq = -1 WHERE seq = :a"), {"a": a})
    session.execute(text("UPDATE ledger_entry SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
    session.execute(text("UPDATE ledger_entry SET seq = :b WHERE seq = -1"), {"b": b})
    session.expire_all()
    result = verify_ledger(session)
    assert not result.ok and result.bad_seq == a


@pytest.mark.usefixtures("postgres_only")
@pytest.mark.parametrize(
    "statement", ["UPDATE ledger_entry SET reason = 'x'", "DELETE FROM ledger_entry", "TRUNCATE ledger_entry"]
)
def test_postgres_refuses_changes_to_the_journal(session: Session, statement: str) -> None:
    add_entries(session, 1)
    with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
        session.execute(text(statement))


def test_public_journal_page_and_filters(client: TestClient, session: Session) -> None:
    add_entries(session, 2)
    page = client.get("/journal", params={"quartier": "QN01342I", "action": "test.action"})
    assert page.status_code == 200
    assert "Entrée de test 1" in page.text
    _, head_hash = head(session)
    assert head_hash in page.text
    other = client.get("/journal", params={"quartier": "QN01330M", "action": "test.action"})
    assert "Entrée de test 1" not in other.text


def test_json_export_can_be_verified_by_anyone(client: TestClient, session: Session) -> None:
    add_entries(session, 3)
    data = json.loads(client.get("/journal.json").content)
    result = verify_chain(data["entries"])
    assert result.ok
    assert result.head_hash == data["head"]["hash"] == head(session)[1]
    assert client.get("/api/v1/journal/tete").json()["head_hash"] == result.head_hash


def test_entry_page(client: TestClient, session: Session) -> None:
    entry = add_entries(session, 1)[0]
    page = client.get(f"/journal/{entry.seq}")
    assert page.status_code == 200 and entry.hash in page.text
    assert client.get("/journal/999999").status_code == 404
