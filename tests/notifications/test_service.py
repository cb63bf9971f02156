"""notify(): the in-app notice and the queued messages, by preferences, in one transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from backend.accounts.personal_data import delete_account, export_personal_data
from backend.db import utcnow
from backend.errors import Invalid
from backend.notifications import Translatable, notify
from backend.notifications.models import Channel, OutboxStatus
from backend.notifications.service import SMS_MAX, preference_of, save_preferences
from backend.processes import Registry
from tests.factories import make_user
from tests.notifications.conftest import confirmed_phone, notices, queued

PARAMS = {"title": "Des bancs à l'ombre", "status": Translatable("Votre proposition est publiée")}
URL = "/budget-participatif/e/propositions/1"


def test_email_account_gets_the_notice_and_an_email(session: Session) -> None:
    user = make_user(session)
    assert notify(session, [user.id], "proposal_status", params=PARAMS, url=URL) == 1
    (notice,) = notices(session, user.id)
    assert notice.title == "Votre proposition est publiée"
    assert "« Des bancs à l'ombre »" in notice.body and notice.url == URL and notice.read_at is None
    (message,) = queued(session, user.id)
    assert (message.channel, message.recipient, message.status) == (
        Channel.email,
        user.email,
        OutboxStatus.pending,
    )
    assert message.subject == notice.title and message.url == URL
    assert message.body.endswith("Pour voir le détail :")


def test_phone_only_account_gets_an_sms_and_unconfirmed_phone_nothing(session: Session) -> None:
    phone = confirmed_phone(session, "06 12 34 56 78")
    unconfirmed = make_user(session, identifier="06 12 34 56 79")
    notify(session, [phone.id, unconfirmed.id], "proposal_status", params=PARAMS, url=URL)
    (sms,) = queued(session, phone.id)
    assert (sms.channel, sms.recipient) == (Channel.sms, "+33612345678")
    assert sms.body == "Quartiers Participatifs : Votre proposition est publiée. « Des bancs à l'ombre »"
    assert queued(session, unconfirmed.id) == [] and len(notices(session, unconfirmed.id)) == 1


def test_preferences_choose_the_channels_per_kind(session: Session) -> None:
    user = make_user(session, phone="+33611111111", phone_confirmed_at=utcnow())
    save_preferences(session, user, {"proposal_status": ["sms", "email"], "vote_open": []}, "fr")
    notify(session, [user.id], "proposal_status", params=PARAMS, url=URL)
    notify(session, [user.id], "vote_open", params={"edition": "BP 2026"}, url="/budget-participatif/bp")
    assert sorted(m.channel for m in queued(session, user.id)) == ["email", "sms"]
    assert [n.kind for n in notices(session, user.id)] == ["proposal_status", "vote_open"]  # in-app always
    with pytest.raises(Invalid):
        save_preferences(session, user, {"vote_open": ["pigeon"]}, "fr")
    with pytest.raises(Invalid):
        save_preferences(session, user, {}, "xx")


def test_sms_stays_within_160_characters(session: Session) -> None:
    user = confirmed_phone(session, "06 22 33 44 55")
    long_title = "Un très long titre de proposition " * 6
    notify(session, [user.id], "proposal_status", params={**PARAMS, "title": long_title}, url=URL)
    (sms,) = queued(session, user.id)
    assert len(sms.body) <= SMS_MAX and "…" in sms.body


def test_a_dedupe_key_tells_each_person_once(session: Session) -> None:
    user = make_user(session)
    params: dict[str, str | date] = {"edition": "BP 2026", "end": date(2026, 5, 31)}
    assert notify(session, [user.id], "vote_reminder", params=params, url="/", dedupe_key="r:1") == 1
    assert notify(session, [user.id], "vote_reminder", params=params, url="/", dedupe_key="r:1") == 0
    (notice,) = notices(session, user.id)
    assert "31 mai 2026" in notice.body


def test_deleted_accounts_are_not_told(session: Session) -> None:
    user = make_user(session, deleted_at=utcnow())
    assert notify(session, [user.id], "proposal_status", params=PARAMS, url=URL) == 0
    assert notices(session, user.id) == []


def test_personal_data_export_and_erase_go_through_the_registry(session: Session, registry: Registry) -> None:
    user = make_user(session)
    notify(session, [user.id], "proposal_status", params=PARAMS, url=URL)
    save_preferences(session, user, {"proposal_status": ["email"]}, "en")
    data = export_personal_data(session, user, registry)["notifications"]
    assert data["notifications"][0]["titre"] == "Votre proposition est publiée"
    assert data["preferences"]["langue"] == "en" and data["messages"][0]["canal"] == "email"
    delete_account(session, user, registry)
    assert notices(session, user.id) == [] and queued(session, user.id) == []
    assert preference_of(session, user.id) is None
