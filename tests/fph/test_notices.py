"""What the holders of an application hear after it is sent: the invitation to the committee, each
payment and the review of the bilan are notices (in-app, then e-mail or SMS as each person chose,
in their language), written in the service's own transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from backend.accounts.personal_data import delete_account, export_personal_data
from backend.errors import Conflict, Invalid
from backend.fph.service import applications as apps
from backend.fph.service import committee, payments
from backend.ledger.service import SYSTEM
from backend.notifications.service import remember_language, save_preferences
from backend.processes import Registry
from tests.fph.conftest import QPV, TODAY, make_application, make_fund, resident
from tests.fph.open_fund import open_fund
from tests.fph.test_money_cycle import bilan, granted, pay
from tests.notifications.conftest import confirmed_phone, notices, queued


def test_an_invitation_tells_every_holder_and_a_plain_agenda_item_tells_nobody(session: Session) -> None:
    fund, meeting = open_fund(session)
    lead, other = resident(session), resident(session)
    invited = make_application(session, fund, lead, others=[other])
    committee.add_to_agenda(session, SYSTEM, meeting, invited, invited=True)
    for person in (lead, other):
        (notice,) = notices(session, person.id, "fph_invitation")
        assert notice.title.startswith("Invitation au comité du ") and "Centre social" in notice.body
        assert f"Votre demande « {invited.title} » passe au comité du" in notice.body
        assert notice.url == f"/fph/demandes/{invited.id}"
        (mail,) = queued(session, person.id)
        assert mail.channel == "email" and mail.subject == notice.title
    quiet = resident(session)
    committee.add_to_agenda(session, SYSTEM, meeting, make_application(session, fund, quiet), invited=False)
    assert notices(session, quiet.id) == []


def test_an_arabic_reader_is_invited_in_arabic(session: Session) -> None:
    fund, meeting = open_fund(session)
    lead = resident(session)
    remember_language(session, lead.id, "ar")
    application = make_application(session, fund, lead)
    committee.add_to_agenda(session, SYSTEM, meeting, application, invited=True)
    (notice,) = notices(session, lead.id, "fph_invitation")
    assert notice.title.startswith("دعوة إلى لجنة المنح بتاريخ")
    assert f"يُعرض طلبكم «{application.title}» على لجنة المنح" in notice.body
    (mail,) = queued(session, lead.id)
    assert mail.subject == notice.title and "Invitation" not in mail.body


def test_a_phone_only_holder_hears_of_a_payment_by_sms(session: Session) -> None:
    fund = make_fund(session)
    lead = confirmed_phone(session, "06 71 81 91 01", qpv=QPV)
    application = granted(session, fund, lead)
    pay(session, application, 40_000)
    (notice,) = notices(session, lead.id, "fph_payment")
    assert notice.title == "Versement de 400\u202f€ pour votre projet"
    assert f"« {application.title} » (référence : VIR-1)" in notice.body
    sms = [m for m in queued(session, lead.id) if "versé" in m.body]
    assert [(m.channel, m.recipient) for m in sms] == [("sms", "+33671819101")]
    assert len(sms[0].body) <= 160 and "400\u202f€" in sms[0].body


def test_a_holder_who_wants_no_message_for_payments_sees_them_in_the_centre_only(session: Session) -> None:
    fund = make_fund(session)
    lead = resident(session)
    save_preferences(session, lead, {"fph_decision": ["email"], "fph_payment": []}, "fr")
    application = granted(session, fund, lead)
    pay(session, application, 40_000)
    assert len(notices(session, lead.id, "fph_payment")) == 1
    assert [m.subject for m in queued(session, lead.id) if m.subject.startswith("Versement")] == []


def test_a_refused_payment_tells_nobody(session: Session) -> None:
    fund = make_fund(session)
    lead = resident(session)
    application = granted(session, fund, lead)
    with pytest.raises(Invalid):
        pay(session, application, 100_000)  # more than the advance
    with pytest.raises(Invalid):
        payments.record_payment(
            session, SYSTEM, application, amount_cents=100, paid_on=TODAY, reference="", today=TODAY
        )
    assert notices(session, lead.id, "fph_payment") == []


def test_the_review_of_the_bilan_tells_the_holders(session: Session, upload_dir: Path) -> None:
    fund = make_fund(session)
    lead = resident(session)
    application = granted(session, fund, lead)
    bilan(session, application, 120_000, upload_dir)
    with pytest.raises(Invalid):
        payments.review_bilan(session, SYSTEM, application, accept=False, reason="")
    assert notices(session, lead.id, "fph_bilan") == []
    payments.review_bilan(session, SYSTEM, application, accept=False, reason="Il manque la facture.")
    (returned,) = notices(session, lead.id, "fph_bilan")
    assert returned.title == "Votre bilan est à compléter"
    assert f"Projet : « {application.title} »" in returned.body
    assert "Message de l'association gestionnaire : Il manque la facture." in returned.body
    bilan(session, application, 120_000, upload_dir)
    payments.review_bilan(session, SYSTEM, application, accept=True, reason="")
    accepted = notices(session, lead.id, "fph_bilan")[1]
    assert accepted.title == "Votre bilan est accepté" and "Message" not in accepted.body
    assert [m.subject for m in queued(session, lead.id) if m.subject.startswith("Votre bilan")] == [
        "Votre bilan est à compléter",
        "Votre bilan est accepté",
    ]


def test_a_withdrawn_application_is_not_invited(session: Session) -> None:
    """The invitation is written with the agenda item: when the item is refused, nobody hears."""
    fund, meeting = open_fund(session)
    lead = resident(session)
    application = make_application(session, fund, lead)
    apps.withdraw(session, SYSTEM, application)
    with pytest.raises(Conflict):
        committee.add_to_agenda(session, SYSTEM, meeting, application, invited=True)
    assert notices(session, lead.id) == []


def test_a_holders_fph_messages_are_in_their_export_and_go_with_their_account(
    session: Session, registry: Registry
) -> None:
    fund = make_fund(session)
    lead = resident(session)
    application = granted(session, fund, lead)
    pay(session, application, 40_000)
    data = export_personal_data(session, lead, registry)["notifications"]
    assert [n["type"] for n in data["notifications"]] == ["fph_payment", "fph_decision"]  # newest first
    assert [m["objet"] for m in data["messages"]][-1] == "Versement de 400\u202f€ pour votre projet"
    delete_account(session, lead, registry)
    assert notices(session, lead.id) == [] and queued(session, lead.id) == []
