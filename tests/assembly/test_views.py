from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.assembly.models import Member, Saisine, Volunteer
from backend.assembly.service import draws, recommendations
from backend.assembly.service.common import saisine_journal
from backend.assembly.service.recruitment.volunteers import VolunteerForm, register_volunteer
from tests.assembly.helpers import (
    AGENT,
    drawn_saisine,
    make_pool,
    make_saisine,
    set_bounds,
    voting_recommendation,
)
from tests.factories import login, make_staff, make_user, page_text, post


@pytest.fixture
def saisine(session: Session) -> Saisine:
    return make_saisine(session, categories=["genre", "age"])


def _agent(session: Session):  # type: ignore[no-untyped-def]
    return make_staff(session, "agent", "commune", "13055")


def _copil(session: Session):  # type: ignore[no-untyped-def]
    return make_staff(session, "copil", "commune", "13055")


def test_public_pages_render(client: TestClient, saisine: Saisine) -> None:
    assert "Jeunes et emploi" in client.get("/assemblee").text
    page = client.get(f"/assemblee/{saisine.id}")
    assert page.status_code == 200 and "Devenir volontaire" in page.text and "<svg" in page.text
    assert client.get(f"/assemblee/{saisine.id}/participer").status_code == 200
    assert "sera figée et publiée ici" in client.get(f"/assemblee/{saisine.id}/tirage").text
    assert client.get(f"/assemblee/{saisine.id}/tirage/volontaires.csv").status_code == 404
    assert client.get(f"/assemblee/{saisine.id}/avis").status_code == 404
    assert client.get("/assemblee/999999").status_code == 404


def test_registration_keeps_what_was_typed_and_explains(
    client: TestClient, session: Session, saisine: Saisine
) -> None:
    data = {"name": "Nadia Bensaïd", "phone": "06 11 22 33 44", "address": "5 rue des Lilas 13013 Marseille",
            "qpv_code": "QN01342I", "c_genre": "femme", "needs": "garde d'enfants"}  # fmt: skip
    response = post(client, f"/assemblee/{saisine.id}/participer", data)
    assert response.status_code == 422
    assert (
        "Quel âge avez-vous" in response.text
        and "aria-invalid" not in response.text.split("f-c_age")[0][-50:]
    )
    assert 'value="Nadia Bensaïd"' in response.text and "garde d&#39;enfants" in response.text
    assert 'value="femme" checked' in response.text
    response = post(client, f"/assemblee/{saisine.id}/participer", {**data, "c_age": "30-44"})
    assert response.status_code == 422 and "Cochez la case" in response.text
    response = post(client, f"/assemblee/{saisine.id}/participer", {**data, "c_age": "30-44", "consent": "1"})
    assert response.status_code == 303 and response.headers["location"] == f"/assemblee/{saisine.id}/merci"
    volunteer = session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).one()
    assert volunteer.characteristics == {"genre": "femme", "age": "30-44"} and volunteer.user_id is None
    assert "Merci" in client.get(f"/assemblee/{saisine.id}/merci").text


def _problems(html: str) -> tuple[list[str], int]:
    """(fields linked from the error summary, error messages shown next to fields)."""
    summary = html.split('id="erreur"')[1].split("</div>")[0]
    return re.findall(r'href="#f-([\w-]+)"', summary), html.count('class="error-text"')


@pytest.mark.parametrize("assisted", [False, True])
def test_the_volunteer_form_lists_every_problem_at_once(
    client: TestClient, session: Session, saisine: Saisine, assisted: bool
) -> None:
    url = f"/assemblee/{saisine.id}/participer"
    if assisted:
        login(client, _agent(session))
        url = f"/assemblee/{saisine.id}/gestion/volontaires/nouveau"
    response = post(client, url, {})
    assert response.status_code == 422
    fields, shown = _problems(response.text)
    expected = ["name", "address", "qpv_code", "c_genre", "c_age", "consent"]
    if not assisted:
        expected.insert(1, "phone")  # a resident leaves a contact; an agent may register without one
    assert fields == expected and shown == len(expected)
    assert f"Il y a {len(expected)} points à corriger" in page_text(response)
    typed = {"name": "Nadia Bensaïd", "email": "pas-un-mail", "household_size": "cent",
             "needs": "garde d'enfants", "c_genre": "femme"}  # fmt: skip
    response = post(client, url, typed)
    fields, shown = _problems(response.text)
    assert fields == ["email", "address", "qpv_code", "c_age", "household_size", "consent"]
    assert shown == len(fields)
    assert 'value="Nadia Bensaïd"' in response.text and 'value="pas-un-mail"' in response.text
    assert 'value="cent"' in response.text and 'value="femme" checked' in response.text
    assert session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).first() is None


