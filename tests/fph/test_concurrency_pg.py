"""The fund balance never goes negative, even when decisions race (PostgreSQL, real threads with
their own connections, each committing). Runs in a database of its own, created next to the
test database and dropped afterwards: the journal is append-only and a quartier has one fund a
year, so these committed funds could be cleaned neither from the rolled-back database nor from
the shared committed one."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, func, select

from backend.db import make_engine
from backend.errors import DomainError
from backend.fph.models import Application, ApplicationStatus, Decision, Fund
from backend.fph.service import applications as apps
from backend.fph.service import committee
from backend.fph.service.funds import FundSettings, update_fund
from backend.ledger.service import SYSTEM, verify_ledger
from tests.concurrency import run_together
from tests.conftest import is_postgres_url, migrated_database
from tests.fph.conftest import (
    TODAY,
    make_application,
    make_fund,
    make_meeting,
    make_voters,
    on_agenda,
    vote_all,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def race_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if not is_postgres_url(os.environ.get("DATABASE_URL")):
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgresql://...)")
    with migrated_database(tmp_path_factory, "fph_race") as url:
        # 12 at most (no overflow): the server's 100 connections are shared by both test workers.
        engine = make_engine(url, pool_size=12, max_overflow=0)
        yield engine
        engine.dispose()


def race(engine: Engine, jobs: list[Callable[[Session], Any]]) -> list[str]:
    """Run each job in its own thread and connection, all released at once; 'ok' or the error."""
    results: list[str] = [""] * len(jobs)

    def run(index: int, barrier: threading.Barrier) -> None:
        with Session(engine, expire_on_commit=False) as session:
            try:
                session.connection()  # check out a connection before the start line
                barrier.wait(timeout=10)
                jobs[index](session)
                session.commit()
                results[index] = "ok"
            except (DomainError, IntegrityError, OperationalError) as exc:
                session.rollback()
                results[index] = getattr(exc, "message", type(exc).__name__)

    run_together(run, len(jobs), join_timeout=30)
    return results


def totals(engine: Engine, fund_id: int) -> tuple[Fund, int]:
    with Session(engine) as session:
        fund = session.get(Fund, fund_id)
        assert fund is not None
        reserved = session.exec(
            select(func.coalesce(func.sum(Application.reserved_cents), 0)).where(
                Application.fund_id == fund_id
            )
        ).one()
        assert verify_ledger(session).ok
        return fund, int(reserved)


def test_concurrent_submissions_cannot_overdraw(postgres_only: None, race_engine: Engine) -> None:
    with Session(race_engine, expire_on_commit=False) as session:
        fund = make_fund(session, envelope_cents=200_000)
        make_meeting(session, fund)
        drafts = [
            make_application(
                session, fund, submit=False, amount_cents=60_000, lines=[("expense", "Car", 70_000)]
            )
            for _ in range(6)
        ]
        session.commit()

    def submit(application_id: int) -> Callable[[Session], Any]:
        return lambda s: apps.submit(s, SYSTEM, s.get(Application, application_id), TODAY)  # type: ignore[arg-type]

    results = race(race_engine, [submit(d.id) for d in drafts])
    assert results.count("ok") == 3, results
    refusals = [r for r in results if r != "ok"]
    assert all(r.startswith("Il reste 200\u202f€ dans le fonds") for r in refusals), refusals
    fund_after, reserved = totals(race_engine, fund.id)
    assert fund_after.pending_cents == reserved == 180_000
    assert fund_after.balance_cents == 20_000 >= 0


def test_concurrent_grants_and_an_envelope_cut_keep_the_balance_positive(
    postgres_only: None, race_engine: Engine
) -> None:
    with Session(race_engine, expire_on_commit=False) as session:
        fund = make_fund(
            session, envelope_cents=300_000, quorum=1, year=TODAY.year - 1
        )  # one fund per QPV and year
        meeting = make_meeting(session, fund)
        voters = make_voters(session, fund, 1)
        items = []
        for _ in range(5):
            application = make_application(
                session, fund, amount_cents=60_000, lines=[("expense", "Car", 70_000)]
            )
            item = on_agenda(session, meeting, application)
            vote_all(session, item, voters, ["pour"])
            items.append(item.id)
        session.commit()  # 5 × 600 € reserved: the balance is 0

    def grant(item_id: int) -> Callable[[Session], Any]:
        def job(s: Session) -> None:
            committee.decide(
                s,
                SYSTEM,
                committee.get_item(s, item_id),
                outcome="granted",
                amount_cents=50_000,
                reason="Accordé, un peu moins.",
            )

        return job

    def cut(s: Session) -> None:
        current = s.get(Fund, fund.id)
        assert current is not None
        settings = FundSettings(**{f.name: getattr(current, f.name) for f in fields(FundSettings)})
        settings.envelope_cents = 270_000
        update_fund(s, SYSTEM, current, settings)

    # Each grant frees 100 €: the cut to 2 700 € fits only after at least three grants.
    results = race(race_engine, [grant(i) for i in items] + [grant(items[0]), cut])
    assert results[:5].count("ok") + (results[5] == "ok") == 5, (
        results
    )  # one of the two racing grants of item 0 wins
    fund_after, reserved = totals(race_engine, fund.id)
    assert fund_after.granted_cents == 250_000 and fund_after.pending_cents == reserved == 0
    assert fund_after.envelope_cents in (300_000, 270_000)
    assert fund_after.balance_cents >= 0
    with Session(race_engine) as session:
        assert (
            session.exec(
                select(func.count()).select_from(Decision).where(Decision.meeting_id == meeting.id)
            ).one()
            == 5
        )
        statuses = session.exec(select(Application.status).where(Application.fund_id == fund.id)).all()
        assert set(statuses) == {ApplicationStatus.granted}


def test_the_check_constraint_stops_racing_raw_updates(postgres_only: None, race_engine: Engine) -> None:
    """Even code that skipped the lock could not overdraw: the second UPDATE waits for the row,
    then sees the first one's total and breaks the CHECK."""
    with Session(race_engine, expire_on_commit=False) as session:
        fund = make_fund(session, envelope_cents=100_000, year=TODAY.year - 2)
        session.commit()

    def take(s: Session) -> None:
        s.execute(
            text("UPDATE fph_fund SET pending_cents = pending_cents + 70000 WHERE id = :id"), {"id": fund.id}
        )

    results = race(race_engine, [take, take])
    assert sorted(results) == ["IntegrityError", "ok"], results
    fund_after, _ = totals(race_engine, fund.id)
    assert fund_after.pending_cents == 70_000 and fund_after.balance_cents == 30_000
