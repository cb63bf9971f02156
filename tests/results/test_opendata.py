"""Open data: every file follows its declared schema, carries the licence, and holds no personal
data; spreadsheets are for agents and the COPIL; the PDF documents are real PDFs."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import Role, User
from backend.assembly.models import Volunteer
from backend.results import opendata, service
from backend.results.service import Update
from tests.budget.helpers import CORO
from tests.factories import login, make_staff, make_user
from tests.results.helpers import dataset
from tests.results.test_realisations import AGENT

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+33|\b0)[1-9](?:[ .-]?\d{2}){4}\b")


def public_files() -> list[str]:
    return [f"/open-data/{d.name}.{ext}" for d in opendata.DATASETS for ext in ("csv", "json")] + [
        "/open-data/datapackage.json"
    ]


def full_dataset(session: Session) -> None:
    data = dataset(session)
    r = service.open_realisation(session, AGENT, "fph", data.granted.id or 0, "Centre social")
    service.update_realisation(session, AGENT, r, Update("travaux", 40, "Centre social"))
    from datetime import date

    service.add_milestone(session, AGENT, r, happened_on=date(2026, 5, 1), title="Achat du matériel")
    # People with tell-tale contact details, in every role that touches a public file.
    for user in session.exec(select(User)).all():
        user.phone = user.phone or f"06 {user.id % 90 + 10:02d} 45 67 89"
        session.add(user)
    for v in session.exec(select(Volunteer)).all():
        v.phone, v.email = "07 12 34 56 78", f"volontaire{v.id}@example.org"
        session.add(v)
    session.flush()


def test_every_file_follows_its_schema(client: TestClient, session: Session) -> None:
    full_dataset(session)
    for ds in opendata.DATASETS:
        text = client.get(f"/open-data/{ds.name}.csv").text
        rows = list(csv.DictReader(io.StringIO(text)))
        assert list(rows[0].keys()) == [f.name for f in ds.fields], ds.name
        body = client.get(f"/open-data/{ds.name}.json").json()
        assert body["licence"]["name"] == "etalab-2.0" and body["format"] == opendata.FORMAT
        assert [f["name"] for f in body["schema"]["fields"]] == [f.name for f in ds.fields]
        assert len(body["data"]) == len(rows), ds.name
        for row in body["data"]:
            assert set(row) == {f.name for f in ds.fields}, ds.name
            for f in ds.fields:
                value = row[f.name]
                if value is None:
                    continue
                expected = {
                    "string": str,
                    "integer": int,
                    "number": (int, float),
                    "boolean": bool,
                    "date": str,
                }[f.type]
                assert isinstance(value, expected), (ds.name, f.name, value)
                if f.type == "date":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), (ds.name, f.name, value)
    package = client.get("/open-data/datapackage.json").json()
    assert [r["name"] for r in package["resources"]] == [d.name for d in opendata.DATASETS]
    assert package["licenses"][0]["name"] == "etalab-2.0"


def test_known_rows(client: TestClient, session: Session) -> None:
    full_dataset(session)
    results = list(csv.DictReader(io.StringIO(client.get("/open-data/resultats.csv").text)))
    assert len(results) == 6 and all(r["retenu"] == "true" for r in results)
    corot = [r for r in results if r["titre"].startswith("Projet QN01342I")]
    assert sorted(int(r["voix"]) for r in corot) == [0, 1, 1, 3]
    assert {r["votants_enveloppe"] for r in corot} == {"3"}
    grants = client.get("/open-data/fph_subventions.json").json()["data"]
    assert [(g["montant_accorde_euros"], g["code_qpv"]) for g in grants] == [(500.0, CORO)]
    answers = client.get("/open-data/assemblee_reponses.json").json()["data"]
    assert [(a["decision_copil"], a["suivi_statut"]) for a in answers] == [("adopted", "in_progress")]
    avis = client.get("/open-data/assemblee_avis.json").json()["data"]
    assert [a["statut"] for a in avis] == ["adopted", "adopted", "rejected"]
    realisations = client.get("/open-data/realisations.json").json()["data"]
    assert [(r["etape"], r["avancement_pourcent"], r["titre"]) for r in realisations] == [
        ("travaux", 40, "Fête des voisins")
    ]
    assert client.get("/open-data/jalons.json").json()["data"][0]["titre"] == "Achat du matériel"
    assert client.get("/open-data/nothing.csv").status_code == 404
    assert client.get("/open-data/resultats.xlsx").status_code == 404


def test_no_personal_data_in_any_public_export(client: TestClient, session: Session) -> None:
    full_dataset(session)
    people = session.exec(select(User)).all()
    names = {u.display_name for u in people} | {v.name for v in session.exec(select(Volunteer)).all()}
    assert len(names) > 10
    for url in public_files():
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.text
        assert not EMAIL.findall(text), (url, EMAIL.findall(text)[:3])
        assert not PHONE.findall(text), (url, PHONE.findall(text)[:3])
        found = [n for n in names if n in text]
        assert not found, (url, found)
        for user in people:
            assert user.public_id not in text, url  # not even the journal's pseudonyms


def test_spreadsheets_are_for_agents_and_the_copil(client: TestClient, session: Session) -> None:
    full_dataset(session)
    assert client.get("/resultats/exports/realisations.xlsx").status_code == 303  # log in first
    login(client, make_user(session))
    assert client.get("/resultats/exports/realisations.xlsx").status_code == 403
    client.cookies.clear()
    login(client, make_staff(session, Role.agent, "commune", "13055"))
    xlsx = client.get("/resultats/exports/realisations.xlsx")
    assert xlsx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(xlsx.content))
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][0] == "realisation_id" and rows[1][5] == 500.0
    ods = client.get("/resultats/exports/fph_subventions.ods")
    assert ods.status_code == 200 and b"opendocument.spreadsheet" in zipfile.ZipFile(
        io.BytesIO(ods.content)
    ).read("mimetype")
    assert client.get("/resultats/exports/fph_subventions.csv").status_code == 404
    index = client.get("/open-data").text
    assert "/resultats/exports/propositions.xlsx" in index


def test_pdf_reports(client: TestClient, session: Session) -> None:
    full_dataset(session)
    slug = session.exec(select(opendata.Edition.slug)).first()
    pdf = client.get(f"/open-data/budget/{slug}/rapport.pdf")
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and pdf.headers["content-type"] == "application/pdf"
    )
    assert client.get("/open-data/budget/nope/rapport.pdf").status_code == 404
    digest = client.get("/resultats/lettre/2026-05.pdf")
    assert digest.status_code == 200 and digest.content.startswith(b"%PDF")
    index = client.get("/open-data")
    assert "Licence Ouverte" in index.text and "datapackage.json" in index.text
    assert json.loads(client.get("/open-data/quartiers.json").text)["data"][0]["code_qpv"]
