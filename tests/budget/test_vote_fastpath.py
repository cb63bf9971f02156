"""The fast path of the JSON ballot API (PostgreSQL): it answers exactly like the regular route
for a first valid ballot, hands every other case over, and never lets a person vote twice.

Runs on the worker's committed database (the fast path uses its own connections)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from backend.accounts import documents
from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, User
from backend.app import create_app
from backend.budget.service import editions
from backend.config import Settings
from backend.db import utcnow
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO
from tests.budget.vote_helpers import fast_served, ids, post_all, token, totals, vote_edition, voter
from tests.concurrency import run_coroutine
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.usefixtures("postgres_only")


@pytest.fixture
def world(committed_pg: tuple[str, Engine]) -> dict[str, Any]:
    url, engine = committed_pg
    with Session(engine, expire_on_commit=False) as session:
        edition, projects = vote_edition(session)
        people = {
            name: voter(session, qpv)
            for name, qpv in (("a", CORO), ("b", CORO), ("c", CORO), ("far", CENTRE))
        }
        people["young"] = voter(session, CORO, birth_year=2024)
        session.commit()
    settings = Settings(
        env="test", database_url=url, secret_key=TEST_SECRET, geocoder_enabled=False, vote_fast_path=True
    )
    app = create_app(settings)
    return {"app": app, "engine": engine, "edition": edition, "projects": projects, "people": people}


def test_first_ballots_take_the_fast_path_with_the_regular_answer(world: dict[str, Any]) -> None:
    app, edition, people = world["app"], world["edition"], world["people"]
    corot = world["projects"][CORO]
    # The first request fills the vote context (regular route); the next ones take the fast path.
    first, second = (
        run_coroutine(post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug)),
        run_coroutine(
            post_all(app, [(token(people["b"]), {"projects": list(ids(corot, 1, 2))})], edition.slug)
        ),
    )
    assert first[0].status_code == second[0].status_code == 201
    assert set(first[0].json()) == set(second[0].json()) == {"receipt", "envelope", "revote"}
    assert second[0].json()["envelope"] == CORO and second[0].json()["revote"] is False
    assert second[0].headers["cache-control"] == "no-store"
    assert fast_served(app) == 1
    assert totals(world["engine"], edition.id) == (2, 2)
    with world["engine"].connect() as conn:
        columns = [
            r[0]
            for r in conn.execute(
                text("SELECT column_name FROM information_schema.columns WHERE table_name = 'bp_ballot'")
            )
        ]
    assert "user_id" not in columns


def test_everything_else_is_answered_by_the_regular_route(world: dict[str, Any]) -> None:
    app, edition, people = world["app"], world["edition"], world["people"]
    corot = world["projects"][CORO]
    warm = run_coroutine(
        post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug)
    )
    assert warm[0].status_code == 201
    responses = run_coroutine(
        post_all(
            app,
            [
                (token(people["a"]), {"projects": list(ids(corot, 1))}),  # already voted
                (token(people["far"]), {"projects": list(ids(corot, 1))}),  # not a project of their envelope
                (token(people["young"]), {"projects": list(ids(corot, 1))}),  # too young
                (token(people["b"]), {"projects": list(ids(corot, 0, 1, 2, 3))}),  # too many projects
                ("not-a-token", {"projects": list(ids(corot, 1))}),
            ],
            edition.slug,
        )
    )
    assert [r.status_code for r in responses] == [409, 422, 403, 422, 401]
    assert "déjà voté" in responses[0].json()["detail"]
    assert fast_served(app) == 0
    assert totals(world["engine"], edition.id) == (1, 1)


def test_concurrent_submissions_by_one_voter_on_the_fast_path_give_one_ballot(world: dict[str, Any]) -> None:
    app, edition, people = world["app"], world["edition"], world["people"]
    corot = world["projects"][CORO]
    run_coroutine(post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug))
    tok = token(people["c"])
    responses = run_coroutine(
        post_all(app, [(tok, {"projects": list(ids(corot, i % 4))}) for i in range(60)], edition.slug)
    )
    statuses = Counter(r.status_code for r in responses)
    assert statuses[201] == 1, statuses
    assert statuses[409] == 59, statuses
    assert totals(world["engine"], edition.id) == (2, 2)


def test_no_ballot_after_the_vote_closes(world: dict[str, Any]) -> None:
    app, edition, people, engine = world["app"], world["edition"], world["people"], world["engine"]
    corot = world["projects"][CORO]
    run_coroutine(post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug))
    with Session(engine, expire_on_commit=False) as session:
        fresh = session.get(type(edition), edition.id)
        editions.change_phase(session, ADMIN, fresh, "resultats", hooks=BP_HOOKS)  # type: ignore[arg-type]
        session.commit()
    late = run_coroutine(
        post_all(app, [(token(people["b"]), {"projects": list(ids(corot, 1))})], edition.slug)
    )
    assert late[0].status_code == 409
    assert "terminé" in late[0].json()["detail"]
    assert totals(engine, edition.id) == (1, 1)


def test_an_old_context_is_used_while_it_is_rebuilt_beside(world: dict[str, Any]) -> None:
    app, edition, people = world["app"], world["edition"], world["people"]
    corot = world["projects"][CORO]
    run_coroutine(post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug))
    cache = app.state.bp_vote_cache
    cache.ttl_s = 0.0  # every entry is now older than the TTL
    assert not cache.is_fresh(edition.id)
    responses = run_coroutine(
        post_all(
            app, [(token(people[n]), {"projects": list(ids(corot, 1))}) for n in ("b", "c")], edition.slug
        )
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert fast_served(app) == 2  # served from the old context, not handed over
    cache.ttl_s = 60.0
    for _ in range(100):  # the rebuild runs in a thread beside the requests
        if cache.is_fresh(edition.id):
            break
        time.sleep(0.05)
    assert cache.is_fresh(edition.id)


def test_the_fast_path_refuses_a_missing_level_like_the_regular_route(
    committed_pg: tuple[str, Engine],
) -> None:
    url, engine = committed_pg
    with Session(engine, expire_on_commit=False) as session:
        edition, projects = vote_edition(session, level_to_vote=Level.contact)
        confirmed = voter(
            session, CORO, residence_status=ResidenceStatus.declared, email_confirmed_at=utcnow()
        )
        throwaway = voter(session, CORO, residence_status=ResidenceStatus.declared)
        session.commit()
    settings = Settings(
        env="test", database_url=url, secret_key=TEST_SECRET, geocoder_enabled=False, vote_fast_path=True
    )
    app = create_app(settings)
    corot = ids(projects[CORO], 0)
    warm = run_coroutine(post_all(app, [(token(confirmed), {"projects": list(corot)})], edition.slug))
    assert warm[0].status_code == 201  # the regular route fills the vote context
    refused = run_coroutine(post_all(app, [(token(throwaway), {"projects": list(corot)})], edition.slug))
    assert refused[0].status_code == 403 and "confirmez d'abord" in refused[0].json()["detail"]
    assert fast_served(app) == 0
    with Session(engine, expire_on_commit=False) as session:
        person = session.get(User, throwaway.id)
        assert person is not None
        person.email_confirmed_at = utcnow()
        session.add(person)
        session.commit()
    accepted = run_coroutine(post_all(app, [(token(throwaway), {"projects": list(corot)})], edition.slug))
    assert accepted[0].status_code == 201 and fast_served(app) == 1


def test_a_document_that_voted_through_another_account_is_refused_like_the_regular_route(
    world: dict[str, Any],
) -> None:
    app, edition, people, engine = world["app"], world["edition"], world["people"], world["engine"]
    corot = world["projects"][CORO]
    warm = run_coroutine(
        post_all(app, [(token(people["a"]), {"projects": list(ids(corot, 0))})], edition.slug)
    )
    assert warm[0].status_code == 201
    with Session(engine, expire_on_commit=False) as session:
        for name in ("b", "c"):  # two accounts, one identity document seen in person
            user = session.get(User, people[name].id)
            assert user is not None
            documents.record_document(session, user, key=TEST_SECRET, kind="passeport", number="19AB12345")
        session.commit()
    served = fast_served(app)
    first = run_coroutine(
        post_all(app, [(token(people["b"]), {"projects": list(ids(corot, 1))})], edition.slug)
    )
    second = run_coroutine(
        post_all(app, [(token(people["c"]), {"projects": list(ids(corot, 2))})], edition.slug)
    )
    assert first[0].status_code == 201  # the regular route notes the document's participation
    assert second[0].status_code == 409 and "pièce d'identité a déjà servi" in second[0].json()["detail"]
    assert fast_served(app) == served  # both handed over to the regular route
    assert totals(engine, edition.id) == (2, 2)
