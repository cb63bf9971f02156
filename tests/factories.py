"""Small `make_x(**overrides)` helpers: each test builds only what it needs."""

from __future__ import annotations

import itertools
import re
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient answers (Starlette prefers httpx2, see pyproject)
from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.grants import grant_role
from backend.accounts.models import ResidenceStatus, User
from backend.ledger.service import SYSTEM
from backend.territory.models import Qpv
from tests.conftest import csrf

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def qpv(session: Session, code: str) -> Qpv:
    return session.exec(select(Qpv).where(Qpv.code == code)).one()


def make_user(session: Session, **overrides: Any) -> User:
    n = next(_counter)
    residence = overrides.pop("qpv", None)
    status = overrides.pop(
        "residence_status", ResidenceStatus.verified if residence else ResidenceStatus.none
    )
    user = accounts.register(
        session,
        identifier=overrides.pop("identifier", f"person{n}@example.org"),
        password=overrides.pop("password", PASSWORD),
        display_name=overrides.pop("display_name", f"Personne {n}"),
        birth_year=overrides.pop("birth_year", 1990),
    )
    if residence:
        user.qpv_id = qpv(session, residence).id
        user.residence_status = status
    for key, value in overrides.items():
        setattr(user, key, value)
    session.add(user)
    session.flush()
    return user


def make_staff(session: Session, role: str, scope_kind: str, scope_code: str = "", **overrides: Any) -> User:
    user = make_user(session, **overrides)
    grant_role(session, SYSTEM, user, role, scope_kind, scope_code)
    return user


def login(client: TestClient, user: User, password: str = PASSWORD) -> None:
    identifier = user.email or user.phone
    response = client.post(
        "/connexion", data={"identifier": identifier, "password": password, "csrf_token": csrf(client)}
    )
    assert response.status_code == 303, response.text


def post(client: TestClient, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
    """POST a form with the session's CSRF token."""
    return client.post(url, data={**(data or {}), "csrf_token": csrf(client)}, **kwargs)


CSRF_VALUE = re.compile(r'(name="csrf_token" value="|"X-CSRF-Token": ")[^"]+')


def page_text(response: Response) -> str:
    """The response body with HTML entities decoded (apostrophes are escaped by Jinja), its CSRF
    token (masked differently in every page) written « csrf », so that two pages compare equal."""
    import html

    return CSRF_VALUE.sub(r"\1csrf", html.unescape(response.text))
