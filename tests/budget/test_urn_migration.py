"""Migration budget_0005 keeps every ballot: random ids for all, the slot only in editions that allow
a new vote; and it goes down and up again with data, on SQLite and (DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from backend.budget.voting.secrecy import receipt_hash, slot_key
from backend.db import alembic_config, make_engine, run_migrations
from tests.budget.helpers import CORO
from tests.budget.vote_helpers import ids, vote, vote_edition, voter
from tests.conftest import TEST_SECRET, drop_pg_database, fresh_database, is_postgres_url, seed


def test_upgrade_keeps_ballots_and_drops_the_slots_of_editions_without_revote(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    url = fresh_database(tmp_path_factory, "urn_migration")
    try:
        run_migrations(url)
        seed(url)
        eng = make_engine(url, poolclass=NullPool)
        with Session(eng) as session:
            fixed, projects = vote_edition(session, revote_allowed=False)
            free, other = vote_edition(session, revote_allowed=True)
            people = [voter(session), voter(session)]
            receipts = {
                fixed.id: receipt_hash(vote(session, fixed, people[0], *ids(projects[CORO], 0)).receipt),
                free.id: receipt_hash(vote(session, free, people[1], *ids(other[CORO], 1)).receipt),
            }
            edition_ids = {fixed.id: people[0].id, free.id: people[1].id}
            fixed_id, free_id = fixed.id, free.id
            session.commit()
        eng.dispose()
        command.downgrade(alembic_config(url), "budget_0004")
        eng = make_engine(url, poolclass=NullPool)
        assert inspect(eng).get_pk_constraint("bp_ballot")["constrained_columns"] == ["slot"]
        with eng.begin() as conn:  # as before budget_0005: every ballot keyed by its voter's slot
            for edition_id, user_id in edition_ids.items():
                conn.execute(
                    text("UPDATE bp_ballot SET slot = :s WHERE edition_id = :e"),
                    {"s": slot_key(TEST_SECRET, edition_id, user_id), "e": edition_id},
                )
        eng.dispose()
        run_migrations(url)
        eng = make_engine(url, poolclass=NullPool)
        with eng.connect() as conn:
            rows = {
                r.edition_id: r
                for r in conn.execute(
                    text("SELECT id, edition_id, slot, channel, receipt_hash FROM bp_ballot")
                )
            }
        eng.dispose()
        assert {e: r.receipt_hash for e, r in rows.items()} == receipts  # nothing lost
        assert all(len(r.id) == 32 and r.channel == "unknown" for r in rows.values())
        assert rows[fixed_id].slot is None  # the link is gone
        assert rows[free_id].slot == slot_key(TEST_SECRET, free_id, edition_ids[free_id])
    finally:
        base = os.environ.get("DATABASE_URL")
        if is_postgres_url(base):
            drop_pg_database(base, url)  # type: ignore[arg-type]
