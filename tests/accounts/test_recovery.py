"""Forgotten password by e-mail link (through a real SMTP server) and by SMS code; login by SMS code.
The answer never tells whether an account exists; a reset logs out every other device."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import User
from backend.config import Settings
from tests.accounts.conftest import SmtpServer, last_sms_code, read_sms, real_outboxes
from tests.conftest import session_data
from tests.factories import PASSWORD, login, make_user, page_text, post

NEW = "une toute nouvelle phrase"


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer, sms_dir: Path) -> Settings:
    return real_outboxes(settings, smtp_server, sms_dir)


def can_log_in(app: FastAPI, identifier: str, password: str) -> bool:
    with TestClient(app, follow_redirects=False) as c:
        c.get("/connexion")
        response = post(c, "/connexion", {"identifier": identifier, "password": password})
        return response.status_code == 303


def test_password_reset_by_email_link_logs_out_other_devices(
    app: FastAPI, client: TestClient, session: Session, smtp_server: SmtpServer
) -> None:
    user = make_user(session, identifier="oubli@example.org")
    with TestClient(app, follow_redirects=False) as phone:
        login(phone, user)
        assert phone.get("/compte").status_code == 200
        response = post(client, "/mot-de-passe-oublie", {"identifier": "Oubli@example.org"})
        assert response.headers["location"] == "/mot-de-passe-oublie/envoye"
        link = smtp_server.link("oubli@example.org", "/mot-de-passe/nouveau/")
        assert client.get(link).status_code == 200  # opening the link spends nothing
        mismatch = post(client, link, {"password": NEW, "password_confirm": "autre"})
        assert mismatch.status_code == 422 and "pas identiques" in page_text(mismatch)
        done = post(client, link, {"password": NEW, "password_confirm": NEW})
        assert done.status_code == 303 and session_data(client)["uid"] == user.id
        assert phone.get("/compte").status_code == 303  # the other device is logged out
    assert can_log_in(app, "oubli@example.org", NEW) and not can_log_in(app, "oubli@example.org", PASSWORD)
    reused = post(
        client, link, {"password": "encore une autre phrase", "password_confirm": "encore une autre phrase"}
    )
    assert reused.status_code == 422 and "n'est pas bon ou n'est plus valable" in page_text(reused)
    session.expire_all()
    assert session.get(User, user.id).email_confirmed_at is not None  # type: ignore[union-attr]


def test_the_answer_is_the_same_whether_or_not_an_account_exists(
    client: TestClient, session: Session, smtp_server: SmtpServer, sms_dir: Path
) -> None:
    make_user(session, identifier="existe@example.org")
    make_user(session, identifier="0611111111")
    known = post(client, "/mot-de-passe-oublie", {"identifier": "existe@example.org"})
    unknown = post(client, "/mot-de-passe-oublie", {"identifier": "personne@example.org"})
    assert known.status_code == unknown.status_code == 303
    assert known.headers["location"] == unknown.headers["location"]
    assert len(smtp_server.messages) == 1 and not smtp_server.to("personne@example.org")

    post(client, "/mot-de-passe-oublie", {"identifier": "06 11 11 11 11"})
    known_page = page_text(client.get("/mot-de-passe-oublie/code")).replace("11", "XX")
    post(client, "/mot-de-passe-oublie", {"identifier": "06 22 22 22 22"})
    unknown_page = page_text(client.get("/mot-de-passe-oublie/code")).replace("22", "XX")
    assert known_page == unknown_page
    assert [to for to, _ in read_sms(sms_dir)] == ["+33611111111"]
    refused = post(
        client, "/mot-de-passe-oublie/code", {"code": "123456", "password": NEW, "password_confirm": NEW}
    )
    assert refused.status_code == 422 and "n'est pas bon ou n'est plus valable" in page_text(refused)


def test_password_reset_by_sms_code(
    app: FastAPI, client: TestClient, session: Session, sms_dir: Path
) -> None:
    user = make_user(session, identifier="06 33 33 33 33")
    post(client, "/mot-de-passe-oublie", {"identifier": "06 33 33 33 33"})
    code = last_sms_code(sms_dir, "+33633333333")
    # A password error does not spend the code.
    short = post(
        client, "/mot-de-passe-oublie/code", {"code": code, "password": "court", "password_confirm": "court"}
    )
    assert short.status_code == 422 and "au moins 10 caractères" in page_text(short)
    done = post(client, "/mot-de-passe-oublie/code", {"code": code, "password": NEW, "password_confirm": NEW})
    assert done.status_code == 303 and session_data(client)["uid"] == user.id
    assert can_log_in(app, "0633333333", NEW)
    session.expire_all()
    assert session.get(User, user.id).phone_confirmed_at is not None  # type: ignore[union-attr]


def test_login_by_sms_code(client: TestClient, session: Session, sms_dir: Path) -> None:
    user = make_user(session, identifier="06 44 44 44 44")
    assert client.get("/connexion").text.count("/connexion/sms") >= 1
    response = post(client, "/connexion/sms", {"phone": "06 44 44 44 44"})
    assert response.headers["location"] == "/connexion/sms/code"
    code = last_sms_code(sms_dir, "+33644444444")
    wrong = "000000" if code != "000000" else "111111"
    assert post(client, "/connexion/sms/code", {"code": wrong}).status_code == 422
    assert "uid" not in session_data(client)
    assert post(client, "/connexion/sms/code", {"code": code}).status_code == 303
    assert session_data(client)["uid"] == user.id and client.get("/compte").status_code == 200
    client.post("/deconnexion", data={"csrf_token": session_data(client)["csrf"]})
    client.get("/connexion")
    post(client, "/connexion/sms", {"phone": "06 44 44 44 44"})
    assert post(client, "/connexion/sms/code", {"code": code}).status_code == 422  # single use


def test_login_codes_are_limited_per_number_per_day_even_without_an_account(
    client: TestClient, settings: Settings, sms_dir: Path
) -> None:
    settings.codes_max_per_target_day = 2
    for _ in range(2):
        assert post(client, "/connexion/sms", {"phone": "06 77 77 77 77"}).status_code == 303
    refused = post(client, "/connexion/sms", {"phone": "06 77 77 77 77"})
    assert refused.status_code == 429 and "Trop de messages" in page_text(refused)
    bad = post(client, "/connexion/sms", {"phone": "pas un numéro"})
    assert bad.status_code == 422 and "pas valide" in page_text(bad)
