"""Both paths of the JSON ballot API give the same answer (PostgreSQL).

Each scenario runs twice on one database: through an app with the fast path
(:mod:`backend.budget.voting.fastpath`) and through an app without it (the regular route answers).
The answers must be the same — status, ``detail``, ``problems``, receipt present or not — and only
a valid first ballot may be served by the fast path; every refusal is handed over and answered by
the regular route. A new refusal added to one path only makes one of these scenarios differ.

Each run gets its own edition and its own voters (the database is created once for the module)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from backend.accounts import documents
from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, User
from backend.app import create_app
from backend.budget.models import Edition
from backend.budget.service import editions
from backend.budget.voting.service import MAX_PROJECTS
from backend.config import Settings
from backend.db import utcnow
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO
from tests.budget.vote_helpers import fast_served, ids, paper, post_all, token, vote_edition, voter
from tests.concurrency import run_coroutine
from tests.conftest import TEST_SECRET

pytestmark = pytest.mark.usefixtures("postgres_only")


@dataclass
class Run:
    """One scenario on one app: the edition, its projects by QPV, the people."""

    app: FastAPI
    engine: Engine
    edition: Edition
    projects: dict[str, list[Any]]
    subject: User
    other: User

    def post(self, user: User, body: dict[str, Any], tok: str | None = None) -> Any:
        sent = run_coroutine(post_all(self.app, [(tok or token(user), body)], self.edition.slug))
        return sent[0]

    def change_user(self, user: User, **values: Any) -> None:
        with Session(self.engine) as session:
            row = session.get(User, user.id)
            assert row is not None
            for key, value in values.items():
                setattr(row, key, value)
            session.add(row)
            session.commit()


Step = Callable[[Run], None]


def _corot(run: Run, *positions: int) -> dict[str, Any]:
    return {"projects": list(ids(run.projects[CORO], *positions))}


def _voted(run: Run) -> None:
    assert run.post(run.subject, _corot(run, 1)).status_code == 201


def _voted_on_paper(run: Run) -> None:
    with Session(run.engine, expire_on_commit=False) as session:
        edition, user = session.get(Edition, run.edition.id), session.get(User, run.subject.id)
        assert edition is not None and user is not None
        paper(session, edition, user, *ids(run.projects[CORO], 1))
        session.commit()


def _closed(run: Run) -> None:
    with Session(run.engine, expire_on_commit=False) as session:
        edition = session.get(Edition, run.edition.id)
        assert edition is not None
        editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
        session.commit()


def _document(*, other_voted: bool) -> Step:
    def step(run: Run) -> None:
        with Session(run.engine) as session:
            for person in (run.subject, run.other):  # two accounts, one identity document
                user = session.get(User, person.id)
                assert user is not None
                documents.record_document(
                    session, user, key=TEST_SECRET, kind="passeport", number="19AB12345"
                )
            session.commit()
        if other_voted:
            assert run.post(run.other, _corot(run, 2)).status_code == 201

    return step


@dataclass(frozen=True)
class Scenario:
    name: str
    status: int
    detail: str = ""  # a part of the expected ``detail`` (refusals)
    served: bool = False  # answered by the fast path itself
    edition: dict[str, Any] = field(default_factory=dict)
    subject: dict[str, Any] = field(default_factory=dict)  # the voter's QPV and account overrides
    body: Callable[[Run], dict[str, Any]] = lambda run: _corot(run, 0)
    before: Step | None = None  # what happens between the token and the ballot
    stale_token: bool = False


SCENARIOS = [
    Scenario("valid first ballot", 201, served=True),
    Scenario(
        "valid first ballot at the contact level",
        201,
        served=True,
        edition={"level_to_vote": Level.contact},
        subject={"residence_status": ResidenceStatus.declared, "email_confirmed_at": utcnow()},
    ),
    Scenario("too many projects", 422, body=lambda run: _corot(run, 0, 1, 2, 3)),
    Scenario("empty ballot", 422, body=lambda run: {"projects": []}),
    Scenario("project of another envelope", 422, subject={"qpv": CENTRE}),
    Scenario(
        "more projects than the API takes",
        422,
        body=lambda run: {"projects": [str(n) for n in range(MAX_PROJECTS + 1)]},
    ),
    Scenario("unknown field", 422, body=lambda run: {"projets": list(ids(run.projects[CORO], 0))}),
    Scenario(
        "quartier outside the edition",
        403,
        "d'autres quartiers",
        edition={"territory_codes": [CORO], "costs": {CORO: (40_000, 30_000, 20_000, 10_000)}},
        subject={"qpv": CENTRE},
    ),
    Scenario("no quartier", 403, "indiquez d'abord votre quartier", subject={"qpv": None}),
    Scenario("too young", 403, "au moins", subject={"birth_year": 2024}),
    Scenario(
        "missing level (contact not confirmed)",
        403,
        "confirmez d'abord",
        edition={"level_to_vote": Level.contact},
        subject={"residence_status": ResidenceStatus.declared},
    ),
    Scenario("vote closed", 409, "terminé", before=_closed),
    Scenario("already voted online, no revote", 409, "déjà voté en ligne", before=_voted),
    Scenario("already voted at a voting point", 409, "bureau de vote", before=_voted_on_paper),
    Scenario("revote allowed", 201, edition={"revote_allowed": True}, before=_voted),
    Scenario(
        "suspended account",
        401,
        "Connectez-vous",
        before=lambda run: run.change_user(run.subject, is_active=False),
    ),
    Scenario(
        "deleted account",
        401,
        "Connectez-vous",
        before=lambda run: run.change_user(run.subject, deleted_at=utcnow()),
    ),
    Scenario(
        "stale token (session version bumped)",
        401,
        "session a expiré",
        stale_token=True,
        before=lambda run: run.change_user(run.subject, session_version=run.subject.session_version + 1),
    ),
    Scenario("first ballot of an identity document", 201, before=_document(other_voted=False)),
    Scenario(
        "identity document already voted through another account",
        409,
        "pièce d'identité a déjà servi",
        before=_document(other_voted=True),
    ),
]


@pytest.fixture(scope="module")
def apps(committed_pg: tuple[str, Engine]) -> dict[bool, FastAPI]:
    url, _engine = committed_pg
    return {
        fast: create_app(
            Settings(
                env="test",
                database_url=url,
                secret_key=TEST_SECRET,
                geocoder_enabled=False,
                vote_fast_path=fast,
            )
        )
        for fast in (True, False)
    }


def _answer(scenario: Scenario, app: FastAPI, engine: Engine) -> tuple[int, dict[str, Any], int]:
    """The answer to the scenario's ballot on this app (the receipt reduced to its presence), and
    how many ballots the fast path served for it."""
    overrides = dict(scenario.edition)
    costs = overrides.pop("costs", None)
    subject = dict(scenario.subject)
    qpv = subject.pop("qpv", CORO)
    with Session(engine, expire_on_commit=False) as session:
        edition, projects = vote_edition(session, costs, **overrides)
        confirmed = {"email_confirmed_at": utcnow()} if overrides.get("level_to_vote") else {}
        warm = voter(session, CORO, **confirmed)
        person = voter(session, qpv, **subject) if qpv else voter(session, None, **subject)
        other = voter(session, CORO, **confirmed)
        session.commit()
    run = Run(app, engine, edition, projects, person, other)
    # A first ballot fills the vote context (through the regular route), as on polling day.
    assert run.post(warm, _corot(run, 0)).status_code == 201
    tok = token(person)
    if scenario.before is not None:
        scenario.before(run)
    served = fast_served(app)
    response = run.post(person, scenario.body(run), tok if scenario.stale_token else None)
    served = fast_served(app) - served
    text = response.text
    for code, listed in projects.items():  # each run has its own projects: name them by place
        for n, project in enumerate(listed):
            text = text.replace(f"« {project.id} »", f"« {code} n°{n} »")
    payload = json.loads(text)
    if "receipt" in payload:
        payload["receipt"] = bool(payload["receipt"])
    return response.status_code, payload, served


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_both_paths_give_the_same_answer(
    scenario: Scenario, apps: dict[bool, FastAPI], committed_pg: tuple[str, Engine]
) -> None:
    engine = committed_pg[1]
    fast_status, fast_payload, fast_count = _answer(scenario, apps[True], engine)
    slow_status, slow_payload, slow_count = _answer(scenario, apps[False], engine)
    assert (fast_status, fast_payload) == (slow_status, slow_payload)
    assert fast_status == scenario.status, fast_payload
    assert fast_count == (1 if scenario.served else 0)
    assert slow_count == 0  # no fast path in that app: the regular route answered
    if scenario.status == 201:
        assert fast_payload["receipt"] is True
        assert fast_payload["revote"] is (scenario.before is _voted)
    else:
        assert "receipt" not in fast_payload
        assert scenario.detail in str(fast_payload["detail"])
