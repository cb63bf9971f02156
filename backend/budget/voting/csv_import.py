"""What the CSV imports of a voting point share (the register of émargements, :mod:`.paper`; the
dépouillement, :mod:`.depouillement_file`): reading a file typed in a spreadsheet, the checks made
before reading it, and the savepoint that keeps a whole file or nothing of it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, select

from backend.budget.voting.models import PaperBatch
from backend.i18n import gettext as _

MAX_BYTES = 2_000_000


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # Excel's French default


def read_table(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """The header (lower case) and the rows of a CSV typed in a spreadsheet (« ; » or « , »)."""
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


@contextmanager
def all_or_nothing(session: Session) -> Iterator[SessionTransaction]:
    """A savepoint for a whole file: kept at the end of the block unless the caller rolled it back
    (a check only, or a refused line), and rolled back on any exception."""
    outer = session.begin_nested()
    try:
        yield outer
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    if outer.is_active:
        outer.commit()


def file_problem(session: Session, edition_id: int, raw: bytes, digest: str) -> str | None:
    """Why an imported file is refused before reading it: too big, or already imported."""
    if len(raw) > MAX_BYTES:
        return _("Le fichier est trop gros (2 Mo au plus). Coupez-le en plusieurs fichiers.")
    if session.exec(
        select(PaperBatch.id).where(PaperBatch.edition_id == edition_id, PaperBatch.sha256 == digest)
    ).first():
        return _("Ce fichier a déjà été importé : ses bulletins sont déjà comptés.")
    return None
