"""Residence verified by a code sent by post: agents of the QPV print letters, the resident types the
code; single use, tied to the address, journaled without names."""

from __future__ import annotations

import json
import re

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import CodePurpose, OneTimeCode, ResidenceStatus, Role, User
from backend.ledger.models import LedgerEntry
from backend.territory.geocoder import BanGeocoder
from tests.factories import login, make_staff, make_user, page_text, post

CORO = "QN01342I"


def offline() -> BanGeocoder:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    return BanGeocoder(transport=httpx.MockTransport(handler))


def declared(
    session: Session, address: str = "12 avenue Corot, 13013 Marseille", **overrides: object
) -> User:
    return make_user(
        session, qpv=CORO, residence_status=ResidenceStatus.declared_in_area, address=address, **overrides
    )


def print_letter(client: TestClient, session: Session, person: User) -> str:
    """Log in as an agent of Marseille, print this person's letter, return the code on it."""
    login(client, make_staff(session, Role.agent, "commune", "13055"))
    listing = client.get(f"/verification/courriers?qpv={CORO}")
    assert listing.status_code == 200 and person.display_name in page_text(listing)
    letters = post(client, "/verification/courriers/imprimer", {"qpv": CORO, "personne": [str(person.id)]})
    assert letters.status_code == 200, letters.text
    text = page_text(letters)
    assert "12 avenue Corot, 13013 Marseille" in text and "Malpassé" in text
    match = re.search(r'<p class="code">([A-Z0-9]{5}) ([A-Z0-9]{5})</p>', letters.text)
    assert match is not None
    post(client, "/deconnexion")
    return match[1] + match[2]


def test_a_postal_code_verifies_the_residence_once(client: TestClient, session: Session) -> None:
    person = declared(session)
    code = print_letter(client, session, person)
    stored = session.exec(select(OneTimeCode).where(OneTimeCode.user_id == person.id)).one()
    assert (
        stored.purpose == CodePurpose.postal and code not in stored.code_hash and "Corot" not in stored.target
    )
    issued = session.exec(
        select(LedgerEntry).where(LedgerEntry.action == "accounts.postal_codes_issued")
    ).one()
    assert json.loads(issued.payload) == {"count": 1} and person.display_name not in issued.reason

    login(client, person)
    assert "J'ai reçu un code par courrier" in page_text(client.get("/compte"))
    response = post(client, "/compte/code-courrier", {"code": f"{code[:5].lower()} {code[5:]}"})
    assert response.status_code == 303
    session.refresh(person)
    assert person.residence_status == ResidenceStatus.verified
    assert person.residence_method == "code reçu par courrier"
    entry = session.exec(select(LedgerEntry).where(LedgerEntry.action == "accounts.residence_verified")).one()
    assert entry.object_id == person.public_id and person.display_name not in entry.reason

    person.residence_status = ResidenceStatus.declared  # even if it were undone, the code is spent
    session.add(person)
    session.flush()
    again = post(client, "/compte/code-courrier", {"code": code})
    assert again.status_code == 422 and "n'est pas bon ou n'est plus valable" in page_text(again)


def test_a_postal_code_is_refused_after_an_address_change(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    app.state.geocoder = offline()
    person = declared(session)
    code = print_letter(client, session, person)
    login(client, person)
    post(
        client, "/compte/residence", {"address": "3 rue de la République, 13002 Marseille", "qpv_code": CORO}
    )
    session.refresh(person)
    assert person.address == "3 rue de la République, 13002 Marseille"
    response = post(client, "/compte/code-courrier", {"code": code})
    assert response.status_code == 422 and "envoyé pour une autre adresse" in page_text(response)
    session.refresh(person)
    assert person.residence_status != ResidenceStatus.verified


def test_wrong_codes_are_explained_and_counted(client: TestClient, session: Session) -> None:
    person = declared(session)
    code = print_letter(client, session, person)
    login(client, person)
    empty = post(client, "/compte/code-courrier", {"code": "  "})
    assert empty.status_code == 422 and "Écrivez le code" in page_text(empty)
    for _ in range(5):
        wrong = post(client, "/compte/code-courrier", {"code": "AAAAA AAAAA"})
        assert wrong.status_code == 422 and 'value="AAAAA AAAAA"' in wrong.text  # what was typed stays
    # After five wrong tries the letter's code stops working.
    assert post(client, "/compte/code-courrier", {"code": code}).status_code == 422
    session.refresh(person)
    assert person.residence_status == ResidenceStatus.declared_in_area


def test_only_agents_and_administrators_of_the_qpv_print_letters(
    client: TestClient, session: Session
) -> None:
    person = declared(session)
    login(client, make_staff(session, Role.agent, "qpv", "QN01332M"))  # another QPV
    assert person.display_name not in page_text(client.get("/verification/courriers"))
    refused = post(client, "/verification/courriers/imprimer", {"personne": [str(person.id)]})
    assert refused.status_code == 422 and "Cochez au moins une personne" in page_text(refused)
    assert session.exec(select(OneTimeCode).where(OneTimeCode.user_id == person.id)).first() is None
    post(client, "/deconnexion")
    login(client, make_user(session, qpv=CORO))
    assert client.get("/verification/courriers").status_code == 403
