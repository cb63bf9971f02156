"""Open data: each dataset is declared once, in data/opendata.json (name, description, fields with
types), and produces plain rows; the same rows feed CSV, JSON, XLSX and ODS, and the declarations
feed the index page and the machine-readable data package (Frictionless Data Package / Table Schema).

Every format is open to everyone, without an account. Only public fields: no names, e-mails, phone numbers, addresses or account ids. Authors of
proposals and FPH holders are left out; an FPH grant is identified by its reference.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from backend.budget.models import Edition
from backend.results import opendata_rows as rows
from backend.results import queries

LICENCE = {
    "name": "etalab-2.0",
    "title": "Licence Ouverte / Open Licence version 2.0",
    "path": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}
FORMAT = "quartiers-participatifs/open-data-1"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # Table Schema types: string, integer, number, boolean, date, datetime
    description: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    description: str
    fields: tuple[FieldSpec, ...]
    rows: Callable[[Session], Iterator[dict[str, Any]]]

    def table_schema(self) -> dict[str, Any]:
        return {
            "fields": [{"name": f.name, "type": f.type, "description": f.description} for f in self.fields]
        }


def _declared(spec: dict[str, Any]) -> Dataset:
    fields = tuple(FieldSpec(*f) for f in spec["fields"])
    return Dataset(spec["name"], spec["title"], spec["description"], fields, getattr(rows, spec["rows"]))


# The declarations, in data/opendata.json: each dataset's name, title, description, fields
# (name, Table Schema type, description) and the function of `opendata_rows` that makes its rows.
DECLARATIONS = Path(__file__).parent / "data" / "opendata.json"
DATASETS: tuple[Dataset, ...] = tuple(
    _declared(d) for d in json.loads(DECLARATIONS.read_text(encoding="utf-8"))
)
BY_NAME = {d.name: d for d in DATASETS}


# --- writers --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def to_csv(dataset: Dataset, session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        writer.writerow([_cell(row.get(f.name)) for f in dataset.fields])
    return out.getvalue()


def to_json(dataset: Dataset, session: Session, base_url: str = "") -> str:
    body = {
        "format": FORMAT,
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "licence": LICENCE,
        "schema": dataset.table_schema(),
        "schema_url": f"{base_url}/open-data/datapackage.json",
        "data": list(dataset.rows(session)),
    }
    return json.dumps(body, ensure_ascii=False, indent=1, default=str)


def datapackage(base_url: str) -> dict[str, Any]:
    """A Frictionless Data Package describing every dataset and its CSV file."""
    return {
        "profile": "tabular-data-package",
        "name": "quartiers-participatifs",
        "title": "Quartiers Participatifs — données ouvertes",
        "licenses": [LICENCE],
        "resources": [
            {
                "name": d.name,
                "title": d.title,
                "description": d.description,
                "path": f"{base_url}/open-data/{d.name}.csv",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "profile": "tabular-data-resource",
                "schema": d.table_schema(),
            }
            for d in DATASETS
        ],
    }


def to_xlsx(dataset: Dataset, session: Session) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(dataset.name[:31])

    def text(value: str) -> WriteOnlyCell:
        # openpyxl makes a formula of any text starting with "="; a resident's title must stay text.
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell

    ws.append([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        values = (row.get(f.name) for f in dataset.fields)
        ws.append([text(v) if isinstance(v, str) else v for v in values])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_ods(dataset: Dataset, session: Session) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    table = Table(name=dataset.name[:31])

    def add(values: list[Any]) -> None:
        tr = TableRow()
        for value in values:
            if isinstance(value, bool) or value is None or not isinstance(value, int | float):
                cell = TableCell(valuetype="string")
                cell.addElement(P(text="" if value is None else str(_cell(value))))
            else:
                cell = TableCell(valuetype="float", value=value)
                cell.addElement(P(text=str(value)))
            tr.addElement(cell)
        table.addElement(tr)

    add([f.name for f in dataset.fields])
    for row in dataset.rows(session):
        add([row.get(f.name) for f in dataset.fields])
    doc.spreadsheet.addElement(table)
    out = io.BytesIO()
    doc.write(out)
    return out.getvalue()


def edition_of(session: Session, slug: str) -> Edition | None:
    return next((e for e in queries.public_editions(session) if e.slug == slug), None)
