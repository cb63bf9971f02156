"""The secret ballot, attacked with everything the server has: a raw connection to the database and
every secret of its Settings. In an edition where a ballot cannot be changed, nothing links a ballot
(online, on the voting point's tablet, or on paper) to its voter: no column, no derived key, no time,
no order. The one exception — online ballots of editions that allow a new vote — is tested apart.
Runs on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import hashlib
import hmac
import random
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from backend.accounts.models import User
from backend.budget.models import Edition
from backend.budget.service import editions
from backend.budget.voting import isoloir, urn
from backend.budget.voting.context import Choice
from backend.budget.voting.models import VoteChannel
from backend.budget.voting.secrecy import new_receipt, receipt_hash, slot_key
from backend.budget.voting.service import PaperInfo
from backend.config import Settings
from tests.budget.helpers import ADMIN, BP_HOOKS, CORO
from tests.budget.vote_helpers import BALLOT_COLUMNS, ids, vote, vote_edition, voter
from tests.conftest import TEST_SECRET

POINTS = ("Centre social Malpassé", "Mairie des 13e-14e")
VOTERS = 30


def _secrets() -> list[str]:
    """Every secret the server holds (as the test app is configured)."""
    settings = Settings(env="test", secret_key=TEST_SECRET, database_url="sqlite://")
    found = {settings.secret_key, settings.id_document_key}
    for name, value in settings.model_dump().items():
        if (
            isinstance(value, str)
            and value
            and any(w in name for w in ("key", "secret", "token", "password"))
        ):
            found.add(value)
    return sorted(found)


def _derived_keys(edition_id: int, user: User) -> set[str]:
    """What a voter-derived key could look like: HMACs and hashes of the user's ids, with every secret."""
    keys: set[str] = set()
    names = [str(user.id), user.public_id, f"{edition_id}:{user.id}", f"{edition_id}:{user.public_id}"]
    for secret in _secrets():
        keys.add(slot_key(secret, edition_id, user.id))
        for name in names:
            for key in (secret.encode(), hashlib.sha256(secret.encode()).digest()):
                keys.add(hmac.new(key, name.encode(), hashlib.sha256).hexdigest())
    for name in names:
        keys.add(hashlib.sha256(name.encode()).hexdigest())
    return {k for k in keys if len(k) >= 16}


def _spearman(order: list[int]) -> float:
    n = len(order)
    d2 = sum((i - r) ** 2 for i, r in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def _election(session: Session, revote_allowed: bool = False) -> tuple[Edition, list[User], dict[str, int]]:
    """30 people vote in turn: online, on the tablet after signing in, or on paper after signing in
    (their paper ballot counted at the dépouillement, in the order of the box). Returns the
    edition, the voters in order, and (the test's own knowledge) each receipt hash's voter index."""
    edition, projects = vote_edition(session, revote_allowed=revote_allowed)
    assert edition.id is not None
    pick = random.Random(7)
    corot = projects[CORO]
    people: list[User] = []
    truth: dict[str, int] = {}
    paper_box: list[tuple[int, str]] = []
    envelope_id = 0
    for n in range(VOTERS):
        person = voter(session)
        people.append(person)
        chosen = ids(corot, *sorted(pick.sample(range(len(corot)), pick.randint(1, 3))))
        how = n % 3
        if how == 0:
            result = vote(session, edition, person, *chosen)
            truth[receipt_hash(result.receipt)] = n
            envelope_id = result.envelope.id
            continue
        info = PaperInfo(POINTS[n % 2], "Carte d'identité", "résidence déjà vérifiée", "agent-test")
        grant = isoloir.sign_in(session, edition=edition, user=person, info=info)
        if how == 1:
            code = isoloir.cast(session, edition=edition, grant=grant, choice=Choice(projects=chosen))
            truth[receipt_hash(code)] = n
        else:
            isoloir.give_paper(session, edition.id, grant)
            paper_box.append((n, " ".join(chosen)))
    pick.shuffle(paper_box)  # the dépouillement counts the box, not the list
    for n, choices in paper_box:
        digest = receipt_hash(new_receipt())  # the stub's pre-printed code
        ballot = urn.row(
            edition_id=edition.id,
            envelope_id=envelope_id,
            choices=choices,
            channel=VoteChannel.paper,
            voting_point=POINTS[n % 2],
            receipt_hash=digest,
        )
        urn.drop(session, ballot)
        truth[digest] = n
    session.flush()
    return edition, people, truth


def _rows(conn: Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def test_no_ballot_can_be_linked_to_its_voter_with_the_database_and_every_secret(session: Session) -> None:
    edition, people, truth = _election(session)
    editions.change_phase(
        session, ADMIN, edition, "resultats", hooks=BP_HOOKS
    )  # the vote closes: the urn is mixed
    session.flush()
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    schema = inspect(conn)

    # 1. No column names a person or a time; no sequence.
    columns = {c["name"]: c for c in schema.get_columns("bp_ballot")}
    assert set(columns) == BALLOT_COLUMNS
    assert {fk["referred_table"] for fk in schema.get_foreign_keys("bp_ballot")} == {
        "bp_edition",
        "bp_envelope",
    }
    for column in columns.values():
        kind = str(column["type"]).upper()
        assert not any(t in kind for t in ("DATE", "TIME")), column
    assert schema.get_pk_constraint("bp_ballot")["constrained_columns"] == ["id"]
    assert "CHAR" in str(columns["id"]["type"]).upper()  # random text, not a counter
    if pg:
        assert (
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' "
                    "WHERE d.refobjid = 'bp_ballot'::regclass"
                )
            ).scalar()
            == 0
        )  # no serial, no identity column

    ballots = _rows(conn, "SELECT * FROM bp_ballot WHERE edition_id = :e", e=edition.id)
    assert len(ballots) == VOTERS and {b["receipt_hash"] for b in ballots} == set(truth)
    assert all(b["slot"] is None for b in ballots)  # no revote in this edition: no slot at all

    # 2. No value of the urn is a key derivable from the voters with the server's secrets.
    cells = " ".join(str(v) for b in ballots for v in b.values())
    for person in people:
        for key in _derived_keys(edition.id, person):
            assert key not in cells
            assert key[:16] not in cells  # nor a truncated one

    # 3. Nothing else in the database carries a ballot's id; its receipt hash only in the ballot and
    #    the published files (public by design).
    ballot_ids = {b["id"] for b in ballots}
    for table in schema.get_table_names():
        if table == "bp_ballot":
            continue
        text_columns = [
            c["name"]
            for c in schema.get_columns(table)
            if "CHAR" in str(c["type"]).upper()
            or "TEXT" in str(c["type"]).upper()
            or "JSON" in str(c["type"]).upper()
        ]
        if not text_columns:
            continue
        quoted = ", ".join(f'"{c}"' for c in text_columns)
        blob = " ".join(str(v) for r in conn.execute(text(f'SELECT {quoted} FROM "{table}"')) for v in r)
        assert not any(i in blob for i in ballot_ids), table
        if table != "bp_publication":
            assert not any(h in blob for h in truth), table

    # 4. No order follows the voters' order: not the physical order, not any column.
    def voters_in(order: list[dict[str, Any]]) -> list[int]:
        return [truth[b["receipt_hash"]] for b in order]

    by_id = sorted(ballots, key=lambda b: b["id"])
    physical = _rows(
        conn, "SELECT * FROM bp_ballot WHERE edition_id = :e" + (" ORDER BY ctid" if pg else ""), e=edition.id
    )
    assert [b["id"] for b in physical] == [b["id"] for b in by_id]  # stored in random-id order
    if pg:  # and every row written by the same transaction (the close)
        assert (
            conn.execute(
                text("SELECT count(DISTINCT xmin::text) FROM bp_ballot WHERE edition_id = :e"),
                {"e": edition.id},
            ).scalar()
            == 1
        )
    else:
        with pytest.raises(Exception, match="rowid"):
            conn.execute(text("SELECT rowid FROM bp_ballot")).all()
    for name in columns:
        ordered = sorted(ballots, key=lambda b, c=name: (str(b[c]), b["id"]))  # type: ignore[misc]
        assert abs(_spearman(voters_in(ordered))) < 0.8, name
    assert abs(_spearman(voters_in(physical))) < 0.8

    # 5. The émargement list is the voters' order; nothing of it is in the urn.
    signed = _rows(conn, "SELECT id, voted_at FROM bp_voter WHERE edition_id = :e ORDER BY id", e=edition.id)
    assert len(signed) == VOTERS
    for row in signed:
        stamp = str(row["voted_at"]).replace("T", " ")[:19]  # to the second, however it is stored
        assert stamp not in cells.replace("T", " ")
    used = _rows(conn, "SELECT * FROM bp_isoloir_used WHERE edition_id = :e", e=edition.id)
    assert set(used[0]) == {"token_hash", "edition_id"} and len(used) == 2 * VOTERS // 3  # tablet and paper


