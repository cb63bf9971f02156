"""The public contact of a table de quartier: kept by an administrator or an agent covering the
quartier, journaled, shown on the quartier's page; anybody else is refused."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.models import Role
from backend.ledger.models import LedgerEntry
from backend.territory.demo import demo_contacts, load_contacts
from backend.territory.models import QpvContact
from tests.factories import login, make_staff, make_user, page_text, post, qpv

CORO = "QN01342I"  # Malpassé Corot, Marseille (13055)
CENTRE = "QN01332M"  # Centre Ville 3e, Marseille
MARSEILLE = "13055"

FORM = {
    "name": "Table de quartier Malpassé Corot",
    "email": "Table.Corot@Example.org",
    "phone": "04 91 12 34 56",
    "place": "Centre social, 12 avenue Corot",
    "hours": "Réunion le premier mardi à 18 h\nPermanence le mercredi",
}


def contact_of(session: Session, code: str = CORO) -> QpvContact | None:
    return session.exec(select(QpvContact).where(QpvContact.qpv_id == qpv(session, code).id)).first()


def journal(session: Session) -> list[LedgerEntry]:
    return list(
        session.exec(
            select(LedgerEntry).where(LedgerEntry.object_type == "qpv_contact").order_by(col(LedgerEntry.seq))
        ).all()
    )


def save(client: TestClient, data: dict[str, Any], code: str = CORO) -> Any:
    return post(client, f"/quartiers/{code}/contact", data, follow_redirects=False)


def test_an_agent_of_the_commune_sets_the_contact_and_the_page_shows_it(
    client: TestClient, session: Session
) -> None:
    agent = make_staff(session, Role.agent, "commune", MARSEILLE)
    login(client, agent)
    assert client.get(f"/quartiers/{CORO}/contact").status_code == 200
    response = save(client, FORM)
    assert response.status_code == 303
    assert response.headers["location"] == f"/quartiers/{CORO}#table"
    contact = contact_of(session)
    assert contact is not None
    assert (contact.email, contact.phone, contact.updated_by) == (
        "table.corot@example.org",
        "04 91 12 34 56",
        agent.public_id,
    )
    [entry] = journal(session)
    assert (entry.action, entry.territory, entry.actor_role, entry.actor_id) == (
        "territory.contact_saved",
        CORO,
        Role.agent,
        agent.public_id,
    )
    section = page_text(client.get(f"/quartiers/{CORO}")).split('id="table"')[1].split("</section>")[0]
    assert "La table de quartier" in section
    assert "Table de quartier Malpassé Corot" in section
    assert '<a href="tel:+33491123456">04 91 12 34 56</a>' in section
    assert '<a href="mailto:table.corot@example.org">table.corot@example.org</a>' in section
    assert "Centre social, 12 avenue Corot" in section
    assert "Réunion le premier mardi à 18 h<br>Permanence le mercredi" in section
    assert f'href="/quartiers/{CORO}/contact"' in section


def test_an_admin_changes_then_removes_the_contact(client: TestClient, session: Session) -> None:
    admin = make_staff(session, Role.admin, "all")
    login(client, admin)
    assert save(client, FORM).status_code == 303
    assert save(client, {**FORM, "phone": "", "name": "Table Corot"}).status_code == 303
    contact = contact_of(session)
    assert contact is not None and (contact.name, contact.phone) == ("Table Corot", "")
    assert 'href="tel:' not in client.get(f"/quartiers/{CORO}").text
    assert save(client, dict.fromkeys(FORM, "")).status_code == 303
    assert contact_of(session) is None
    actions = [(e.action, e.actor_role) for e in journal(session)]
    assert actions == [
        ("territory.contact_saved", Role.admin),
        ("territory.contact_saved", Role.admin),
        ("territory.contact_removed", Role.admin),
    ]


@pytest.mark.parametrize(
    ("role", "kind", "code"),
    [
        (Role.agent, "qpv", CENTRE),  # an agent of another quartier
        (Role.agent, "commune", "13001"),  # an agent of another commune (Aix-en-Provence)
        (Role.moderator, "qpv", CORO),  # the table's moderators publish ideas, not the contact
    ],
)
def test_staff_not_covering_the_quartier_are_refused(
    client: TestClient, session: Session, role: str, kind: str, code: str
) -> None:
    login(client, make_staff(session, role, kind, code))
    assert client.get(f"/quartiers/{CORO}/contact").status_code == 403
    assert save(client, FORM).status_code == 403
    assert contact_of(session) is None and journal(session) == []
    assert f"/quartiers/{CORO}/contact" not in client.get(f"/quartiers/{CORO}").text


def test_a_resident_is_refused_and_an_unknown_quartier_is_not_found(
    client: TestClient, session: Session
) -> None:
    login(client, make_user(session, qpv=CORO))
    assert save(client, FORM).status_code == 403
    assert client.get("/quartiers/QN99999X/contact").status_code == 404
    assert contact_of(session) is None


def test_a_visitor_must_log_in(client: TestClient, session: Session) -> None:
    assert client.get(f"/quartiers/{CORO}/contact", follow_redirects=False).status_code in (401, 303)
    assert contact_of(session) is None


def test_a_wrong_email_or_phone_is_shown_on_the_form_and_nothing_is_saved(
    client: TestClient, session: Session
) -> None:
    login(client, make_staff(session, Role.agent, "commune", MARSEILLE))
    response = save(client, {**FORM, "email": "pas-une-adresse", "phone": "12", "name": ""})
    assert response.status_code == 422
    text = page_text(response)
    assert "Cette adresse e-mail n'est pas valide" in text
    assert "Ce numéro de téléphone n'est pas valide" in text
    assert "Indiquez le nom de la table de quartier" in text
    assert 'value="pas-une-adresse"' in text  # what was typed stays
    assert contact_of(session) is None and journal(session) == []


def test_the_demo_gives_a_few_marseille_quartiers_a_contact(session: Session) -> None:
    load_contacts(session)
    load_contacts(session)  # run again: nothing doubled
    contacts = demo_contacts()
    assert len(contacts) == 3
    for code, typed in contacts.items():
        contact = contact_of(session, code)
        assert contact is not None and contact.name == typed.name
    assert len(journal(session)) == len(contacts)
