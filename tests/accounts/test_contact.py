"""Confirmed contact: an e-mail by a link received through a real SMTP server, a phone number by an SMS
code (file backend); one number confirms one account; codes expire, are single use and limited."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts import codes
from backend.accounts.levels import Level, level_of
from backend.accounts.models import CodePurpose, OneTimeCode, User
from backend.config import Settings
from backend.errors import Invalid
from backend.ledger.models import LedgerEntry
from tests.accounts.conftest import SmtpServer, last_sms_code, read_sms, real_outboxes
from tests.accounts.test_auth import signup
from tests.factories import login, make_user, page_text, post
from tests.live import free_port


@pytest.fixture
def settings(settings: Settings, smtp_server: SmtpServer, sms_dir: Path) -> Settings:
    return real_outboxes(settings, smtp_server, sms_dir)


def user_by(session: Session, **where: str) -> User:
    session.expire_all()
    (column, value), *_ = where.items()
    return session.exec(select(User).where(getattr(User, column) == value)).one()


def test_email_is_confirmed_only_through_the_link_received_by_smtp(
    client: TestClient, session: Session, smtp_server: SmtpServer
) -> None:
    response = signup(client, identifier="jetable@example.org")
    assert response.headers["location"] == "/compte/confirmation"
    assert level_of(user_by(session, email="jetable@example.org")) == Level.account
    assert "Nous avons envoyé un lien" in page_text(client.get("/compte/confirmation"))

    link = smtp_server.link("jetable@example.org", "/compte/confirmer/")
    # Opening the link (as a mail scanner does) shows a button and changes nothing.
    page = client.get(link)
    assert page.status_code == 200 and "Confirmer" in page.text
    assert user_by(session, email="jetable@example.org").email_confirmed_at is None
    # A made-up link does nothing either.
    assert post(client, "/compte/confirmer/not-a-real-token-at-all").status_code == 422
    assert user_by(session, email="jetable@example.org").email_confirmed_at is None

    assert post(client, link).status_code == 303
    user = user_by(session, email="jetable@example.org")
    assert user.email_confirmed_at is not None and level_of(user) == Level.contact
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.action == "accounts.contact_confirmed")).one()
    assert entry.object_id == user.public_id and "jetable" not in entry.reason + entry.payload

    again = post(client, link)  # single use
    assert again.status_code == 422 and "n'est pas bon ou n'est plus valable" in page_text(again)
    assert "n'est plus valable" in page_text(client.get(link))


def test_phone_sign_up_is_confirmed_by_the_sms_code(
    client: TestClient, session: Session, sms_dir: Path
) -> None:
    assert signup(client, identifier="06 11 22 33 44").headers["location"] == "/compte/confirmation"
    assert "finit par 44" in page_text(client.get("/compte/confirmation"))
    code = last_sms_code(sms_dir, "+33611223344")
    wrong = "000000" if code != "000000" else "111111"
    response = post(client, "/compte/confirmation/code", {"code": wrong})
    assert response.status_code == 422 and "n'est pas bon" in page_text(response)
    assert user_by(session, phone="+33611223344").phone_confirmed_at is None
    assert post(client, "/compte/confirmation/code", {"code": code}).status_code == 303
    assert level_of(user_by(session, phone="+33611223344")) == Level.contact


def test_the_same_phone_number_cannot_confirm_two_accounts(
    app: FastAPI, client: TestClient, session: Session, sms_dir: Path
) -> None:
    amel, bruno, chloe = (
        make_user(session, identifier=f"{n}@example.org") for n in ("amel", "bruno", "chloe")
    )
    with TestClient(app, follow_redirects=False) as other:
        login(client, amel)
        login(other, bruno)
        assert post(client, "/compte/contact/telephone", {"phone": "07 00 00 00 01"}).status_code == 303
        code_amel = last_sms_code(sms_dir, "+33700000001")
        assert post(other, "/compte/contact/telephone", {"phone": "0700000001"}).status_code == 303
        code_bruno = last_sms_code(sms_dir, "+33700000001")
        assert post(client, "/compte/confirmation/code", {"code": code_amel}).status_code == 303
        refused = post(other, "/compte/confirmation/code", {"code": code_bruno})
        assert refused.status_code == 409
        assert "ne peut confirmer qu'un seul compte" in page_text(refused)
    session.expire_all()
    assert session.get(User, amel.id).phone == "+33700000001"  # type: ignore[union-attr]
    assert session.get(User, bruno.id).phone is None  # type: ignore[union-attr]
    # Once confirmed, nobody else can even ask for a code for it.
    login(client, chloe)
    sent = len(read_sms(sms_dir))
    response = post(client, "/compte/contact/telephone", {"phone": "07 00 00 00 01"})
    assert response.status_code == 409 and "déjà utilisé par un autre compte" in page_text(response)
    assert len(read_sms(sms_dir)) == sent


def test_a_new_email_replaces_the_old_one_only_once_confirmed(
    client: TestClient, session: Session, smtp_server: SmtpServer
) -> None:
    user = make_user(session, identifier="ancienne@example.org")
    login(client, user)
    assert post(client, "/compte/contact/email", {"email": "nouvelle@example.org"}).status_code == 303
    assert user_by(session, public_id=user.public_id).email == "ancienne@example.org"
    bad = post(client, "/compte/contact/email", {"email": "pas une adresse"})
    assert bad.status_code == 422 and "pas valide" in page_text(bad)
    assert post(client, smtp_server.link("nouvelle@example.org", "/compte/confirmer/")).status_code == 303
    changed = user_by(session, public_id=user.public_id)
    assert changed.email == "nouvelle@example.org" and changed.email_confirmed_at is not None


def test_codes_expire_are_single_use_and_limited_in_attempts(session: Session, settings: Settings) -> None:
    user = make_user(session)
    key = settings.secret_key
    code = codes.issue(session, key, user, CodePurpose.confirm_phone, target="+33600000009")
    row = session.exec(select(OneTimeCode).where(OneTimeCode.user_id == user.id)).one()
    row.expires_at = row.expires_at - timedelta(hours=1)
    session.add(row)
    with pytest.raises(Invalid):
        codes.consume(session, key, CodePurpose.confirm_phone, code, user=user)

    code = codes.issue(session, key, user, CodePurpose.confirm_phone, target="+33600000009")
    assert codes.consume(session, key, CodePurpose.confirm_phone, code, user=user).target == "+33600000009"
    with pytest.raises(Invalid):
        codes.consume(session, key, CodePurpose.confirm_phone, code, user=user)

    code = codes.issue(session, key, user, CodePurpose.confirm_phone, target="+33600000009")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(codes.MAX_ATTEMPTS):
        with pytest.raises(Invalid):
            codes.consume(session, key, CodePurpose.confirm_phone, wrong, user=user)
    with pytest.raises(Invalid):
        codes.consume(session, key, CodePurpose.confirm_phone, code, user=user)


def test_wrong_codes_typed_on_the_page_keep_counting(
    client: TestClient, session: Session, sms_dir: Path
) -> None:
    signup(client, identifier="06 55 44 33 22")
    code = last_sms_code(sms_dir, "+33655443322")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(codes.MAX_ATTEMPTS):
        assert post(client, "/compte/confirmation/code", {"code": wrong}).status_code == 422
    assert post(client, "/compte/confirmation/code", {"code": code}).status_code == 422
    assert user_by(session, phone="+33655443322").phone_confirmed_at is None


def test_sign_ups_are_limited_per_address_per_hour(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings.signup_max_per_ip_hour = 2
    assert signup(client, identifier="un@example.org").status_code == 303
    client.cookies.clear()
    assert signup(client, identifier="deux@example.org").status_code == 303
    client.cookies.clear()
    refused = signup(client, identifier="trois@example.org")
    assert refused.status_code == 429 and "Trop de comptes ont été créés" in page_text(refused)
    assert 'value="trois@example.org"' in page_text(refused)  # what was typed is kept
    assert session.exec(select(User).where(User.email == "trois@example.org")).first() is None


def test_codes_sent_to_one_contact_are_limited_per_day(
    client: TestClient, session: Session, settings: Settings, sms_dir: Path
) -> None:
    settings.codes_max_per_target_day = 2
    signup(client, identifier="06 99 88 77 66")  # first message
    assert post(client, "/compte/contact/telephone").status_code == 303  # second
    refused = post(client, "/compte/contact/telephone")
    assert refused.status_code == 429 and "Trop de messages" in page_text(refused)
    assert len(read_sms(sms_dir)) == 2


def test_a_mail_server_failure_loses_nothing(
    client: TestClient, session: Session, settings: Settings
) -> None:
    settings.smtp_port = free_port()  # nothing listens there
    response = signup(client, identifier="panne@example.org")
    assert response.status_code == 303
    assert user_by(session, email="panne@example.org").email_confirmed_at is None
    page = page_text(client.get("/compte/confirmation"))
    assert "n'a pas pu partir" in page and "Recevoir un lien par e-mail" in page
    # The failed message was not counted, nor its code kept.
    assert (
        session.exec(select(OneTimeCode).where(col(OneTimeCode.target) == "panne@example.org")).first()
        is None
    )


def test_no_code_or_phone_number_in_logs_or_journal(
    client: TestClient, session: Session, sms_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    signup(client, identifier="06 12 12 12 12")
    code = last_sms_code(sms_dir, "+33612121212")
    post(client, "/compte/confirmation/code", {"code": code})
    journal = " ".join(e.reason + e.payload for e in session.exec(select(LedgerEntry)).all())
    for secret in (code, "612121212", "06 12 12"):
        assert secret not in caplog.text and secret not in journal
