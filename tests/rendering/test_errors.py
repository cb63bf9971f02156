"""Errors answered cleanly, in the route's format: NUL characters in a URL, bodies that are not JSON,
numeric ids beyond the database's integers, and an unexpected exception that must not cost the
client its connection."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import httpx2
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.budget.voting.tokens import issue_token
from backend.errors import ApiError
from tests.budget.vote_helpers import voter
from tests.conftest import TEST_SECRET
from tests.live import serve


def _api_error(response: httpx2.Response, status: int) -> ApiError:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    return ApiError.model_validate(response.json())


@pytest.mark.parametrize("url", ["/api/v1/journal", "/journal.json"])
@pytest.mark.parametrize("name", ["processus", "quartier", "action"])
def test_nul_in_a_journal_filter_is_a_400(client: TestClient, url: str, name: str) -> None:
    error = _api_error(client.get(url, params={name: "budget\x00x"}), 400)
    assert error.field == name and "caractère interdit" in error.detail


@pytest.mark.parametrize(
    "url", ["/journal?processus=a%00b", "/quartiers?commune=13%0001", "/budget-participatif/a%00b"]
)
def test_nul_anywhere_in_a_page_url_is_a_400(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400, response.text
    assert "Demande incorrecte" in response.text and "caractère interdit" in response.text


@pytest.mark.parametrize("url", ["/api/v1/budget/editions/a%00b", "/api/v1/qpv/QN%0001342I.geojson"])
def test_nul_anywhere_in_an_api_url_is_a_json_400(client: TestClient, url: str) -> None:
    assert "caractère interdit" in _api_error(client.get(url), 400).detail


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", b'{"projects": []}'),
        ("application/octet-stream", b"\xff\xfe\x00binary"),
        ("application/json", b"\xff\x00 not json"),
        ("application/json", b'{"projects": '),
        ("application/x-www-form-urlencoded", b"projets=1"),
    ],
)
def test_an_api_body_that_is_not_json_is_a_clean_error(
    client: TestClient, session: Session, content_type: str, body: bytes
) -> None:
    person = voter(session)
    token = issue_token(TEST_SECRET, person.id, person.session_version)
    response = client.post(
        "/api/v1/budget/editions/nulle-part/bulletin",
        content=body,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (400, 422), response.text
    error = _api_error(response, response.status_code)
    assert error.detail.startswith(("Certaines informations", "Cette demande est mal formée")), error.detail


@pytest.mark.parametrize("seq", ["99999999999", str(2**31), "99999999999999999999"])
def test_an_id_beyond_the_database_integers_is_a_404(client: TestClient, seq: str) -> None:
    """SQLite stores up to 2^63; PostgreSQL's integer columns stop at 2^31 - 1."""
    page = client.get(f"/journal/{seq}")
    assert page.status_code == 404 and "Page introuvable" in page.text
    assert _api_error(client.get(f"/api/v1/assemblee/{seq}"), 404).detail


def test_an_id_beyond_2_31_is_a_404_on_postgresql(client: TestClient, postgres_only: None) -> None:
    assert client.get("/journal/2147483648").status_code == 404
    assert client.get(f"/api/v1/assemblee/{2**40}").status_code == 404


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    """The app (with two routes that fail) behind a real uvicorn on a free loopback port."""

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/test-boom", boom, include_in_schema=False)
    app.add_api_route("/test-boom", boom, include_in_schema=False)
    with serve(app, log_level="critical") as url:
        yield url


def _client_address(response: httpx.Response) -> object:
    return response.extensions["network_stream"].get_extra_info("client_addr")


@pytest.mark.parametrize("path", ["/api/test-boom", "/test-boom"])
def test_a_500_keeps_the_connection_usable(live: str, path: str) -> None:
    # A generous timeout: on a loaded 2-core CI machine (chromium in the other worker) the server thread can
    # wait seconds for the CPU; a closed connection still fails at once, which is what this test is about.
    with httpx.Client(base_url=live, limits=httpx.Limits(max_connections=1), timeout=60) as http:
        failed = http.get(path)
        assert failed.status_code == 500
        assert "erreur inattendue" in failed.text
        assert failed.headers.get("connection", "").lower() != "close"
        assert failed.headers["x-content-type-options"] == "nosniff"  # the outer middleware ran
        time.sleep(0.05)  # a server that closes the connection has done so by now
        after = http.get("/api/v1/journal/tete")
        assert after.status_code == 200
        assert _client_address(after) == _client_address(failed)  # the same connection
