"""The online ballot through the screens (no JavaScript, then htmx), the receipt shown once,
the receipt check, the voting point, the batch import, the results pages and the JSON API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, User
from backend.budget.service import editions
from backend.budget.voting.models import Ballot, PaperBatch, Voter
from backend.ledger.service import entries_for
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO, agent, moderator
from tests.budget.vote_helpers import ids, vote, vote_edition, voter
from tests.conftest import csrf
from tests.factories import login, page_text, post


def receipt_of(text: str) -> str:
    found = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", text)
    assert found, text
    return found.group(0)


def test_online_ballot_without_javascript(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session, ballot_min=2, ballot_max=3)
    person = voter(session)
    base = f"/budget-participatif/{edition.slug}/voter"
    assert client.get(base).status_code == 303  # log in first
    login(client, person)
    page = client.get(base)
    assert page.status_code == 200
    text = page_text(page)
    assert "Projet QN01342I 1" in text and "Projet QN01332M 1" not in text  # only their envelope
    coro = ids(projects[CORO], 0, 1, 2, 3)
    # Too many: the error says why and the boxes stay ticked.
    response = post(client, base, {"projet": list(coro), "action": "verifier"})
    assert response.status_code == 422
    text = page_text(response)
    assert "Vous avez choisi 4 projets : le maximum est 3." in text
    assert text.count("checked") == 4
    # Valid: a confirmation step, nothing stored yet.
    response = post(client, base, {"projet": list(coro[:2]), "action": "verifier"})
    assert response.status_code == 200 and "Relisez votre vote" in page_text(response)
    assert session.exec(select(Voter).where(Voter.edition_id == edition.id)).first() is None
    # « Modifier » goes back with the choice kept.
    response = post(client, base, {"projet": list(coro[:2]), "action": "modifier"})
    assert page_text(response).count("checked") == 2
    response = post(client, base, {"projet": list(coro[:2]), "action": "confirmer"})
    assert response.status_code == 303 and response.headers["location"] == f"{base}/recu"
    shown = client.get(f"{base}/recu")
    code = receipt_of(page_text(shown))
    assert "Il ne sera plus affiché" in page_text(shown)
    assert client.get(f"{base}/recu").status_code == 303  # shown once
    ballot = session.exec(select(Ballot).where(Ballot.edition_id == edition.id)).one()
    assert ballot.choices == " ".join(coro[:2])
    # The receipt check (anyone holding the code).
    check = post(client, f"/budget-participatif/{edition.slug}/verifier-recu", {"code": code.lower()})
    assert "correspond à un bulletin enregistré" in page_text(check)
    bad = post(client, f"/budget-participatif/{edition.slug}/verifier-recu", {"code": "abc"})
    assert bad.status_code == 422 and "12 caractères" in page_text(bad)
    # Voted: the page says so, and a second ballot is refused.
    again = page_text(client.get(base))
    assert "Vous avez voté le" in again and "on ne peut pas changer son vote" in again


def test_htmx_running_count_and_budget(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session, ballot_rule="knapsack", ballot_max=None)
    login(client, voter(session))
    url = f"/budget-participatif/{edition.slug}/voter/compteur"
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    coro = ids(projects[CORO], 0, 1)
    response = client.post(url, data={"projet": list(coro)}, headers=headers)
    text = page_text(response)
    assert response.status_code == 200 and text.startswith('<div id="bp-compteur"')
    assert (
        "2 projets choisis." in text
        and "Total : 70\u202f000\u202f€ sur 100\u202f000\u202f€. Il reste 30\u202f000\u202f€." in text
    )
    p = projects[CORO][3]
    p.services_cost = 10_001
    session.add(p)
    session.flush()
    edition.phase_changed_at = editions.utcnow()  # a new context (the cache keys on the phase change)
    session.add(edition)
    session.flush()
    over = page_text(
        client.post(url, data={"projet": list(ids(projects[CORO], 0, 1, 2, 3))}, headers=headers)
    )
    assert "il dépasse l'enveloppe" in over


def test_refusals_are_explained_on_the_ballot_page(client: TestClient, session: Session) -> None:
    edition, _projects = vote_edition(session, min_voting_age=16)
    young = voter(session, birth_year=editions.utcnow().year - 12)
    login(client, young)
    page = client.get(f"/budget-participatif/{edition.slug}/voter")
    assert page.status_code == 403 and "au moins 16 ans" in page_text(page)


def test_online_after_signing_in_at_a_voting_point_is_refused_on_the_page(
    client: TestClient, session: Session
) -> None:
    edition, projects = vote_edition(session)
    person = voter(session)
    mod = moderator(session, CORO)
    login(client, mod)
    base = f"/budget-participatif/{edition.slug}/bureau"
    url = f"{base}/personne/{person.public_id}"
    form = {
        "voting_point": "Centre social Malpassé",
        "document_kind": "carte_identite",
        "document_number": "X4RTBPFW4",
        "residence_check": "deja",
        "qpv_code": CORO,
    }
    response = post(client, url, form)
    assert response.status_code == 303 and response.headers["location"] == f"{base}/emargement"
    choice = page_text(client.get(f"{base}/emargement"))
    assert "La liste d'émargement est signée" in choice and person.display_name not in choice
    assert post(client, f"{base}/papier", {}).status_code == 303  # a paper ballot into the box
    assert "Donnez un bulletin papier" in page_text(client.get(base))
    again = post(client, url, form)
    assert "a déjà voté au bureau de vote « Centre social Malpassé »" in page_text(again)
    post(client, "/deconnexion")
    login(client, person)
    page = page_text(client.get(f"/budget-participatif/{edition.slug}/voter"))
    assert "Vous avez voté au bureau de vote « Centre social Malpassé »" in page
    refused = post(
        client,
        f"/budget-participatif/{edition.slug}/voter",
        {"projet": list(ids(projects[CORO], 1)), "action": "confirmer"},
    )
    assert "vous ne pouvez pas voter en ligne" in page_text(refused)
    assert len(session.exec(select(Voter).where(Voter.edition_id == edition.id)).all()) == 1
    assert not session.exec(select(Ballot).where(Ballot.edition_id == edition.id)).all()  # counted later


def test_voting_point_registers_and_verifies_a_new_person(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.residence)
    mod = moderator(session, CORO)
    login(client, mod)
    base = f"/budget-participatif/{edition.slug}/bureau"
    assert "Bureau de vote" in page_text(client.get(base))
    response = post(
        client,
        f"{base}/inscrire",
        {
            "display_name": "Mme Benali",
            "identifier": "06 11 22 33 44",
            "birth_year": "1961",
            "address": "12 avenue de la Croix-Rouge",
            "qpv_code": CORO,
            "document_kind": "passeport",
            "document_number": "19AB12345",
        },
    )
    assert response.status_code == 200 and "Votre code" in page_text(response)  # the slip to print
    person = session.exec(select(User).where(User.phone == "+33611223344")).one()
    assert person.registered_by == mod.public_id and person.password_hash is None
    url = f"{base}/personne/{person.public_id}"
    form = {
        "voting_point": "Mairie 13/14",
        "document_kind": "passeport",
        "document_number": "19AB12345",
        "residence_check": "deja",
        "qpv_code": CORO,
    }
    refused = post(client, url, form)
    assert refused.status_code == 403 and "la résidence doit être vérifiée" in page_text(refused)
    assert 'value="Mairie 13/14"' in refused.text  # what was typed is kept
    form["residence_check"] = "Quittance de loyer ou bail"
    assert post(client, url, form).status_code == 303
    session.refresh(person)
    assert (
        person.residence_status == ResidenceStatus.verified
        and person.residence_method == "Quittance de loyer ou bail"
    )
    row = session.exec(select(Voter).where(Voter.user_id == person.id)).one()
    assert (row.channel, row.voting_point, row.identity_check, row.recorded_by) == (
        "in_person",
        "Mairie 13/14",
        "Passeport",
        mod.public_id,
    )
    assert "Mairie 13/14" in page_text(client.get(base))  # counts per voting point


def test_voting_point_is_for_the_staff_of_the_qpv(client: TestClient, session: Session) -> None:
    edition, _projects = vote_edition(session)
    login(client, moderator(session, "QN01352M"))  # a QPV outside this edition
    assert client.get(f"/budget-participatif/{edition.slug}/bureau").status_code == 403
    post(client, "/deconnexion")
    login(client, moderator(session, CENTRE))
    other = voter(session, CORO)
    assert (
        client.get(f"/budget-participatif/{edition.slug}/bureau/personne/{other.public_id}").status_code
        == 403
    )


def csv_file(*lines: str) -> bytes:
    header = "bureau;identifiant;nom;annee_naissance;quartier;verification_identite;verification_residence"
    return "\n".join((header, *lines)).encode()


def test_paper_register_is_all_or_nothing_with_a_report(client: TestClient, session: Session) -> None:
    """A paper register of émargements: who came to vote, never what they chose."""
    edition, projects = vote_edition(session)
    ag = agent(session)
    known = voter(session, identifier="known@example.org")
    online = voter(session, identifier="online@example.org")
    vote(session, edition, online, *ids(projects[CORO], 0))
    lines = [
        "Mairie 13/14;known@example.org;;;;Carte d'identité;",
        f"Mairie 13/14;nouvelle@example.org;Awa N.;1980;{CENTRE};Titre de séjour;Facture",
        "Marché;online@example.org;;;;Carte d'identité;",
        "Marché;known@example.org;;;;Carte d'identité;",
        f"Marché;jeune@example.org;Léo P.;2020;{CORO};Carte d'identité;Facture",
    ]
    login(client, ag)
    url = f"/budget-participatif/{edition.slug}/bureau/import"
    response = post(
        client, url, {"action": "enregistrer"}, files={"fichier": ("lot1.csv", csv_file(*lines), "text/csv")}
    )
    text = page_text(response)
    assert response.status_code == 422 and "3 lignes refusées : rien n'a été enregistré." in text
    assert "a déjà voté en ligne" in text and "figure déjà à la ligne 2" in text and "au moins 16 ans" in text
    assert session.exec(select(PaperBatch)).first() is None
    assert (
        session.exec(select(User).where(User.email == "nouvelle@example.org")).first() is None
    )  # nothing half-imported
    assert len(session.exec(select(Voter).where(Voter.edition_id == edition.id)).all()) == 1
    # Fixed file: the check first, then the recording.
    good = csv_file(lines[0], lines[1])
    checked = post(client, url, {"action": "verifier"}, files={"fichier": ("lot1.csv", good, "text/csv")})
    assert checked.status_code == 200 and "Le fichier est correct" in page_text(checked)
    assert len(session.exec(select(Voter).where(Voter.edition_id == edition.id)).all()) == 1
    done = post(client, url, {"action": "enregistrer"}, files={"fichier": ("lot1.csv", good, "text/csv")})
    assert done.status_code == 200 and "2 émargements enregistrés." in page_text(done)
    batch = session.exec(select(PaperBatch)).one()
    assert batch.ballots == 2 and batch.per_point == {"Mairie 13/14": 2}
    assert any(
        e.action == "bp.emargements_imported" for e in entries_for(session, "bp_edition", edition.slug)
    )
    signed = session.exec(select(Voter).where(Voter.user_id == known.id)).one()
    assert signed.batch_id == batch.id and signed.voting_point == "Mairie 13/14"
    assert len(session.exec(select(Ballot)).all()) == 1  # the online one: a register holds no ballot
    twice = post(client, url, {"action": "enregistrer"}, files={"fichier": ("lot1.csv", good, "text/csv")})
    assert "déjà été importé" in page_text(twice)


def test_results_pages_and_files(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    results_url = f"/budget-participatif/{edition.slug}/resultats"
    assert client.get(results_url).status_code == 404
    person = voter(session)
    receipt = vote(session, edition, person, *ids(projects[CORO], 0, 1)).receipt
    vote(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 0))
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    overview = page_text(client.get(results_url))
    assert "2 personnes ont voté." in overview and "SHA-256" in overview and "Malpassé Corot" in overview
    page = client.get(f"{results_url}/{CORO}")
    text = page_text(page)
    assert (
        page.status_code == 200
        and "retenu" in text
        and "de participation" in text
        and "En cas d'égalité" in text
    )
    assert "Projet QN01342I 1" in text
    pb = client.get(f"{results_url}/fichiers/{edition.slug}_{CORO}.pb")
    assert (
        pb.status_code == 200
        and pb.text.startswith("META")
        and "attachment" in pb.headers["content-disposition"]
    )
    check = page_text(post(client, f"/budget-participatif/{edition.slug}/verifier-recu", {"code": receipt}))
    assert "Votre bulletin est dans le fichier publié." in check
    assert client.get(f"/budget-participatif/{edition.slug}/voter").status_code == 303  # to the results
    assert "Voir les résultats" in page_text(client.get(f"/budget-participatif/{edition.slug}"))


def test_json_api_with_session_and_with_a_token(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=True)
    person = voter(session)
    api = f"/api/v1/budget/editions/{edition.slug}"
    assert client.post(f"{api}/bulletin", json={"projects": []}).status_code in (401, 403)
    login(client, person)
    info = client.get(f"{api}/bulletin").json()
    assert (
        info["can_vote"]
        and info["envelope"] == CORO
        and [p["id"] for p in info["projects"]] == list(ids(projects[CORO], 0, 1, 2, 3))
    )
    token = client.post("/api/v1/budget/jeton", headers={"X-CSRF-Token": csrf(client)}).json()["token"]
    anonymous = TestClient(client.app, base_url="http://testserver")
    bearer = {"Authorization": f"Bearer {token}"}
    bad = anonymous.post(
        f"{api}/bulletin", json={"projects": list(ids(projects[CORO], 0, 1, 2, 3))}, headers=bearer
    )
    assert bad.status_code == 422 and bad.json()["problems"][0]["code"] == "too_many"
    checked = anonymous.post(
        f"{api}/bulletin/verifier", json={"projects": list(ids(projects[CORO], 0))}, headers=bearer
    ).json()
    assert checked["valid"] is True
    first = anonymous.post(f"{api}/bulletin", json={"projects": list(ids(projects[CORO], 0))}, headers=bearer)
    assert first.status_code == 201 and first.json()["revote"] is False
    second = anonymous.post(
        f"{api}/bulletin", json={"projects": [int(x) for x in ids(projects[CORO], 1)]}, headers=bearer
    )
    assert second.status_code == 201 and second.json()["revote"] is True
    assert len(session.exec(select(Ballot).where(Ballot.edition_id == edition.id)).all()) == 1
    receipts = f"{api}/recus/verifier"
    assert anonymous.post(receipts, json={"code": second.json()["receipt"]}, headers=bearer).json() == {
        "found": True,
        "published": False,
        "envelope": None,
        "fingerprint": None,
        "choices": None,
    }
    assert (
        anonymous.post(receipts, json={"code": first.json()["receipt"]}, headers=bearer).json()["found"]
        is False
    )
    forged = anonymous.post(
        f"{api}/bulletin", json={"projects": []}, headers={"Authorization": "Bearer forged"}
    )
    assert forged.status_code == 401 and "Jeton invalide" in forged.json()["detail"]
    # Logging out everywhere (a new password) revokes the token.
    person.session_version += 1
    session.add(person)
    session.flush()
    revoked = anonymous.post(
        f"{api}/bulletin", json={"projects": list(ids(projects[CORO], 2))}, headers=bearer
    )
    assert revoked.status_code == 401


def test_api_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/budget/editions/{slug}/bulletin" in paths and "/api/v1/budget/jeton" in paths
    assert "/api/v1/budget/editions/{slug}/resultats" in paths
    assert "jeton" in schema["components"]["securitySchemes"]


def test_isoloir_running_count_with_htmx(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session, ballot_max=2)
    person = voter(session)
    login(client, moderator(session, CORO))
    base = f"/budget-participatif/{edition.slug}/bureau"
    signed = post(
        client,
        f"{base}/personne/{person.public_id}",
        {
            "voting_point": "Mairie",
            "document_kind": "passeport",
            "document_number": "19AB1",
            "qpv_code": CORO,
        },
    )
    assert signed.status_code == 303, page_text(signed)
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(client)}
    text = page_text(
        client.post(
            f"{base}/isoloir/compteur", data={"projet": list(ids(projects[CORO], 0, 1, 2))}, headers=headers
        )
    )
    assert "3 projets choisis." in text and "le maximum est 2" in text


def test_majority_judgment_ballot_and_results_pages(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(
        session, ballot_rule="majority_judgment", counting_rule="majority-judgment", ballot_max=None
    )
    coro = [str(p.id) for p in projects[CORO]]
    person = voter(session)
    login(client, person)
    base = f"/budget-participatif/{edition.slug}/voter"
    page = page_text(client.get(base))
    assert "Très bien" in page and "Insuffisant" in page
    partial = {f"note-{coro[0]}": "3", f"note-{coro[1]}": "2"}
    response = post(client, base, {**partial, "action": "verifier"})
    assert response.status_code == 422 and "il en manque 2" in page_text(response)
    assert f'id="note-{coro[0]}-3" name="note-{coro[0]}" value="3" checked' in response.text  # kept
    full = {**partial, f"note-{coro[2]}": "1", f"note-{coro[3]}": "0"}
    assert "Relisez votre vote" in page_text(post(client, base, {**full, "action": "verifier"}))
    assert post(client, base, {**full, "action": "confirmer"}).status_code == 303
    centre = [str(p.id) for p in projects[CENTRE]]
    vote(session, edition, voter(session, CENTRE), grades={centre[0]: 1, centre[1]: 2})
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    text = page_text(client.get(f"/budget-participatif/{edition.slug}/resultats/{CORO}"))
    assert "Mention majoritaire" in text and "on retire une mention du milieu" in text


def test_import_page_opens_for_agents_and_moderators(client: TestClient, session: Session) -> None:
    """The GET used to crash (`error` undefined), so no paper ballot could be imported."""
    edition, projects = vote_edition(session)
    url = f"/budget-participatif/{edition.slug}/bureau/import"
    for staff in (agent(session), moderator(session, CORO)):
        client.cookies.clear()
        login(client, staff)
        page = client.get(url)
        assert page.status_code == 200, staff.email
        assert "Importer un registre d'émargement" in page_text(page)
        assert "Il y a un problème" not in page_text(page)
    # The moderator (still logged in) can then import a file of their QPV.
    voter(session, identifier="papier@example.org")
    line = "Mairie 13/14;papier@example.org;;;;Carte d'identité;"
    done = post(
        client, url, {"action": "enregistrer"}, files={"fichier": ("lot.csv", csv_file(line), "text/csv")}
    )
    assert done.status_code == 200 and "1 émargement enregistré." in page_text(done)
    # A register with the choices next to the names is refused as a whole.
    with_choices = (csv_file(line).decode().replace("verification_residence", "verification_residence;choix")
                    + f";{ids(projects[CORO], 0)[0]}").encode()  # fmt: skip
    refused = post(
        client, url, {"action": "enregistrer"}, files={"fichier": ("choix.csv", with_choices, "text/csv")}
    )
    assert refused.status_code == 422 and "Ce fichier contient des choix de vote" in page_text(refused)
    # No file: the form comes back with the message, still usable.
    empty = post(client, url, {"action": "verifier"})
    assert empty.status_code == 422 and "Choisissez le fichier CSV des bulletins." in page_text(empty)


def test_the_receipt_code_never_travels_in_an_address(client: TestClient, session: Session) -> None:
    """Browser history and server logs keep addresses: the check is a POST, page and API alike."""
    edition, projects = vote_edition(session)
    receipt = vote(session, edition, voter(session), *ids(projects[CORO], 0)).receipt
    page_url = f"/budget-participatif/{edition.slug}/verifier-recu"
    form = client.get(page_url)
    assert form.status_code == 200 and 'method="post"' in form.text and 'name="csrf_token"' in form.text
    # An old link with the code: back to the bare form, the code neither checked nor shown.
    old = client.get(page_url, params={"code": receipt})
    assert old.status_code == 303 and old.headers["location"] == page_url
    assert receipt not in client.get(old.headers["location"]).text
    # The form posts the code (with the CSRF token), and the answer is not cached.
    checked = post(client, page_url, {"code": receipt})
    assert checked.status_code == 200 and "correspond à un bulletin enregistré" in page_text(checked)
    assert checked.headers["cache-control"] == "no-store"
    assert client.post(page_url, data={"code": receipt}).status_code == 403  # no CSRF token
    empty = post(client, page_url, {"code": " "})
    assert empty.status_code == 422 and "Tapez le code" in page_text(empty)
    # The API: a JSON body; the former GET with the code in the path answers without looking it up.
    api = f"/api/v1/budget/editions/{edition.slug}/recus"
    found = client.post(f"{api}/verifier", json={"code": receipt}, headers={"X-CSRF-Token": csrf(client)})
    assert found.status_code == 200 and found.json()["found"] is True
    bad = client.post(f"{api}/verifier", json={"code": "abc"}, headers={"X-CSRF-Token": csrf(client)})
    assert (
        bad.status_code == 422 and bad.json()["field"] == "code" and "12 caractères" in bad.json()["detail"]
    )
    gone = client.get(f"{api}/{receipt}")
    assert gone.status_code == 410 and "POST" in gone.json()["detail"] and "found" not in gone.json()
    assert f"{api}/{{code}}" not in client.get("/api/v1/openapi.json").json()["paths"]
