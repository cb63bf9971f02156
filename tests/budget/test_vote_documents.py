"""One identity document, one ballot per edition: across accounts, channels and voting points, in
both orders; the participation row names neither a person nor a ballot."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts import documents
from backend.accounts.models import User
from backend.budget.voting.models import Ballot, DocumentParticipation, Voter
from backend.config import Settings
from backend.errors import Conflict, Invalid
from backend.ledger.service import entries_for
from tests.budget.helpers import CORO, moderator
from tests.budget.vote_helpers import count, ids, paper, vote, vote_edition, voter
from tests.conftest import TEST_SECRET, csrf
from tests.factories import login, page_text, post

KEY = Settings(env="test", secret_key=TEST_SECRET, database_url="sqlite://").id_document_key  # the app's key
NUMBER = "X4RTBPFW4"


def seen(session: Session, user: User, number: str = NUMBER) -> str:
    """The document was checked in person for this account (at a voting point or a desk)."""
    return documents.record_document(session, user, key=KEY, kind="carte_identite", number=number)


def test_number_is_normalised_and_only_its_keyed_hash_is_kept(session: Session) -> None:
    person = voter(session)
    digest = seen(session, person, " x4r-tbp fw4 ")
    assert digest == documents.document_hash(KEY, NUMBER) != documents.document_hash("another-key", NUMBER)
    assert person.id_document_hash == digest and NUMBER not in digest and len(digest) == 64
    assert person.id_document_kind == "carte_identite" and person.id_document_seen_at is not None
    with pytest.raises(Invalid):
        seen(session, person, "12")
    with pytest.raises(Invalid):
        documents.record_document(session, person, key=KEY, kind="carte_vitale", number=NUMBER)


def test_two_voting_points_refuse_the_same_document(session: Session) -> None:
    edition, projects = vote_edition(session)
    first, second = voter(session), voter(session)  # two accounts, one person
    seen(session, first)
    paper(session, edition, first, *ids(projects[CORO], 0), point="Mairie 13/14")
    seen(session, second)
    with pytest.raises(Conflict, match="Ce document d'identité a déjà servi pour voter"):
        paper(session, edition, second, *ids(projects[CORO], 1), point="Centre social Malpassé")
    assert count(session, Voter, edition.id) == count(session, Ballot, edition.id) == 1
    rows = session.exec(select(DocumentParticipation)).all()
    assert [(r.edition_id, r.document_hash) for r in rows] == [(edition.id, first.id_document_hash)]


def test_in_person_then_online_after_a_verification_is_refused(session: Session) -> None:
    edition, projects = vote_edition(session)
    at_point, online = voter(session), voter(session)
    seen(session, at_point)
    paper(session, edition, at_point, *ids(projects[CORO], 0))
    vote_before = count(session, Voter, edition.id)
    seen(session, online)  # the online account is verified in person later, with the same document
    with pytest.raises(Conflict, match="Votre pièce d'identité a déjà servi"):
        vote(session, edition, online, *ids(projects[CORO], 1))
    assert count(session, Voter, edition.id) == vote_before


def test_online_then_in_person_is_refused_in_both_ways(session: Session) -> None:
    edition, projects = vote_edition(session)
    online = voter(session)
    vote(session, edition, online, *ids(projects[CORO], 0))
    seen(session, online)  # verified in person after voting online: no participation row yet
    newcomer = voter(session)  # registered at a voting point with the same document
    seen(session, newcomer)
    with pytest.raises(Conflict, match="Ce document d'identité a déjà servi"):
        paper(session, edition, newcomer, *ids(projects[CORO], 1))
    # The same account at a voting point: the one-ballot-per-account rule answers.
    with pytest.raises(Conflict, match="déjà voté en ligne"):
        paper(session, edition, online, *ids(projects[CORO], 1))
    assert count(session, Voter, edition.id) == 1


def test_another_document_and_another_edition_still_vote(session: Session) -> None:
    edition, projects = vote_edition(session)
    other_edition, other_projects = vote_edition(session)
    first, second = voter(session), voter(session)
    seen(session, first)
    seen(session, second, "AB1234567")
    paper(session, edition, first, *ids(projects[CORO], 0))
    paper(session, edition, second, *ids(projects[CORO], 0))
    vote(session, other_edition, first, *ids(other_projects[CORO], 0))
    assert count(session, Voter, edition.id) == 2 and count(session, Voter, other_edition.id) == 1


def test_own_revote_with_a_document_is_allowed_but_not_a_second_account(session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=True)
    person, twin = voter(session), voter(session)
    seen(session, person)
    vote(session, edition, person, *ids(projects[CORO], 0))
    assert vote(session, edition, person, *ids(projects[CORO], 1)).revote
    seen(session, twin)
    with pytest.raises(Conflict, match="Votre pièce d'identité a déjà servi"):
        vote(session, edition, twin, *ids(projects[CORO], 2))
    assert count(session, Ballot, edition.id) == 1


# --- through the screens -----------------------------------------------------------------------


def test_person_without_email_or_phone_registers_votes_and_activates_their_account(
    client: TestClient, session: Session
) -> None:
    edition, projects = vote_edition(session)
    mod = moderator(session, CORO)
    login(client, mod)
    base = f"/budget-participatif/{edition.slug}/bureau"
    form = {
        "display_name": "Mme Haddad",
        "birth_year": "1958",
        "address": "3 rue Raymond Teisseire",
        "qpv_code": CORO,
        "document_kind": "titre_sejour",
        "document_number": "",
    }
    refused = post(client, f"{base}/inscrire", form)
    assert refused.status_code == 422 and "Recopiez le numéro du document" in page_text(refused)
    assert 'value="3 rue Raymond Teisseire"' in refused.text  # what was typed is kept
    assert session.exec(select(User).where(User.display_name == "Mme Haddad")).first() is None
    slip = post(client, f"{base}/inscrire", {**form, "document_number": "ts-123 456 789"})
    assert slip.status_code == 200 and slip.headers["cache-control"] == "no-store"
    text = page_text(slip)
    assert "/compte/activer" in text and "Choisissez un mot de passe" in text
    code = re.search(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b", text)
    login_id = re.search(r"\bQP-[A-Z2-9]{6}\b", text)
    assert code and login_id, text
    person = session.exec(select(User).where(User.display_name == "Mme Haddad")).one()
    assert (person.email, person.phone, person.password_hash) == (None, None, None)
    assert person.address == "3 rue Raymond Teisseire" and person.id_document_kind == "titre_sejour"
    assert person.id_document_hash and "123456789" not in person.id_document_hash
    entry = entries_for(session, "user", person.public_id)[-1]
    assert entry.action == "account.activation_code_issued" and entry.actor_id == mod.public_id
    assert code.group(0).replace("-", "") not in str(entry.payload) + entry.reason
    # The ballot at the voting point.
    ballot = {
        "voting_point": "Centre social Malpassé",
        "document_kind": "titre_sejour",
        "document_number": "TS123456789",
        "residence_check": "Facture (électricité, gaz, eau, téléphone)",
        "qpv_code": CORO,
        "projet": list(ids(projects[CORO], 0)),
    }
    assert post(client, f"{base}/personne/{person.public_id}", ballot).status_code == 303
    post(client, "/deconnexion")
    # At home: a weak password is refused without spending the code, then the code works once.
    weak = post(
        client, "/compte/activer", {"code": code.group(0), "password": "court", "password_confirm": "court"}
    )
    assert weak.status_code == 422 and "au moins 10 caractères" in page_text(weak)
    password = "un jardin sur le toit"
    done = post(
        client,
        "/compte/activer",
        {"code": code.group(0).lower(), "password": password, "password_confirm": password},
    )
    assert done.status_code == 303 and done.headers["location"] == "/compte"
    assert login_id.group(0) in page_text(client.get("/compte"))  # the flash says how to log in
    post(client, "/deconnexion")
    again = post(
        client, "/compte/activer", {"code": code.group(0), "password": password, "password_confirm": password}
    )
    assert again.status_code == 422 and "n'est pas bon ou n'est plus valable" in page_text(again)
    logged = client.post(
        "/connexion",
        data={"identifier": login_id.group(0).lower(), "password": password, "csrf_token": csrf(client)},
    )
    assert logged.status_code == 303
    page = page_text(client.get(f"/budget-participatif/{edition.slug}/voter"))
    assert "Vous avez voté au bureau de vote « Centre social Malpassé »" in page


def test_voting_point_refuses_a_document_that_voted_online(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    online = voter(session)
    seen(session, online, "AB1234567")  # verified in person earlier (desk or table de quartier)
    vote(session, edition, online, *ids(projects[CORO], 0))
    newcomer = voter(session)
    login(client, moderator(session, CORO))
    ballot = {
        "voting_point": "Marché de Malpassé",
        "document_kind": "passeport",
        "document_number": "ab 123 4567",
        "residence_check": "deja",
        "qpv_code": CORO,
        "projet": list(ids(projects[CORO], 1)),
    }
    refused = post(
        client, f"/budget-participatif/{edition.slug}/bureau/personne/{newcomer.public_id}", ballot
    )
    assert refused.status_code == 409
    assert "Ce document d'identité a déjà servi pour voter" in page_text(refused)
    assert 'value="Marché de Malpassé"' in refused.text
    session.refresh(newcomer)
    assert newcomer.id_document_hash is None  # the refused attempt left nothing behind
    assert count(session, Voter, edition.id) == 1


def test_paper_sheets_with_document_numbers_follow_the_same_rule(session: Session) -> None:
    from backend.budget.voting.paper import import_batch
    from backend.territory.service import qpv_refs
    from tests.budget.helpers import ADMIN

    edition, _projects = vote_edition(session)
    first, second = (
        voter(session, identifier="first@example.org"),
        voter(session, identifier="second@example.org"),
    )
    header = "bureau;identifiant;nom;annee_naissance;quartier;verification_identite;verification_residence;numero_piece"
    raw = "\n".join(
        (
            header,
            "Mairie 13/14;first@example.org;;;;Passeport;;19AB12345",
            "Marché;second@example.org;;;;passeport;;19 ab 12345",
        )
    ).encode()
    covered = [r for r in qpv_refs(session).values() if r.code == CORO]
    report = import_batch(
        session, actor=ADMIN, secret="s", edition=edition, covered=covered, filename="b.csv", raw=raw,
        apply=True, document_key=KEY,
    )  # fmt: skip
    assert not report.applied and [n for n, _who, _why in report.refused] == [3]
    assert "Ce document d'identité a déjà servi" in report.refused[0][2]
    assert count(session, Voter, edition.id) == 0  # all or nothing  # type: ignore[arg-type]
    session.refresh(first)
    assert first.id_document_hash is None and second.id_document_hash is None
