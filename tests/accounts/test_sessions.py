"""Sessions end on the server: logout, password change and account deletion make every copy of
the cookie useless; a request with a bearer header is never authenticated by the cookie."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlmodel import Session, select

from backend.accounts.models import User, UserSession
from backend.budget.voting.tokens import read_token
from tests.conftest import TEST_SECRET, csrf, session_data
from tests.factories import PASSWORD, login, make_user, post


def copy_of(app: FastAPI, client: TestClient) -> TestClient:
    """Another device holding a copy of `client`'s session cookie (as a thief would)."""
    thief = TestClient(app, base_url="http://testserver", follow_redirects=False)
    thief.cookies.set("qp_session", client.cookies["qp_session"], domain="testserver.local")
    return thief


def logged_in(client: TestClient) -> bool:
    return client.get("/compte").status_code == 200


def new_token(client: TestClient) -> str:
    """A voting token asked for by the logged-in `client`."""
    return str(client.post("/api/v1/budget/jeton", headers={"X-CSRF-Token": csrf(client)}).json()["token"])


@pytest.fixture
def user(client: TestClient, session: Session) -> User:
    """A user logged in on `client`."""
    person = make_user(session)
    login(client, person)
    return person


@pytest.fixture
def thief(app: FastAPI, client: TestClient, user: User) -> TestClient:
    return copy_of(app, client)


def test_a_copied_cookie_stops_working_after_logout(
    client: TestClient, session: Session, user: User, thief: TestClient
) -> None:
    assert logged_in(thief)
    assert post(client, "/deconnexion").status_code == 303
    assert not logged_in(client)
    assert not logged_in(thief)
    assert session.exec(select(UserSession).where(UserSession.user_id == user.id)).all() == []


def test_logout_ends_this_device_only(client: TestClient, app: FastAPI, session: Session) -> None:
    user = make_user(session)
    phone = TestClient(app, base_url="http://testserver", follow_redirects=False)
    login(phone, user)
    login(client, user)
    post(client, "/deconnexion")
    assert not logged_in(client)
    assert logged_in(phone)


def test_password_change_ends_copies_and_tokens_but_keeps_this_device(
    client: TestClient, session: Session, user: User, thief: TestClient
) -> None:
    token = new_token(client)
    changed = post(
        client,
        "/compte/mot-de-passe",
        {
            "current_password": PASSWORD,
            "password": "un nouveau mot de passe",
            "password_confirm": "un nouveau mot de passe",
        },
    )
    assert changed.status_code == 303
    assert logged_in(client)
    assert not logged_in(thief)
    session.refresh(user)
    claims = read_token(TEST_SECRET, token)
    assert claims is not None and claims.session_version != user.session_version  # the old token is refused
    # The session kept on this device survives the next request too.
    assert logged_in(client)


def test_deleting_the_account_ends_its_sessions(
    client: TestClient, session: Session, user: User, thief: TestClient
) -> None:
    assert (
        post(client, "/compte/supprimer", {"password": PASSWORD, "confirm": "SUPPRIMER"}).status_code == 303
    )
    assert not logged_in(thief)
    assert session.exec(select(UserSession).where(UserSession.user_id == user.id)).all() == []


def test_a_cookie_without_a_server_session_opens_nothing(client: TestClient, session: Session) -> None:
    """A cookie signed with the right key but naming no live session (the old format: user id
    and version only) is refused."""
    user = make_user(session)
    payload = base64.b64encode(json.dumps({"uid": user.id, "sv": user.session_version}).encode())
    client.cookies.set(
        "qp_session", TimestampSigner(TEST_SECRET).sign(payload).decode(), domain="testserver.local"
    )
    assert not logged_in(client)
    assert "uid" not in session_data(client)


def test_junk_bearer_does_not_let_the_cookie_skip_csrf(client: TestClient, user: User) -> None:
    junk = {"Authorization": "Bearer junk"}
    refused = client.post("/api/v1/budget/jeton", headers=junk)
    assert refused.status_code in (401, 403) and "token" not in refused.json()
    # Even with the CSRF header, a request that brings a bearer is not the cookie's.
    with_csrf = client.post("/api/v1/budget/jeton", headers={**junk, "X-CSRF-Token": csrf(client)})
    assert with_csrf.status_code in (401, 403) and "token" not in with_csrf.json()
    empty = client.post("/api/v1/budget/jeton", headers={"Authorization": "bearer "})
    assert empty.status_code in (401, 403)
    # Without a bearer, the cookie still needs its CSRF token.
    assert client.post("/api/v1/budget/jeton").status_code == 403
    assert client.post("/api/v1/budget/jeton", headers={"X-CSRF-Token": csrf(client)}).status_code == 201


def test_a_bearer_header_hides_the_cookie_on_every_page(client: TestClient, user: User) -> None:
    assert client.get("/compte", headers={"Authorization": "Bearer junk"}).status_code == 303
    assert logged_in(client)  # the cookie itself is untouched


def test_a_valid_token_still_works_with_or_without_a_cookie(
    client: TestClient, session: Session, user: User
) -> None:
    token = new_token(client)
    claims = read_token(TEST_SECRET, token)
    assert claims is not None and claims.user_id == user.id
    fresh = session.get(User, user.id)
    assert fresh is not None and claims.session_version == fresh.session_version