def test_the_urn_is_mixed_when_a_voting_point_closes(session: Session) -> None:
    edition, _people, _truth = _election(session)
    isoloir.close_point(session, ADMIN, edition, POINTS[0])
    session.flush()
    conn = session.connection()
    pg = conn.dialect.name == "postgresql"
    physical = [
        r[0]
        for r in conn.execute(
            text("SELECT id FROM bp_ballot WHERE edition_id = :e" + (" ORDER BY ctid" if pg else "")),
            {"e": edition.id},
        )
    ]
    assert physical == sorted(physical)


def test_revote_exception_only_online_ballots_keep_a_slot_and_can_be_changed(session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=True)
    assert edition.id is not None
    corot = projects[CORO]
    online = voter(session)
    first = vote(session, edition, online, *ids(corot, 0))
    conn = session.connection()
    before = _rows(conn, "SELECT * FROM bp_ballot WHERE edition_id = :e", e=edition.id)
    assert before[0]["slot"] == slot_key(TEST_SECRET, edition.id, online.id)
    second = vote(session, edition, online, *ids(corot, 1))
    assert second.revote
    after = _rows(conn, "SELECT * FROM bp_ballot WHERE edition_id = :e", e=edition.id)
    assert len(after) == 1 and after[0]["id"] == before[0]["id"] and after[0]["choices"] == ids(corot, 1)[0]
    assert after[0]["receipt_hash"] == receipt_hash(second.receipt) != receipt_hash(first.receipt)
    # At the voting point, even in this edition, the tablet ballot has no slot.
    person = voter(session)
    info = PaperInfo(POINTS[0], "Carte d'identité", "résidence déjà vérifiée", "agent-test")
    grant = isoloir.sign_in(session, edition=edition, user=person, info=info)
    isoloir.cast(session, edition=edition, grant=grant, choice=Choice(projects=ids(corot, 2)))
    slots = [
        r["slot"]
        for r in _rows(
            conn, "SELECT slot FROM bp_ballot WHERE channel = 'isoloir' AND edition_id = :e", e=edition.id
        )
    ]
    assert slots == [None]
    with pytest.raises(ValueError, match="only an online ballot"):
        urn.row(
            edition_id=edition.id,
            envelope_id=first.envelope.id,
            choices="",
            channel=VoteChannel.paper,
            voting_point=POINTS[0],
            receipt_hash="0" * 64,
            slot="x",
        )
