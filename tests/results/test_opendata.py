"""Open data: every file follows its declared schema, carries the licence, and holds no personal
data; every dataset is open to anyone as CSV, JSON, ODS and XLSX; the PDF documents are real PDFs."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from odf.opendocument import load as load_ods
from odf.table import Table, TableCell, TableRow
from odf.text import P
from openpyxl import load_workbook
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.assembly.models import Volunteer
from backend.budget.models import Edition, Proposal
from backend.results import opendata, service
from backend.results.service import Update
from tests.budget.helpers import CORO
from tests.factories import login, make_user
from tests.results.helpers import dataset
from tests.results.test_realisations import AGENT

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
NUMBER = re.compile(r"-?\d+\.\d+|-?[1-9]\d*|0")
PHONE = re.compile(r"(?:\+33|\b0)[1-9](?:[ .-]?\d{2}){4}\b")


FORMATS = ("csv", "json", "ods", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# The Table Schema field types and the JSON values they allow.
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "date": str,
}


def public_files() -> list[str]:
    return [f"/open-data/{d.name}.{ext}" for d in opendata.DATASETS for ext in FORMATS] + [
        "/open-data/datapackage.json"
    ]


def _text(value: Any) -> str:
    """A cell in one spelling whatever the format: 500, 500.0 and "500.0" are all "500"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and NUMBER.fullmatch(value):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def xlsx_rows(content: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def ods_rows(content: bytes) -> list[list[str]]:
    doc = load_ods(io.BytesIO(content))
    (table,) = doc.spreadsheet.getElementsByType(Table)
    rows = []
    for tr in table.getElementsByType(TableRow):
        cells = []
        for cell in tr.getElementsByType(TableCell):
            if cell.getAttribute("valuetype") == "float":
                cells.append(_text(float(cell.getAttribute("value"))))
            else:
                cells.append(_text("".join(str(p) for p in cell.getElementsByType(P))))
        rows.append(cells)
    return rows


def csv_rows(text: str) -> list[list[str]]:
    return [[_text(v) for v in row] for row in csv.reader(io.StringIO(text))]


def file_rows(content: bytes, ext: str) -> list[list[str]]:
    if ext == "xlsx":
        return xlsx_rows(content)
    if ext == "ods":
        return ods_rows(content)
    return csv_rows(content.decode())


def file_text(content: bytes, url: str) -> str:
    """What a reader of the file sees, spreadsheets included."""
    for ext in ("ods", "xlsx"):
        if url.endswith(f".{ext}"):
            return "\n".join(";".join(row) for row in file_rows(content, ext))
    return content.decode()


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
                expected = FIELD_TYPES[f.type]
                assert isinstance(value, expected), (ds.name, f.name, value)
                if f.type == "date":
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)), (ds.name, f.name, value)
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


def test_no_personal_data_in_any_public_export(client: TestClient, session: Session) -> None:
    full_dataset(session)
    people = session.exec(select(User)).all()
    names = {u.display_name for u in people} | {v.name for v in session.exec(select(Volunteer)).all()}
    assert len(names) > 10
    for url in public_files():
        response = client.get(url)
        assert response.status_code == 200, url
        text = file_text(response.content, url)
        assert not EMAIL.findall(text), (url, EMAIL.findall(text)[:3])
        assert not PHONE.findall(text), (url, PHONE.findall(text)[:3])
        found = [n for n in names if n in text]
        assert not found, (url, found)
        for user in people:
            assert user.public_id not in text, url  # not even the journal's pseudonyms


@pytest.mark.parametrize("who", ["visitor", "resident"])
def test_every_dataset_is_open_in_every_format(client: TestClient, session: Session, who: str) -> None:
    full_dataset(session)
    if who == "resident":
        login(client, make_user(session))
    for ds in opendata.DATASETS:
        reference = csv_rows(client.get(f"/open-data/{ds.name}.csv").text)
        assert reference[0] == [f.name for f in ds.fields]
        for ext in FORMATS:
            url = f"/open-data/{ds.name}.{ext}"
            response = client.get(url, follow_redirects=False)
            assert response.status_code == 200, url
            assert response.headers["content-type"] == CONTENT_TYPES[ext], url
            if ext == "json":
                rows = [[_text(r[f.name]) for f in ds.fields] for r in response.json()["data"]]
                assert rows == reference[1:], url
                continue
            assert file_rows(response.content, ext) == reference, url
    assert [r[5] for r in xlsx_rows(client.get("/open-data/realisations.xlsx").content)] == [
        "montant_euros",
        "500",
    ]
    assert zipfile.ZipFile(io.BytesIO(client.get("/open-data/quartiers.ods").content)).read("mimetype") == (
        b"application/vnd.oasis.opendocument.spreadsheet"
    )
    index = client.get("/open-data").text
    for ext in FORMATS:
        assert f'href="/open-data/propositions.{ext}"' in index


def test_former_spreadsheet_addresses_lead_to_the_open_files(client: TestClient, session: Session) -> None:
    full_dataset(session)
    response = client.get("/resultats/exports/resultats.ods", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/open-data/resultats.ods"
    assert client.get("/resultats/exports/resultats.ods", follow_redirects=True).status_code == 200
    assert client.get("/resultats/exports/resultats.csv").status_code == 404
    assert client.get("/resultats/exports/nothing.xlsx").status_code == 404
    assert client.get("/open-data/resultats.pdf").status_code == 404


def test_spreadsheets_keep_text_as_text(client: TestClient, session: Session) -> None:
    """A title a resident wrote that looks like a formula must not run in a spreadsheet."""
    full_dataset(session)
    proposal = session.exec(select(Proposal).where(Proposal.hidden_at == None)).first()  # noqa: E711
    assert proposal is not None
    proposal.title = '=HYPERLINK("http://example.org";"clic")'
    session.add(proposal)
    session.flush()
    workbook = load_workbook(io.BytesIO(client.get("/open-data/propositions.xlsx").content))
    cells = [c for row in workbook.active.iter_rows() for c in row if c.value == proposal.title]
    assert cells and all(c.data_type == "s" for c in cells)
    assert proposal.title in file_text(client.get("/open-data/propositions.ods").content, "propositions.ods")


def test_pdf_reports(client: TestClient, session: Session) -> None:
    full_dataset(session)
    slug = session.exec(select(Edition.slug)).first()
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


def test_pdf_reports_in_arabic_are_shaped_and_right_to_left(client: TestClient, session: Session) -> None:
    """The PDFs speak the reader's language: in Arabic the letters are joined (HarfBuzz) and each
    paragraph runs right to left, tables read from the right; the document says its language."""
    from backend.i18n import using
    from backend.results.pdf import Document

    full_dataset(session)
    slug = session.exec(select(Edition.slug)).first()
    client.cookies.set("lang", "ar")
    arabic = client.get(f"/open-data/budget/{slug}/rapport.pdf")
    client.cookies.set("lang", "fr")
    french = client.get(f"/open-data/budget/{slug}/rapport.pdf")
    assert arabic.content.startswith(b"%PDF") and b"/Lang (ar)" in arabic.content
    assert b"/Lang (fr)" in french.content and arabic.content != french.content
    with using("ar"):
        doc = Document("النتائج", "تقرير")
    assert doc.text_shaping and doc.text_shaping["use_shaping_engine"]
    assert doc.text_shaping["paragraph_direction"].value == "RTL" and doc.align == "R"
    assert doc.in_reading_order(("label", "value")) == ("value", "label")
    with using("fr"):
        doc = Document("Résultats", "rapport")
    assert doc.text_shaping is None and doc.in_reading_order(("label", "value")) == ("label", "value")
