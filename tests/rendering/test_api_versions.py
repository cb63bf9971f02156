"""The JSON API lives under /api/v1; its former unversioned paths are aliases of the same handlers
(kept until v2, out of the OpenAPI document), and every route declares what it answers."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI
from fastapi.routing import RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api import API_V1, UNVERSIONED
from backend.budget.voting.models import Ballot
from backend.budget.voting.tokens import issue_token
from tests.budget.helpers import CORO
from tests.budget.vote_helpers import ids, vote_edition, voter
from tests.conftest import TEST_SECRET

DOCUMENT_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect")


def _api_routes(app: FastAPI) -> list[RouteContext]:
    """Every route under /api, as mounted (the routers' prefixes applied)."""
    return [
        r
        for r in iter_route_contexts(app.routes)
        if r.path
        and r.path.startswith(f"{UNVERSIONED}/")
        and r.path.removeprefix(API_V1).removeprefix(UNVERSIONED) not in DOCUMENT_PATHS
    ]


def test_every_json_route_is_under_v1_with_an_unversioned_alias(app: FastAPI) -> None:
    routes = _api_routes(app)
    v1 = [r for r in routes if (r.path or "").startswith(f"{API_V1}/")]
    aliases = {(r.path, frozenset(r.methods or ()), r.endpoint) for r in routes if r not in v1}
    assert len(v1) >= 12
    for route in v1:
        old = UNVERSIONED + (route.path or "").removeprefix(API_V1)
        assert (old, frozenset(route.methods or ()), route.endpoint) in aliases, old
    # Nothing else under /api is documented, and nothing under /api is left without a v1 twin.
    assert not [r.path for r in routes if r not in v1 and r.include_in_schema]
    assert len(aliases) == len(v1)


def test_every_documented_route_declares_its_answer(app: FastAPI) -> None:
    for route in _api_routes(app):
        if not route.include_in_schema:
            continue
        documented = route.response_model is not None or "model" in route.responses.get(200, {})
        assert documented, route.path
        assert route.endpoint is not None
        assert inspect.signature(route.endpoint).return_annotation not in (Any, "Any"), route.path


def test_the_openapi_document_is_v1_and_still_answers_at_its_former_address(client: TestClient) -> None:
    schema = client.get(f"{API_V1}/openapi.json").json()
    assert schema["paths"] and all(path.startswith(f"{API_V1}/") for path in schema["paths"])
    assert client.get(f"{UNVERSIONED}/openapi.json").json() == schema
    docs = client.get(f"{UNVERSIONED}/docs", follow_redirects=False)
    assert docs.status_code == 301 and docs.headers["location"] == f"{API_V1}/docs"
    assert client.get(f"{API_V1}/docs").status_code == 200


def test_former_paths_answer_the_same(client: TestClient, session: Session) -> None:
    edition, _projects = vote_edition(session)
    for path in (
        "/qpv",
        "/journal/tete",
        "/budget/editions",
        f"/budget/editions/{edition.slug}",
        f"/budget/editions/{edition.slug}/projets",
        "/assemblee",
    ):
        new, old = client.get(API_V1 + path), client.get(UNVERSIONED + path)
        assert new.status_code == old.status_code == 200, path
        assert new.json() == old.json(), path
    assert client.get(f"{UNVERSIONED}/journal").json() == client.get(f"{API_V1}/journal").json()
    missing = client.get(f"{UNVERSIONED}/budget/editions/nulle-part")
    assert missing.status_code == 404 and set(missing.json()) == {"detail", "field"}


def test_a_ballot_cast_at_the_former_path(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    person = voter(session)
    assert person.id is not None
    bearer = {"Authorization": f"Bearer {issue_token(TEST_SECRET, person.id, person.session_version)}"}
    chosen = list(ids(projects[CORO], 0))
    path = f"/budget/editions/{edition.slug}/bulletin"
    checks = [
        client.post(f"{prefix}{path}/verifier", json={"projects": chosen}, headers=bearer).json()
        for prefix in (API_V1, UNVERSIONED)
    ]
    assert checks[0] == checks[1] and checks[0]["valid"] is True
    # The names before v1 are refused, so a client that cannot read the answer casts nothing.
    french = client.post(f"{UNVERSIONED}{path}", json={"projets": chosen}, headers=bearer)
    assert french.status_code == 422 and french.json()["field"] == "projets"
    assert not session.exec(select(Ballot).where(Ballot.edition_id == edition.id)).all()
    cast = client.post(f"{UNVERSIONED}{path}", json={"projects": chosen}, headers=bearer)
    assert cast.status_code == 201 and set(cast.json()) == {"receipt", "envelope", "revote"}
    assert cast.headers["cache-control"] == "no-store"
    receipt = {"code": cast.json()["receipt"]}
    found = [
        client.post(
            f"{prefix}/budget/editions/{edition.slug}/recus/verifier", json=receipt, headers=bearer
        ).json()
        for prefix in (API_V1, UNVERSIONED)
    ]
    assert found[0] == found[1] and found[0]["found"] is True


def test_the_fast_path_serves_both_ballot_paths() -> None:
    from backend.budget.voting.fastpath import PATH

    for prefix in (API_V1, UNVERSIONED):
        found = PATH.match(f"{prefix}/budget/editions/bp-2027/bulletin")
        assert found is not None and found["slug"] == "bp-2027"
    assert PATH.match(f"{API_V1}/budget/editions/bp-2027/bulletin/verifier") is None