def test_registration_with_an_account_is_linked_and_prefilled(
    client: TestClient, session: Session, saisine: Saisine
) -> None:
    user = make_user(session, display_name="Karim T.", qpv="QN01332M")
    login(client, user)
    form = client.get(f"/assemblee/{saisine.id}/participer").text
    assert 'value="Karim T."' in form and 'value="QN01332M" selected' in form
    data = {"name": "Karim T.", "email": user.email, "address": "1 rue A 13003 Marseille", "qpv_code": "QN01332M",
            "c_genre": "homme", "c_age": "19-29", "consent": "1"}  # fmt: skip
    assert post(client, f"/assemblee/{saisine.id}/participer", data).status_code == 303
    assert session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).one()
    assert "déjà sur la liste des volontaires" in client.get(f"/assemblee/{saisine.id}/participer").text


@pytest.mark.parametrize("who", ["anonymous", "resident", "qpv_agent", "copil"])
def test_management_is_for_agents_of_the_whole_territory(
    client: TestClient, session: Session, saisine: Saisine, who: str
) -> None:
    if who == "resident":
        login(client, make_user(session))
    elif who == "qpv_agent":
        login(client, make_staff(session, "agent", "qpv", "QN01342I"))
    elif who == "copil":
        login(client, _copil(session))
    response = client.get(f"/assemblee/{saisine.id}/gestion")
    if who == "anonymous":
        assert response.status_code == 303 and response.headers["location"].startswith("/connexion")
    else:
        assert response.status_code == 403
    assert post(client, f"/assemblee/{saisine.id}/gestion/tirage").status_code in (401, 403)


def test_only_copil_creates_a_saisine(client: TestClient, session: Session) -> None:
    login(client, _agent(session))
    assert client.get("/assemblee/nouvelle-saisine").status_code == 403
    assert post(client, "/assemblee/nouvelle-saisine", {"commune_insee": "13055"}).status_code == 403


def test_copil_creates_a_saisine_and_sets_quotas(client: TestClient, session: Session) -> None:
    login(client, _copil(session))
    assert "Poser une nouvelle question" in client.get("/assemblee").text
    assert client.get("/assemblee/nouvelle-saisine").status_code == 200
    data = {"title": "Logement et rénovation", "question": "Que faut-il rénover en premier ?", "commune_insee": "13055",
            "panel_size": "beaucoup", "avis_deadline": "2099-01-01", "registration_mode": "open",
            "categories": ["genre", "secteur"], "adoption_threshold_pct": "50", "quorum_pct": "50"}  # fmt: skip
    response = post(client, "/assemblee/nouvelle-saisine", data)
    assert response.status_code == 422 and 'value="Logement et rénovation"' in response.text
    assert 'value="secteur" checked' in response.text
    response = post(client, "/assemblee/nouvelle-saisine", {**data, "panel_size": "30"})
    assert response.status_code == 303 and response.headers["location"].endswith("/quotas")
    saisine = session.exec(select(Saisine).where(Saisine.title == "Logement et rénovation")).one()
    quotas = client.get(f"/assemblee/{saisine.id}/quotas").text
    assert "Nord-Est" in quotas
    page = client.get(f"/assemblee/{saisine.id}/quotas")
    first = page.text.split('name="min_')[1].split('"')[0]
    response = post(client, f"/assemblee/{saisine.id}/quotas", {f"min_{first}": "9", f"max_{first}": "3"})
    assert response.status_code == 422 and 'value="9"' in response.text
    entry = saisine_journal(session, saisine.id or 0)[0]
    assert entry.actor_role == "copil"


