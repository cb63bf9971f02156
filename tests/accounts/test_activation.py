"""Recovery in person: staff of the person's quartier check an identity document and print a
one-time activation code; the person sets a password with it at /compte/activer."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts import activation, codes, security
from backend.accounts import service as accounts
from backend.accounts.models import CodePurpose, OneTimeCode, Role, User
from backend.errors import Invalid
from backend.ledger.service import entries_for
from tests.conftest import TEST_SECRET, csrf
from tests.factories import PASSWORD, login, make_staff, make_user, page_text, post

CORO = "QN01342I"
CENTRE = "QN01332M"
CODE_RE = re.compile(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b")


def slip_code(response) -> str:  # type: ignore[no-untyped-def]
    found = CODE_RE.search(page_text(response))
    assert found, page_text(response)
    return found.group(0)


def test_staff_find_a_person_of_their_quartier_and_print_a_single_use_code(
    client: TestClient, session: Session
) -> None:
    person = make_user(session, qpv=CORO, display_name="Karim Belkacem", birth_year=1979)
    agent = make_staff(session, Role.moderator, "qpv", CORO)
    login(client, agent)
    found = client.get("/aide-compte", params={"nom": "belkacem", "annee": "1979"})
    assert found.status_code == 200 and "Karim Belkacem" in page_text(found)
    assert "Karim Belkacem" not in page_text(
        client.get("/aide-compte", params={"nom": "belkacem", "annee": "1980"})
    )
    missing = client.get("/aide-compte", params={"nom": "belkacem"})
    assert missing.status_code == 422 and "l'année de naissance" in page_text(missing)
    url = f"/aide-compte/{person.public_id}"
    refused = post(client, url, {"document_kind": "passeport", "document_number": "?"})
    assert refused.status_code == 422 and "Recopiez le numéro du document" in page_text(refused)
    assert session.exec(select(OneTimeCode).where(OneTimeCode.user_id == person.id)).first() is None
    first = slip_code(post(client, url, {"document_kind": "passeport", "document_number": "19AB12345"}))
    # Found again by the document's number (its hash), never stored in clear.
    by_number = client.get("/aide-compte", params={"numero": "19ab 12345"})
    assert "Karim Belkacem" in page_text(by_number)
    session.refresh(person)
    assert person.id_document_kind == "passeport" and "19AB12345" not in (person.id_document_hash or "")
    # A new code replaces the first one, which stops working.
    second = slip_code(post(client, url, {"document_kind": "passeport", "document_number": "19AB12345"}))
    entries = [
        e
        for e in entries_for(session, "user", person.public_id)
        if e.action == "account.activation_code_issued"
    ]
    assert len(entries) == 2 and entries[0].actor_id == agent.public_id and entries[0].territory == CORO
    assert all(c.replace("-", "") not in str(e.payload) + e.reason for e in entries for c in (first, second))
    post(client, "/deconnexion")
    password = "une nouvelle phrase secrète"
    form = {"password": password, "password_confirm": password}
    assert post(client, "/compte/activer", {**form, "code": first}).status_code == 422
    mismatch = post(
        client, "/compte/activer", {"code": second, "password": password, "password_confirm": "x"}
    )
    assert mismatch.status_code == 422 and "pas identiques" in page_text(mismatch)
    done = post(client, "/compte/activer", {**form, "code": second, "contact": "06 98 76 54 32"})
    assert done.status_code == 303
    session.refresh(person)
    assert person.phone == "+33698765432" and person.phone_confirmed_at is None
    assert post(client, "/compte/activer", {**form, "code": second}).status_code == 422  # single use
    post(client, "/deconnexion")
    assert (
        client.post(
            "/connexion", data={"identifier": person.email, "password": PASSWORD, "csrf_token": csrf(client)}
        ).status_code
        == 401
    )  # the old password no longer works
    login(client, person, password)


def test_staff_of_another_quartier_cannot_issue_a_code(client: TestClient, session: Session) -> None:
    person = make_user(session, qpv=CORO, display_name="Nadia Rahmani", birth_year=1990)
    login(client, make_staff(session, Role.agent, "qpv", CENTRE))
    found = client.get("/aide-compte", params={"nom": "rahmani", "annee": "1990"})
    assert found.status_code == 200 and "Nadia Rahmani" not in page_text(found)
    response = post(
        client,
        f"/aide-compte/{person.public_id}",
        {"document_kind": "passeport", "document_number": "19AB12345"},
    )
    assert response.status_code == 403
    assert session.exec(select(OneTimeCode).where(OneTimeCode.user_id == person.id)).first() is None
    post(client, "/deconnexion")
    login(client, make_user(session, qpv=CORO))  # a resident: no access at all
    assert client.get("/aide-compte").status_code == 403


def test_a_contact_already_used_is_refused_and_the_code_still_works(
    client: TestClient, session: Session
) -> None:
    make_user(session, identifier="06 11 11 11 11")
    person = make_user(session, qpv=CORO)
    staff_actor = make_staff(session, Role.agent, "commune", "13055")
    slip = activation.issue_activation(
        session, TEST_SECRET, staff_actor_ref(staff_actor), person, None, context="test"
    )
    password = "une nouvelle phrase secrète"
    form = {"code": slip.code, "password": password, "password_confirm": password}
    taken = post(client, "/compte/activer", {**form, "contact": "0611111111"})
    assert taken.status_code == 409 and "Un autre compte utilise déjà ce contact" in page_text(taken)
    assert post(client, "/compte/activer", form).status_code == 303


def staff_actor_ref(user: User):  # type: ignore[no-untyped-def]
    from backend.ledger.service import ActorRef

    return ActorRef(role=Role.agent, id=user.public_id)


def test_login_id_is_an_identifier_and_in_person_registration_needs_no_contact(session: Session) -> None:
    assert security.parse_identifier(" qp-k7m 49p ") == ("login_id", "QPK7M49P")
    assert security.parse_identifier("06 12 34 56 78") == ("phone", "+33612345678")
    person = accounts.register(
        session,
        identifier="",
        password=None,
        display_name="Mme Haddad",
        birth_year=1958,
        registered_by="agent-x",
    )
    assert person.email is None and person.phone is None and person.login_id
    assert accounts.find_by_identifier(session, activation.format_login_id(person.login_id) or "") == person
    try:
        accounts.register(
            session, identifier="", password="assez long mot de passe", display_name="Quelqu'un"
        )
    except Invalid as exc:
        assert exc.field == "identifier"
    else:
        raise AssertionError("a sign-up on one's own needs an e-mail or a phone")
    code = codes.issue(session, TEST_SECRET, person, CodePurpose.activation)
    user = activation.activate(session, TEST_SECRET, code=code, password="un jardin sur le toit")
    assert user.id == person.id and security.verify_password("un jardin sur le toit", user.password_hash)
