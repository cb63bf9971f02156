"""The FPH over HTTP: public pages, applying from a form (nothing typed is lost), permissions
(404, then 401/403), committee votes and decisions, payments, bilan uploads, notifications."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from backend.accounts.models import Role, ScopeKind, User
from backend.fph.models import Application, ApplicationStatus, Fund, MemberKind
from backend.fph.service import committee, funds
from backend.fph.service import minutes as minutes_service
from backend.ledger.service import SYSTEM
from tests.factories import login, make_staff, make_user, page_text, post
from tests.fph.conftest import (
    QPV,
    TODAY,
    grant_application,
    make_application,
    make_voters,
    on_agenda,
    resident,
    today_plus,
    vote_all,
)
from tests.fph.open_fund import open_fund
from tests.fph.test_money_cycle import bilan
from tests.notifications.conftest import notices, queued

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def form(**overrides: Any) -> dict[str, str]:
    data = {
        "holder_kind": "group",
        "title": "Atelier vélo",
        "description": "Quatre mercredis pour apprendre à réparer son vélo.",
        "audience": "Les enfants de 8 à 12 ans",
        "place": "Parking de la Maison pour tous",
        "action_date": today_plus(30).isoformat(),
        "expense_label_0": "Animateur",
        "expense_amount_0": "480",
        "expense_label_1": "Pièces",
        "expense_amount_1": "200",
        "amount": "600",
        "action": "submit",
    }
    data.update(overrides)
    return data


@pytest.fixture
def fund(session: Session) -> Fund:
    fund, _meeting = open_fund(session)
    return fund


def test_public_pages(client: TestClient, session: Session, fund: Fund) -> None:
    assert client.get("/fph").status_code == 200
    page = page_text(client.get(f"/fph/fonds/{fund.id}"))
    assert "10\u202f000\u202f€" in page and "Demander une aide" in page
    assert client.get("/fph/fonds/999999").status_code == 404


def test_apply_then_submit_from_the_form(
    client: TestClient, session: Session, fund: Fund, app: FastAPI
) -> None:
    amina = resident(session)
    neighbour = resident(session)
    login(client, amina)
    response = post(client, f"/fph/fonds/{fund.id}/demander", form(person_0_identifier=neighbour.email))
    assert response.status_code == 303, page_text(response)
    application = session.exec(select(Application).where(Application.fund_id == fund.id)).one()
    assert response.headers["location"] == f"/fph/demandes/{application.id}"
    session.refresh(application)
    assert application.status == ApplicationStatus.submitted and application.amount_asked_cents == 60_000
    detail = page_text(client.get(response.headers["location"]))
    assert "Atelier vélo" in detail and "Envoyée au comité" in detail


def test_a_refused_submission_keeps_everything_typed_and_saves_the_draft(
    client: TestClient, session: Session, fund: Fund
) -> None:
    login(client, resident(session))
    response = post(
        client,
        f"/fph/fonds/{fund.id}/demander",
        form(amount="2000", description="Vélo, réparations et sécurité."),
    )
    assert response.status_code == 422
    html = page_text(response)
    assert "Votre demande ne peut pas encore partir au comité" in html
    assert "Le fonds donne au plus 1\u202f500\u202f€ par projet." in html
    assert "Un groupe d'habitants compte au moins 2 personnes" in html
    assert 'href="#f-amount"' in html  # each problem links to its field
    assert 'value="2000"' in html and "Vélo, réparations et sécurité." in html and 'value="Animateur"' in html
    assert "Votre brouillon est enregistré" in html
    application = session.exec(select(Application).where(Application.fund_id == fund.id)).one()
    assert application.status == ApplicationStatus.draft
    assert f'action="/fph/demandes/{application.id}/modifier"' in html  # the next try edits the same draft


def test_a_malformed_amount_is_reported_on_its_field(
    client: TestClient, session: Session, fund: Fund
) -> None:
    login(client, resident(session))
    response = post(
        client, f"/fph/fonds/{fund.id}/demander", form(expense_amount_1="deux cents", action="draft")
    )
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="f-expense_amount_1-error"' in html and 'aria-invalid="true"' in html
    assert 'value="deux cents"' in html


def test_every_malformed_value_of_the_application_form_is_listed_at_once(
    client: TestClient, session: Session, fund: Fund
) -> None:
    login(client, resident(session))
    typed = form(expense_amount_0="beaucoup", expense_label_1="", resource_amount_0="dix",
                 resource_label_0="Buvette", action_date="32/13/2026", amount="six cents", action="draft")  # fmt: skip
    response = post(client, f"/fph/fonds/{fund.id}/demander", typed)
    assert response.status_code == 422
    html = page_text(response)
    summary = html.split('id="erreur"')[1].split("</div>")[0]
    fields = re.findall(r'href="#f-([\w-]+)"', summary)
    assert fields == ["expense_amount_0", "expense_label_1", "resource_amount_0", "action_date", "amount"]
    assert html.count('class="error-text"') == len(fields)
    assert "Il y a 5 points à corriger" in html
    for value in ("beaucoup", "dix", "Buvette", "32/13/2026", "six cents", "Animateur"):
        assert f'value="{value}"' in html
    assert session.exec(select(Application).where(Application.fund_id == fund.id)).first() is None


def test_applying_needs_an_account(client: TestClient, fund: Fund) -> None:
    response = client.get(f"/fph/fonds/{fund.id}/demander")
    assert response.status_code == 303 and response.headers["location"].startswith("/connexion")


def test_application_pages_are_private(client: TestClient, session: Session, fund: Fund) -> None:
    application = make_application(session, fund)
    login(client, resident(session))
    assert client.get("/fph/demandes/999999").status_code == 404
    assert client.get(f"/fph/demandes/{application.id}").status_code == 403
    assert post(client, f"/fph/demandes/{application.id}/retirer").status_code == 403


def test_a_draft_is_hidden_even_from_the_committee(client: TestClient, session: Session, fund: Fund) -> None:
    draft = make_application(session, fund, submit=False)
    member, _m = make_voters(session, fund, 1)[0]
    login(client, member)
    assert client.get(f"/fph/demandes/{draft.id}").status_code == 403


def test_a_private_draft_is_refused_alike_on_every_route(
    client: TestClient, session: Session, fund: Fund
) -> None:
    """The draft page, its edit form and every action on it share one policy: an administrator
    (or the managing association) gets 403 everywhere, the holder gets in everywhere."""
    draft = make_application(session, fund, submit=False)
    secretary = make_user(session)
    funds.add_member(session, SYSTEM, fund, kind=MemberKind.gestionnaire, user=secretary)
    for staff in (make_staff(session, Role.admin, ScopeKind.all), secretary):
        login(client, staff)
        assert client.get(f"/fph/demandes/{draft.id}").status_code == 403
        assert client.get(f"/fph/demandes/{draft.id}/modifier").status_code == 403
        assert client.get(f"/fph/demandes/{draft.id}/bilan").status_code == 403
        for action in ("modifier", "envoyer", "retirer", "bilan"):
            assert post(client, f"/fph/demandes/{draft.id}/{action}", form()).status_code == 403, action
    session.refresh(draft)
    assert draft.status == ApplicationStatus.draft and draft.title != form()["title"]
    holder = session.get(User, draft.created_by_user_id)
    assert holder is not None
    login(client, holder)
    assert client.get(f"/fph/demandes/{draft.id}").status_code == 200
    assert client.get(f"/fph/demandes/{draft.id}/modifier").status_code == 200


def test_committee_of_another_qpv_has_no_access(client: TestClient, session: Session, fund: Fund) -> None:
    outsider = make_staff(session, Role.fph_committee, ScopeKind.qpv, "QN01344M")
    application = make_application(session, fund)
    login(client, outsider)
    assert client.get(f"/fph/gestion/fonds/{fund.id}").status_code == 403
    assert client.get(f"/fph/demandes/{application.id}").status_code == 403


def test_vote_and_decide_over_http_notifies_the_holders(
    client: TestClient, session: Session, fund: Fund, app: FastAPI
) -> None:
    meeting = funds.meetings_of(session, fund.id)[0]
    voters = make_voters(session, fund, 3)
    lead = resident(session)
    application = make_application(session, fund, lead)
    item = on_agenda(session, meeting, application)
    vote_all(session, item, voters[1:], ["pour", "pour"])
    login(client, voters[0][0])
    page = page_text(client.get(f"/fph/gestion/comites/{meeting.id}"))
    assert "Votre vote" in page and "quorum pas atteint" in page
    url = f"/fph/gestion/comites/{meeting.id}/points/{item.id}"
    assert post(client, f"{url}/vote", {"choice": "pour"}).status_code == 303
    response = post(
        client,
        f"{url}/decision",
        {"outcome": "granted", "amount": "450", "reason": "Projet utile aux enfants."},
    )
    assert response.status_code == 303
    session.refresh(application)
    assert application.status == ApplicationStatus.granted and application.granted_cents == 45_000
    # The decision reaches the holder through the outbox only (in-app and the e-mail they chose).
    assert [m for m in app.state.mailer.sent if m.to == lead.email] == []
    (mail,) = queued(session, lead.id)
    assert (
        mail.channel == "email"
        and mail.subject == "Votre demande « " + application.title + " » : aide accordée"
    )
    assert "Projet utile aux enfants." in mail.body and "Votre projet est aidé : 450\u202f€" in mail.body
    assert mail.url == f"/fph/demandes/{application.id}"


def test_a_voter_cannot_record_someone_elses_vote(client: TestClient, session: Session, fund: Fund) -> None:
    meeting = funds.meetings_of(session, fund.id)[0]
    voters = make_voters(session, fund, 2)
    item = on_agenda(session, meeting, make_application(session, fund))
    login(client, voters[0][0])
    response = post(
        client,
        f"/fph/gestion/comites/{meeting.id}/points/{item.id}/vote",
        {"choice": "pour", "member_id": voters[1][1].id},
    )
    assert response.status_code == 303
    assert committee.votes_of(session, item.id) == {}


def test_gestionnaire_records_a_payment_and_residents_cannot(
    client: TestClient, session: Session, fund: Fund, app: FastAPI
) -> None:
    lead = resident(session)
    application = grant_application(
        session, fund, lead, 50_000, meeting=funds.meetings_of(session, fund.id)[0]
    )
    secretary = make_user(session)
    funds.add_member(session, SYSTEM, fund, kind=MemberKind.gestionnaire, user=secretary)
    data = {"amount": "400", "paid_on": TODAY.isoformat(), "reference": "VIR-2026-001"}
    login(client, lead)
    assert post(client, f"/fph/demandes/{application.id}/versements", data).status_code == 403
    login(client, secretary)
    response = post(client, f"/fph/demandes/{application.id}/versements", data)
    assert response.status_code == 303
    assert "Avance\u00a0: <strong>400\u202f€</strong>" in page_text(
        client.get(f"/fph/demandes/{application.id}")
    )
    # The holders hear of it through the outbox only (in-app and the e-mail they chose).
    assert [m for m in app.state.mailer.sent if m.to == lead.email] == []
    (mail,) = [m for m in queued(session, lead.id) if m.subject.startswith("Versement")]
    assert mail.subject == "Versement de 400\u202f€ pour votre projet" and "VIR-2026-001" in mail.body


def test_a_refused_payment_tells_nobody(client: TestClient, session: Session, fund: Fund) -> None:
    lead = resident(session)
    application = grant_application(
        session, fund, lead, 50_000, meeting=funds.meetings_of(session, fund.id)[0]
    )
    secretary = make_user(session)
    funds.add_member(session, SYSTEM, fund, kind=MemberKind.gestionnaire, user=secretary)
    login(client, secretary)
    for amount in ("500", "quatre cents"):  # more than the advance, not an amount
        data = {"amount": amount, "paid_on": TODAY.isoformat(), "reference": "VIR-2026-001"}
        assert post(client, f"/fph/demandes/{application.id}/versements", data).status_code == 422
    assert notices(session, lead.id, "fph_payment") == []


def test_the_invitation_and_the_review_of_the_bilan_reach_the_holders(
    client: TestClient, session: Session, fund: Fund, app: FastAPI, upload_dir: Path
) -> None:
    meeting = funds.meetings_of(session, fund.id)[0]
    secretary = make_user(session)
    funds.add_member(session, SYSTEM, fund, kind=MemberKind.gestionnaire, user=secretary)
    lead = resident(session)
    waiting = make_application(session, fund, lead)
    login(client, secretary)
    data = {"application_id": str(waiting.id), "invited": "1"}
    assert post(client, f"/fph/gestion/comites/{meeting.id}/ordre-du-jour", data).status_code == 303
    (invitation,) = queued(session, lead.id)
    assert invitation.subject.startswith("Invitation au comité du ") and waiting.title in invitation.body
    granted = grant_application(session, fund, lead, 50_000, meeting=meeting, title="Repas partagé")
    bilan(session, granted, 60_000, upload_dir)
    data = {"decision": "return", "reason": "Il manque la facture."}
    assert post(client, f"/fph/demandes/{granted.id}/bilan/examen", data).status_code == 303
    (notice,) = notices(session, lead.id, "fph_bilan")
    assert notice.title == "Votre bilan est à compléter" and "Il manque la facture." in notice.body
    assert app.state.mailer.sent == []


def test_bilan_upload_and_private_files(client: TestClient, session: Session, fund: Fund, settings) -> None:  # type: ignore[no-untyped-def]
    lead = resident(session)
    application = grant_application(
        session, fund, lead, 50_000, meeting=funds.meetings_of(session, fund.id)[0]
    )
    photo = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(photo, "JPEG")
    login(client, lead)
    fields = {"narrative": "Trente enfants sont venus, ils ont tous réparé leur vélo.", "participants": "30",
              "actual_expenses": "600"}  # fmt: skip
    bad = post(client, f"/fph/demandes/{application.id}/bilan", fields,
               files=[("receipts", ("facture.pdf", b"not a pdf at all", "application/pdf"))])  # fmt: skip
    assert bad.status_code == 422 and "Trente enfants sont venus" in page_text(bad)
    assert "n'est pas une image lisible" in page_text(bad)
    response = post(client, f"/fph/demandes/{application.id}/bilan", fields, files=[
        ("receipts", ("facture.pdf", PDF, "application/pdf")),
        ("photos", ("fete.jpg", photo.getvalue(), "image/jpeg")),
    ])  # fmt: skip
    assert response.status_code == 303, page_text(response)
    html = page_text(client.get(f"/fph/demandes/{application.id}"))
    ids = re.findall(r'href="/fph/fichiers/(\d+)"', html)
    assert len(ids) == 2
    pdf = client.get(f"/fph/fichiers/{ids[0]}")
    assert pdf.status_code == 200 and pdf.content == PDF
    assert (
        pdf.headers["content-disposition"].startswith("attachment")
        and pdf.headers["content-type"] == "application/pdf"
    )
    assert client.get(f"/fph/fichiers/{ids[1]}").headers["content-type"] == "image/jpeg"
    stranger = resident(session)
    login(client, stranger)
    assert client.get(f"/fph/fichiers/{ids[0]}").status_code == 403
    assert client.get("/fph/fichiers/999999").status_code == 404
    assert not list(settings.upload_dir.glob("fph/*.pdf.part"))


def test_moderator_files_on_behalf_of_residents_met_in_person(
    client: TestClient, session: Session, fund: Fund
) -> None:
    moderator = make_staff(session, Role.moderator, ScopeKind.qpv, QPV)
    login(client, moderator)
    page = page_text(client.get(f"/fph/gestion/fonds/{fund.id}/deposer"))
    assert "J'ai vu un justificatif de domicile" in page
    data = form(person_0_identifier="06 51 51 51 51", person_0_name="Fatima Z.",
                person_1_identifier="06 52 52 52 52", person_1_name="Omar B.", proof_seen="1")  # fmt: skip
    response = post(client, f"/fph/gestion/fonds/{fund.id}/deposer", data)
    assert response.status_code == 303, page_text(response)
    application = session.exec(select(Application).where(Application.fund_id == fund.id)).one()
    session.refresh(application)
    assert application.status == ApplicationStatus.submitted and application.channel == "in_person"
    assert application.filed_by == moderator.public_id
    assert client.get(f"/fph/demandes/{application.id}").status_code == 200


def test_a_resident_cannot_file_on_behalf(client: TestClient, session: Session, fund: Fund) -> None:
    login(client, resident(session))
    assert client.get(f"/fph/gestion/fonds/{fund.id}/deposer").status_code == 403


def test_minutes_are_public_only_once_published(client: TestClient, session: Session, fund: Fund) -> None:
    meeting = funds.meetings_of(session, fund.id)[0]
    lead = resident(session, display_name="Zoé Martin")
    item = on_agenda(session, meeting, make_application(session, fund, lead))
    committee.decide(session, SYSTEM, item, outcome="postponed", amount_cents=None, reason="le devis")
    assert client.get(f"/fph/comites/{meeting.id}/releve").status_code == 404
    minutes_service.publish_minutes(session, SYSTEM, meeting)
    html = page_text(client.get(f"/fph/comites/{meeting.id}/releve"))
    assert "Fête des voisins" in html and "Reportée" in html and "Zoé" not in html


def test_admin_opens_a_fund_and_an_agent_only_in_their_territory(
    client: TestClient, session: Session
) -> None:
    admin = make_staff(session, Role.admin, ScopeKind.all)
    login(client, admin)
    data = {"name": "FPH Frais Vallon", "year": str(TODAY.year), "qpv_codes": "QN01344M", "envelope": "8 000",
            "association_name": "ADDAP 13", "cap": "1000", "max_share_pct": "90", "advance_pct": "80",
            "bilan_deadline_days": "60", "max_grants_per_holder": "2", "quorum": "3"}  # fmt: skip
    response = post(client, "/fph/gestion/fonds/nouveau", data)
    assert response.status_code == 303, page_text(response)
    created = session.exec(select(Fund).where(Fund.name == "FPH Frais Vallon")).one()
    assert created.envelope_cents == 800_000 and created.cap_cents == 100_000
    again = post(client, "/fph/gestion/fonds/nouveau", data)
    assert again.status_code == 409 and "ont déjà un fonds" in page_text(again)
    agent = make_staff(session, Role.agent, ScopeKind.commune, "13001")  # Aix-en-Provence
    login(client, agent)
    refused = post(client, "/fph/gestion/fonds/nouveau", {**data, "qpv_codes": "QN01342I", "name": "Autre"})
    assert refused.status_code == 403


def test_settings_errors_keep_the_form(client: TestClient, session: Session, fund: Fund) -> None:
    login(client, make_staff(session, Role.admin, ScopeKind.all))
    response = post(client, f"/fph/gestion/fonds/{fund.id}/reglages", {
        "name": "FPH test", "envelope": "10000", "association_name": "Centre social", "cap": "1500",
        "max_share_pct": "150", "advance_pct": "80", "bilan_deadline_days": "60", "max_grants_per_holder": "2",
        "quorum": "3"})  # fmt: skip
    assert response.status_code == 422
    assert "pourcentage entre 1 et 100" in page_text(response) and 'value="150"' in response.text


def test_refused_staff_forms_come_back_with_what_was_typed(
    client: TestClient, session: Session, fund: Fund
) -> None:
    meeting = funds.meetings_of(session, fund.id)[0]
    voters = make_voters(session, fund, 1)  # quorum is 3: granting is refused
    application = make_application(session, fund)
    item = on_agenda(session, meeting, application)
    secretary = make_user(session)
    funds.add_member(session, SYSTEM, fund, kind=MemberKind.gestionnaire, user=secretary)
    vote_all(session, item, voters, ["pour"])
    login(client, secretary)
    response = post(client, f"/fph/gestion/comites/{meeting.id}/points/{item.id}/decision",
                    {"outcome": "granted", "amount": "450", "reason": "Un projet qui rassemble les voisins."})  # fmt: skip
    assert response.status_code == 422
    html = page_text(response)
    assert "Décision non enregistrée" in html and "quorum n'est pas atteint" in html
    assert "Un projet qui rassemble les voisins." in html and 'value="450"' in html
    response = post(
        client,
        f"/fph/gestion/fonds/{fund.id}/comites",
        {"starts_on": "31/02/2026", "place": "Salle polyvalente"},
    )
    assert response.status_code == 422
    html = page_text(response)
    assert "Cette date n'est pas valide" in html and 'value="Salle polyvalente"' in html


def test_an_agent_opens_a_fund_only_in_quartiers_of_their_grant(client: TestClient, session: Session) -> None:
    agent = make_staff(session, Role.agent, ScopeKind.qpv, "QN01344M")
    login(client, agent)
    settings = {
        "name": "FPH ailleurs",
        "year": str(TODAY.year),
        "envelope": "10000",
        "association_name": "Asso",
    }
    refused = post(client, "/fph/gestion/fonds/nouveau", {**settings, "qpv_codes": QPV})
    assert refused.status_code == 403 and "dont vous avez la charge" in page_text(refused)
    assert session.exec(select(Fund).where(Fund.name == "FPH ailleurs")).first() is None
