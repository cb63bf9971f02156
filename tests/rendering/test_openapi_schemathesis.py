"""The OpenAPI description tells the truth: schemathesis generates requests for every operation of
`/api/v1/openapi.json` and checks each answer (no server error; status code, content type and body as
documented), once anonymously and once with a bearer token on an edition that is open for voting.

Bounded so the whole module stays well under a minute on two cores: few examples per operation,
derandomized (the same requests every run), no deadline (the first request of an app is slower)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from backend.budget.voting.tokens import issue_token
from backend.config import Settings
from tests.budget.vote_helpers import vote_edition, voter
from tests.conftest import TEST_SECRET

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
BOUNDS = settings(
    max_examples=5, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


@dataclass
class World:
    slug: str
    token: str


@pytest.fixture
def world(session: Session) -> World:
    """An edition open for voting and a resident of it with a bearer token."""
    edition, _projects = vote_edition(session)
    person = voter(session)
    assert person.id is not None
    return World(edition.slug, issue_token(TEST_SECRET, person.id, person.session_version))


def _schema_app() -> FastAPI:
    """An app only to serve `/api/v1/openapi.json` at collection time (it touches no database); each
    test then calls its own `app`, bound to the test's rolled-back transaction.
    (`schemathesis.pytest.from_fixture` would load it from the fixture, but fails on pytest 9.)"""
    from backend.app import create_app

    return create_app(
        Settings(
            env="test",
            database_url="sqlite://",
            secret_key=TEST_SECRET,
            geocoder_enabled=False,
            mail_backend="console",
        )
    )


schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", _schema_app())


@schema.parametrize()
@BOUNDS
def test_anonymous(case: schemathesis.Case[Any], app: FastAPI, world: World) -> None:
    case.call_and_validate(checks=CHECKS, app=app)


@schema.parametrize()
@BOUNDS
def test_with_a_bearer_token(case: schemathesis.Case[Any], app: FastAPI, world: World) -> None:
    # Aim at the real edition, so the voting operations get past the 404 and reach their rules.
    if case.path_parameters and "slug" in case.path_parameters:
        case.path_parameters["slug"] = world.slug
    case.call_and_validate(checks=CHECKS, app=app, headers={"Authorization": f"Bearer {world.token}"})
