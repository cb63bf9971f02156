"""The text layer of pabulib ``.pb`` files: the three sections and their rows, the META pairs,
numbers, and the error naming the line at fault (:mod:`backend.counting.pabulib` builds on it)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation

SECTIONS = ("meta", "projects", "votes")


class PbFormatError(ValueError):
    """A ``.pb`` file that cannot be counted, with the line at fault when there is one."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def number(text: str, what: str, line: int | None) -> Decimal:
    cleaned = text.strip()
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # decimal comma, as pabutools tolerates
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise PbFormatError(f"{what} must be a number, got {text!r}", line) from None
    if not value.is_finite():
        raise PbFormatError(f"{what} must be a finite number, got {text!r}", line)
    return value


def split_ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def header_columns(row: list[str], section: str, required: Sequence[str], line: int) -> list[str]:
    names = [name.strip() for name in row]
    for name in required:
        if name not in names:
            raise PbFormatError(f"{section.upper()} header lacks the {name!r} column", line)
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PbFormatError(f"{section.upper()} header repeats {', '.join(duplicates)}", line)
    return names


def section_rows(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    """Rows of each section (header first), with their line numbers; checks the section order."""
    rows: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=";")
    line = 1
    try:
        for row in reader:
            if any("\n" in f or "\r" in f for f in row):
                raise PbFormatError("a quoted field runs over several lines (unbalanced double quote?)", line)
            if row and not (len(row) == 1 and not row[0].strip()):
                title = row[0].strip().lower() if len(row) == 1 else ""
                if title in SECTIONS:
                    expected = SECTIONS[len(rows)] if len(rows) < len(SECTIONS) else None
                    if title != expected:
                        raise PbFormatError(f"section {title.upper()} is repeated or out of order", line)
                    current = title
                    rows[title] = []
                elif current is None:
                    raise PbFormatError("the file must start with a META section", line)
                else:
                    rows[current].append((line, row))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise PbFormatError(f"unreadable CSV: {exc}", line) from None
    for name in SECTIONS:
        if name not in rows:
            raise PbFormatError(f"the {name.upper()} section is missing")
        if not rows[name]:
            raise PbFormatError(f"the {name.upper()} section has no header line")
    return rows


def parse_meta(rows: list[tuple[int, list[str]]]) -> dict[str, str]:
    line, header = rows[0]
    if [h.strip().lower() for h in header] != ["key", "value"]:
        raise PbFormatError("the META header must be 'key;value'", line)
    meta: dict[str, str] = {}
    for line, row in rows[1:]:
        if len(row) != 2:
            raise PbFormatError(f"a META line needs 2 fields (key;value), found {len(row)}", line)
        key = row[0].strip()
        if key in meta:
            raise PbFormatError(f"META key {key!r} is given twice", line)
        meta[key] = row[1].strip()
    for key in ("budget", "vote_type"):
        if not meta.get(key):
            raise PbFormatError(f"META lacks {key!r}")
    return meta


def check_count(meta: Mapping[str, str], key: str, found: int, section: str) -> None:
    if key in meta and meta[key].strip() != str(found):
        raise PbFormatError(f"META {key} is {meta[key]} but the {section} section has {found} rows")
