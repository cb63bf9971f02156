"""Login limits stop guessing without letting a third party lock the owner out."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts import sessions as service
from backend.accounts.models import LoginAttempt
from backend.config import Settings
from backend.errors import TooManyRequests
from tests.conftest import session_data
from tests.factories import PASSWORD, make_user, page_text, post

WRONG = "pas le bon mot de passe"


def device(app: FastAPI, ip: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", follow_redirects=False, client=(ip, 50000))


def test_failures_from_another_address_do_not_lock_the_owner_out(app: FastAPI, session: Session) -> None:
    owner = make_user(session)
    neighbour = device(app, "203.0.113.7")
    for _ in range(8):
        post(neighbour, "/connexion", {"identifier": owner.email, "password": WRONG})
    # Guessing from that address is stopped, even with the right password.
    blocked = post(neighbour, "/connexion", {"identifier": owner.email, "password": PASSWORD})
    assert blocked.status_code == 429 and "Trop d'essais pour ce compte" in page_text(blocked)
    assert "uid" not in session_data(neighbour)
    # The owner, on their own phone, logs in.
    phone = device(app, "198.51.100.20")
    assert post(phone, "/connexion", {"identifier": owner.email, "password": PASSWORD}).status_code == 303
    assert session_data(phone)["uid"] == owner.id
    # And logging in does not wipe the guesser's count.
    still = post(neighbour, "/connexion", {"identifier": owner.email, "password": PASSWORD})
    assert still.status_code == 429


def test_guesses_spread_over_many_addresses_slow_down_only_those_addresses(
    session: Session, settings: Settings
) -> None:
    owner = make_user(session)
    assert owner.email is not None
    per_address = settings.login_max_failures_account - 1  # stays under the per-address limit
    account_wide = service.ACCOUNT_WIDE_FACTOR * settings.login_max_failures_account
    for n in range(-(-account_wide // per_address)):  # just enough addresses to reach it
        for _ in range(per_address):
            assert service.authenticate(session, settings, owner.email, WRONG, f"192.0.2.{n}") is None
    # Beyond the account-wide threshold, an address that has been failing is refused...
    with pytest.raises(TooManyRequests):
        service.authenticate(session, settings, owner.email, PASSWORD, "192.0.2.1")
    # ...but one that has not been failing still gets in with the right password.
    assert service.authenticate(session, settings, owner.email, PASSWORD, "198.51.100.20") == owner


def test_ipv6_addresses_of_one_network_count_together(session: Session, settings: Settings) -> None:
    owner = make_user(session)
    assert owner.email is not None
    for n in range(settings.login_max_failures_account):
        service.authenticate(session, settings, owner.email, WRONG, f"2001:db8:1:2::{n + 1:x}")
    with pytest.raises(TooManyRequests):
        # a fresh address of the same /64 is refused
        service.authenticate(session, settings, owner.email, PASSWORD, "2001:db8:1:2::ffff")
    assert service.authenticate(session, settings, owner.email, PASSWORD, "2001:db8:9::1") == owner
    assert service.client_key("::ffff:192.0.2.1") == "192.0.2.1"


def test_an_empty_login_form_is_not_counted_as_a_guess(client: TestClient, session: Session) -> None:
    response = post(client, "/connexion", {"identifier": "", "password": ""})
    assert response.status_code == 422
    text = page_text(response)
    assert "Indiquez votre adresse e-mail ou votre numéro de téléphone" in text
    assert "Indiquez votre mot de passe" in text
    assert session.exec(select(LoginAttempt)).all() == []