def test_the_saisine_form_lists_every_problem_at_once(client: TestClient, session: Session) -> None:
    login(client, _copil(session))
    data = {"title": "Eau", "question": "Quoi ?", "commune_insee": "13055", "panel_size": "beaucoup",
            "avis_deadline": "hier", "registration_deadline": "2000-01-01", "registration_mode": "",
            "adoption_threshold_pct": "120", "quorum_pct": "cinquante", "context": "Le contexte gardé."}  # fmt: skip
    response = post(client, "/assemblee/nouvelle-saisine", data)
    assert response.status_code == 422
    fields, shown = _problems(response.text)
    assert fields == [
        "title", "question", "panel_size", "categories", "registration_mode", "registration_deadline",
        "avis_deadline", "adoption_threshold_pct", "quorum_pct",
    ]  # fmt: skip
    assert shown == len(fields)
    html = page_text(response)
    assert 'value="Eau"' in html and 'value="beaucoup"' in html and 'value="cinquante"' in html
    assert "Le contexte gardé." in html and 'value="hier"' in html
    assert session.exec(select(Saisine).where(Saisine.title == "Eau")).first() is None


def test_staff_runs_recruitment_and_the_public_draw(client: TestClient, session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    make_pool(session, saisine, {"femme": 5, "homme": 4})
    login(client, _agent(session))
    assert client.get(f"/assemblee/{saisine.id}/gestion").status_code == 200
    addresses = b"adresse;nom\n1 rue A;Foyer A\n2 rue B;Foyer B\n3 rue C;\n"
    response = post(client, f"/assemblee/{saisine.id}/gestion/invitations", {"count": "5"},
                    files={"file": ("liste.csv", addresses, "text/csv")})  # fmt: skip
    assert response.status_code == 422 and "entre 1 et 3" in response.text
    response = post(client, f"/assemblee/{saisine.id}/gestion/invitations", {"count": "2"},
                    files={"file": ("liste.csv", addresses, "text/csv")})  # fmt: skip
    assert response.status_code == 303
    letters = client.get(response.headers["location"]).text
    assert letters.count('class="code"') == 2
    assert "Volontaire" in client.get(f"/assemblee/{saisine.id}/gestion/volontaires").text

    witnesses = {"label": ["Mme A", "M. B"], "value": ["12", "7"]}
    response = post(client, f"/assemblee/{saisine.id}/gestion/graine", witnesses)
    assert response.status_code == 409 and "Figez d" in response.text
    assert post(client, f"/assemblee/{saisine.id}/gestion/liste").status_code == 303
    draw = draws.get_draw(session, saisine)
    assert draw is not None and draw.pool_file_sha256 in client.get(f"/assemblee/{saisine.id}/tirage").text
    response = post(
        client, f"/assemblee/{saisine.id}/gestion/graine", {"label": ["Mme A", ""], "value": ["12", ""]}
    )
    assert response.status_code == 422 and 'value="Mme A"' in response.text
    assert post(client, f"/assemblee/{saisine.id}/gestion/graine", witnesses).status_code == 303
    page = client.get(f"/assemblee/{saisine.id}/tirage").text
    session.refresh(draw)
    assert draw.seed is not None and draw.seed in page and draw.pool_file_sha256 in page
    pool = client.get(f"/assemblee/{saisine.id}/tirage/volontaires.csv")
    assert pool.headers["content-disposition"].endswith(f'assemblee-{saisine.id}-volontaires.csv"')
    assert draws.sha256(pool.text) == draw.pool_file_sha256
    rows = list(csv.DictReader(io.StringIO(pool.text)))
    assert set(rows[0]) == {"id", "household", "genre"} and "Volontaire" not in pool.text
    assert client.get(f"/assemblee/{saisine.id}/tirage/quotas.csv").text.startswith(
        "category,feature,min,max"
    )

    assert post(client, f"/assemblee/{saisine.id}/gestion/tirage").status_code == 303
    assert "Numéros tirés" in client.get(f"/assemblee/{saisine.id}/tirage").text
    member = draws.members(session, saisine)[0]
    response = post(client, f"/assemblee/{saisine.id}/gestion/membres/{member.id}/remplacer")
    assert response.status_code == 303
    flash = client.get(f"/assemblee/{saisine.id}/gestion").text
    assert f"Le membre n° {member.pool_id} est remplacé" in flash
    response = post(client, f"/assemblee/{saisine.id}/gestion/tirage")
    assert response.status_code == 303 and "une fois" in client.get(f"/assemblee/{saisine.id}/gestion").text


def test_sessions_groups_documents(client: TestClient, session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client.app.state.settings.upload_dir = tmp_path  # type: ignore[attr-defined]
    saisine = drawn_saisine(session)
    login(client, _agent(session))
    base = f"/assemblee/{saisine.id}/gestion"
    response = post(
        client,
        f"{base}/seances/nouvelle",
        {"title": "Séance 1", "starts_at": "pas une date", "place": "Mairie"},
    )
    assert response.status_code == 422 and 'value="Séance 1"' in response.text
    response = post(
        client,
        f"{base}/seances/nouvelle",
        {"title": "Séance 1", "starts_at": "2026-03-14T09:30", "place": "Mairie 13/14"},
    )
    assert response.status_code == 303
    meeting_url = response.headers["location"]
    page = client.get(meeting_url).text
    assert "14 mars 2026 à 9 h 30" in page, page.split("<dd>")[1]
    meeting_id = meeting_url.rsplit("/", 1)[1]
    ids = [m.id for m in draws.members(session, saisine)]
    response = post(client, f"{base}/seances/{meeting_id}", {"present": ids[:4], "summary": "Bonne séance."})
    assert response.status_code == 303
    assert "4 membres sur 6" in client.get(meeting_url).text
    response = post(
        client, f"{base}/groupes/nouveau", {"name": "Mobilité", "topic": "Bus", "members": ids[:3]}
    )
    assert response.status_code == 303, response.text[response.text.find("<main") :][:1500]
    response = post(client, f"{base}/documents/nouveau", {"title": "Note", "meeting_id": ""},
                    files={"file": ("note.pdf", b"%PDF-1.4 x", "application/pdf")})  # fmt: skip
    assert response.status_code == 303
    document = (
        client.get(f"/assemblee/{saisine.id}")
        .text.split(f"/assemblee/{saisine.id}/documents/")[1]
        .split('"')[0]
    )
    downloaded = client.get(f"/assemblee/{saisine.id}/documents/{document}")
    assert downloaded.status_code == 200 and downloaded.content == b"%PDF-1.4 x"
    response = post(client, f"{base}/documents/nouveau", {"title": "Virus", "meeting_id": ""},
                    files={"file": ("x.exe", b"MZ", "application/octet-stream")})  # fmt: skip
    assert response.status_code == 422 and 'value="Virus"' in response.text


def _member_with_account(session: Session, saisine: Saisine):  # type: ignore[no-untyped-def]
    user = make_user(session)
    member = draws.members(session, saisine)[0]
    member.user_id = user.id
    session.add(member)
    session.flush()
    return user, member


def test_members_vote_once_online(client: TestClient, session: Session) -> None:
    saisine = drawn_saisine(session)
    user, _member = _member_with_account(session, saisine)
    rec = voting_recommendation(session, saisine)
    assert client.get(f"/assemblee/{saisine.id}/membre").status_code == 303  # log in first
    login(client, make_user(session))
    assert client.get(f"/assemblee/{saisine.id}/membre").status_code == 403
    login(client, user)
    assert rec.title in client.get(f"/assemblee/{saisine.id}/membre").text
    assert (
        post(client, f"/assemblee/{saisine.id}/recommandations/{rec.id}/vote", {"choice": "pour"}).status_code
        == 303
    )
    assert "Vous avez voté" in client.get(f"/assemblee/{saisine.id}/membre").text
    post(client, f"/assemblee/{saisine.id}/recommandations/{rec.id}/vote", {"choice": "contre"})
    assert "déjà voté" in client.get(f"/assemblee/{saisine.id}/membre").text
    assert recommendations.tally(session, saisine, rec).pour == 1


def test_agent_records_votes_closes_and_publishes_the_avis(client: TestClient, session: Session) -> None:
    saisine = drawn_saisine(session)
    rec = voting_recommendation(session, saisine)
    login(client, _agent(session))
    url = f"/assemblee/{saisine.id}/gestion/recommandations/{rec.id}/votes"
    members: list[Member] = draws.members(session, saisine)
    response = post(client, url, {"member_id": str(members[0].id)})
    assert response.status_code == 422 and "pour, contre ou abstention" in response.text
    for member in members[:4]:
        assert post(client, url, {"member_id": str(member.id), "choice": "pour"}).status_code == 303
    assert post(client, f"/assemblee/{saisine.id}/gestion/recommandations/{rec.id}/clore").status_code == 303
    session.refresh(rec)
    assert rec.status == "adopted"
    response = post(client, f"/assemblee/{saisine.id}/gestion/avis", {"intro": "court"})
    assert response.status_code == 422 and "court" in response.text
    response = post(
        client, f"/assemblee/{saisine.id}/gestion/avis", {"intro": "L'assemblée a travaillé deux mois."}
    )
    assert response.status_code == 303 and response.headers["location"].endswith("/avis")
    assert "4 pour, 0 contre, 0 abstention" in client.get(f"/assemblee/{saisine.id}/avis").text


def test_copil_answers_and_follows_up(client: TestClient, session: Session) -> None:
    saisine = drawn_saisine(session)
    rec = voting_recommendation(session, saisine)
    for member in draws.members(session, saisine)[:4]:
        recommendations.cast_vote(session, saisine, rec, member, "pour", AGENT)
    recommendations.close_vote(session, AGENT, saisine, rec)
    recommendations.publish_avis(session, AGENT, saisine, "Introduction de l'avis, assez longue.")
    login(client, _agent(session))
    assert (
        post(
            client, f"/assemblee/{saisine.id}/reponses/{rec.id}", {"decision": "adopted", "reasons": "x" * 30}
        ).status_code
        == 403
    )
    login(client, _copil(session))
    assert "Répondre" in client.get(f"/assemblee/{saisine.id}/reponses").text
    response = post(
        client, f"/assemblee/{saisine.id}/reponses/{rec.id}", {"decision": "adapted", "reasons": "Trop court"}
    )
    assert (
        response.status_code == 422
        and "Trop court" in response.text
        and 'value="adapted" checked' in response.text
    )
    reasons = "Retenue, mais un guichet par secteur plutôt que par quartier."
    assert (
        post(
            client, f"/assemblee/{saisine.id}/reponses/{rec.id}", {"decision": "adapted", "reasons": reasons}
        ).status_code
        == 303
    )
    login(client, _agent(session))
    response = post(
        client,
        f"/assemblee/{saisine.id}/reponses/{rec.id}/suivi",
        {"status": "done", "text": "Ouvert le 2 mars."},
    )
    assert response.status_code == 303
    page = client.get(f"/assemblee/{saisine.id}").text
    assert reasons in page and "Ouvert le 2 mars." in page and "retenue avec des changements" in page


def test_assisted_registration_needs_no_contact(
    client: TestClient, session: Session, saisine: Saisine
) -> None:
    login(client, _agent(session))
    data = {"name": "Mme Zohra K.", "address": "3 bd Jourdan 13014 Marseille", "qpv_code": "QN01342I",
            "c_genre": "femme", "c_age": "75+", "consent": "1"}  # fmt: skip
    assert post(client, f"/assemblee/{saisine.id}/gestion/volontaires/nouveau", data).status_code == 303
    volunteer = session.exec(select(Volunteer).where(Volunteer.name == "Mme Zohra K.")).one()
    assert volunteer.registered_by is not None and volunteer.phone is None


def test_registration_form_for_a_code_only_saisine(client: TestClient, session: Session) -> None:
    saisine = make_saisine(session, registration_mode="code")
    form = VolunteerForm(name="X Y", phone="0611111111", address="1 rue A", qpv_code="QN01342I", consent=True,
                         answers={"genre": "femme"})  # fmt: skip
    with pytest.raises(Exception, match="code"):
        register_volunteer(session, saisine, form)
    page = client.get(f"/assemblee/{saisine.id}/participer?code=ABCD-EFGH").text
    assert 'value="ABCD-EFGH"' in page


def test_open_data_api(client: TestClient, session: Session) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None
    listed = client.get("/api/v1/assemblee").json()
    assert any(row["id"] == saisine.id for row in listed)
    data = client.get(f"/api/v1/assemblee/{saisine.id}").json()
    assert data["draw"]["seed"] == draw.seed and data["draw"]["panel"] == draw.panel
    assert data["draw"]["public_inputs"][0] == {"label": "Témoin 1", "value": "17"}
    assert data["composition"][0]["features"][0]["panel"] == 3
    assert "name" not in str(data) and "Volontaire" not in str(data)
    missing = client.get("/api/v1/assemblee/999999")
    assert missing.status_code == 404 and "detail" in missing.json()
