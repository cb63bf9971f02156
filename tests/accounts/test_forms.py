"""Account forms list every problem at once, each next to its field, and keep what was typed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.db import utcnow
from tests.factories import PASSWORD, login, make_user, page_text, post


def error_fields(html: str) -> set[str]:
    return set(re.findall(r'id="f-(\w+)-error"', html))


def test_an_empty_sign_up_lists_every_problem_at_once(client: TestClient, session: Session) -> None:
    response = post(client, "/inscription", {})
    assert response.status_code == 422
    text = page_text(response)
    assert "Il y a 5 points à corriger" in text
    for message in (
        "Indiquez votre adresse e-mail ou votre numéro de téléphone",
        "Indiquez un nom, de 2 à 80 lettres ou signes",
        "Indiquez votre année de naissance",
        "au moins 10 caractères",
        "Cochez la case",
    ):
        assert message in text, message
    assert error_fields(response.text) == {"identifier", "display_name", "birth_year", "password", "consent"}
    assert session.exec(select(User)).all() == []


def test_sign_up_problems_keep_what_was_typed_but_not_passwords(client: TestClient, session: Session) -> None:
    make_user(session, identifier="pris@example.org")
    response = post(
        client,
        "/inscription",
        {
            "identifier": "pris@example.org",
            "display_name": "Nour",
            "birth_year": "19",
            "password": "une phrase assez longue",
            "password_confirm": "une autre phrase longue",
            "consent": "1",
        },
    )
    assert response.status_code == 409
    assert error_fields(response.text) == {"identifier", "birth_year", "password_confirm"}
    text = page_text(response)
    assert 'value="pris@example.org"' in text and 'value="Nour"' in text and 'value="19"' in text
    assert "une phrase assez longue" not in text
    assert 'value="1" checked' in text  # the consent box stays ticked
    # Only the account made beforehand exists.
    assert len(session.exec(select(User)).all()) == 1


def test_birth_year_is_required_at_sign_up_and_says_why(client: TestClient) -> None:
    page = page_text(client.get("/inscription"))
    assert "Pour vérifier l'âge minimum du vote" in page
    birth_label = page[page.index('for="f-birth_year"') :][:200]
    assert "(facultatif)" not in birth_label
    base = {
        "identifier": "sami@example.org",
        "display_name": "Sami",
        "password": "une phrase assez longue",
        "password_confirm": "une phrase assez longue",
        "consent": "1",
    }
    missing = post(client, "/inscription", {**base, "birth_year": ""})
    assert missing.status_code == 422 and error_fields(missing.text) == {"birth_year"}
    future = post(client, "/inscription", {**base, "birth_year": str(utcnow().year + 1)})
    assert future.status_code == 422 and "L'année de naissance doit être comprise" in page_text(future)
    assert post(client, "/inscription", {**base, "birth_year": "2001"}).status_code == 303


def test_an_account_without_birth_year_adds_it_and_goes_back(client: TestClient, session: Session) -> None:
    user = make_user(session, birth_year=None)
    login(client, user)
    ballot = "/budget-participatif/marseille-2026/voter"
    page = page_text(client.get(f"/compte?suivant={ballot}"))
    assert "Votre année de naissance manque" in page
    assert f'name="suivant" value="{ballot}"' in page
    saved = post(
        client, "/compte/profil", {"display_name": user.display_name, "birth_year": "1970", "suivant": ballot}
    )
    assert saved.status_code == 303 and saved.headers["location"] == ballot
    session.refresh(user)
    assert user.birth_year == 1970
    elsewhere = post(
        client,
        "/compte/profil",
        {"display_name": user.display_name, "birth_year": "1970", "suivant": "//evil.example"},
    )
    assert elsewhere.headers["location"] == "/compte"


def test_profile_lists_every_problem_and_saves_nothing(client: TestClient, session: Session) -> None:
    user = make_user(session, display_name="Awa", birth_year=1980)
    login(client, user)
    response = post(client, "/compte/profil", {"display_name": "A", "birth_year": "19x0"})
    assert response.status_code == 422
    assert error_fields(response.text) == {"display_name", "birth_year"}
    assert 'value="19x0"' in response.text
    session.refresh(user)
    assert (user.display_name, user.birth_year) == ("Awa", 1980)


def test_password_change_lists_every_problem(client: TestClient, session: Session) -> None:
    user = make_user(session)
    login(client, user)
    response = post(
        client,
        "/compte/mot-de-passe",
        {"current_password": "faux", "password": "court", "password_confirm": "autre"},
    )
    assert response.status_code == 422
    assert error_fields(response.text) == {"current_password", "password", "password_confirm"}
    client.cookies.clear()
    login(client, user, PASSWORD)  # unchanged


def test_account_deletion_lists_every_problem(client: TestClient, session: Session) -> None:
    login(client, make_user(session))
    response = post(client, "/compte/supprimer", {"password": "faux", "confirm": "oui"})
    assert response.status_code == 422
    assert error_fields(response.text) == {"password", "confirm"}
