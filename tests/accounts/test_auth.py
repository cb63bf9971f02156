"""Sign-up, login (email or phone), logout, password change, CSRF, rate limiting."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import LoginAttempt, User
from tests.conftest import csrf, session_data
from tests.factories import PASSWORD, login, make_user, page_text, post


def signup(client: TestClient, **overrides: str):  # type: ignore[no-untyped-def]
    data = {
        "identifier": "leila@example.org",
        "display_name": "Leïla",
        "birth_year": "1995",
        "password": "une phrase assez longue",
        "password_confirm": "une phrase assez longue",
        "consent": "1",
    }
    data.update(overrides)
    return post(client, "/inscription", data)


def test_sign_up_logs_in_and_hashes_with_argon2(client: TestClient, session: Session) -> None:
    response = signup(client)
    assert response.status_code == 303 and response.headers["location"].startswith("/compte")
    user = session.exec(select(User).where(User.email == "leila@example.org")).one()
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert session_data(client)["uid"] == user.id
    assert client.get("/compte").status_code == 200


def test_sign_up_with_phone_number_normalises_it(client: TestClient, session: Session) -> None:
    assert signup(client, identifier="06 12 34 56 79").status_code == 303
    assert session.exec(select(User).where(User.phone == "+33612345679")).one()


def test_sign_up_errors_keep_what_was_typed(client: TestClient) -> None:
    response = signup(client, password_confirm="autre chose encore")
    assert response.status_code == 422
    assert "ne sont pas identiques" in page_text(response)
    assert 'value="leila@example.org"' in page_text(response) and 'value="Leïla"' in page_text(response)


def test_sign_up_refuses_short_password_bad_year_and_missing_consent(client: TestClient) -> None:
    assert "au moins 10 caractères" in signup(client, password="court", password_confirm="court").text
    assert "4 chiffres" in signup(client, birth_year="95a").text
    assert "entre 1900" in signup(client, birth_year="1850").text
    assert "Cochez la case" in signup(client, consent="").text


def test_duplicate_account_is_refused(client: TestClient, session: Session) -> None:
    make_user(session, identifier="leila@example.org")
    response = signup(client, identifier="LEILA@example.org")
    assert response.status_code == 409
    assert "existe déjà" in page_text(response)


def test_login_with_email_or_phone(client: TestClient, session: Session) -> None:
    user = make_user(session, identifier="07 00 00 00 01")
    login(client, user)
    assert session_data(client)["uid"] == user.id
    client.cookies.clear()
    other = make_user(session)
    login(client, other)
    assert session_data(client)["uid"] == other.id


def test_wrong_password_is_refused_without_saying_which_part_is_wrong(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    response = post(client, "/connexion", {"identifier": user.email, "password": "wrong password"})
    assert response.status_code == 401
    assert "Identifiant ou mot de passe incorrect" in page_text(response)
    unknown = post(client, "/connexion", {"identifier": "nobody@example.org", "password": "wrong password"})
    assert unknown.status_code == 401 and "Identifiant ou mot de passe incorrect" in page_text(unknown)


def test_logout(client: TestClient, session: Session) -> None:
    login(client, make_user(session))
    assert post(client, "/deconnexion").status_code == 303
    assert "uid" not in session_data(client)
    assert client.get("/compte").status_code == 303  # back to the login page


def test_post_without_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session)
    client.get("/connexion")
    response = client.post("/connexion", data={"identifier": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "expiré" in page_text(response)
    forged = client.post(
        "/connexion", data={"identifier": user.email, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert "uid" not in session_data(client)


def test_csrf_token_in_header_is_accepted(client: TestClient, session: Session) -> None:
    user = make_user(session)
    token = csrf(client)
    response = client.post(
        "/connexion", data={"identifier": user.email, "password": PASSWORD}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 303


def test_csrf_from_another_session_is_refused(client: TestClient, app, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    other = TestClient(app)
    stolen = csrf(other)
    client.get("/connexion")
    response = client.post(
        "/connexion", data={"identifier": user.email, "password": PASSWORD, "csrf_token": stolen}
    )
    assert response.status_code == 403


def test_rate_limit_per_account(client: TestClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(5):
        assert (
            post(client, "/connexion", {"identifier": user.email, "password": "wrong password"}).status_code
            == 401
        )
    blocked = post(client, "/connexion", {"identifier": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Trop d'essais pour ce compte" in page_text(blocked)
    assert "uid" not in session_data(client)
    # Another account from the same device is not blocked by this account's failures.
    login(client, make_user(session))


def test_rate_limit_per_ip(client: TestClient, session: Session) -> None:
    for i in range(20):
        post(client, "/connexion", {"identifier": f"guess{i}@example.org", "password": "wrong password"})
    user = make_user(session)
    blocked = post(client, "/connexion", {"identifier": user.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "depuis cet appareil" in page_text(blocked)


def test_success_clears_the_account_failures(client: TestClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(3):
        post(client, "/connexion", {"identifier": user.email, "password": "wrong password"})
    login(client, user)
    assert session.exec(select(LoginAttempt)).all() == []


def test_password_change_logs_out_other_devices(client: TestClient, app, session: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    other_device = TestClient(app, follow_redirects=False)
    login(other_device, user)
    login(client, user)
    bad = post(
        client,
        "/compte/mot-de-passe",
        {"current_password": "wrong", "password": "x" * 12, "password_confirm": "x" * 12},
    )
    assert bad.status_code == 422 and "actuel" in page_text(bad)
    ok = post(
        client,
        "/compte/mot-de-passe",
        {
            "current_password": PASSWORD,
            "password": "nouveau mot de passe",
            "password_confirm": "nouveau mot de passe",
        },
    )
    assert ok.status_code == 303
    assert client.get("/compte").status_code == 200
    assert other_device.get("/compte", follow_redirects=False).status_code == 303
    client.cookies.clear()
    login(client, user, "nouveau mot de passe")


def test_next_parameter_cannot_redirect_elsewhere(client: TestClient, session: Session) -> None:
    user = make_user(session)
    response = post(
        client, "/connexion", {"identifier": user.email, "password": PASSWORD, "suivant": "//evil.example"}
    )
    assert response.headers["location"] == "/compte"
