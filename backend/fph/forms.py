"""Reading the FPH forms: typed text in, parsed values out, or an Invalid naming the field.
The raw values are always kept so that a form shown again loses nothing typed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from starlette.datastructures import FormData, UploadFile

from backend.errors import DomainError, FormCheck, Invalid
from backend.formatting import PARIS
from backend.forms import euros_input, parse_date, parse_euros_to_cents, parse_time
from backend.forms import form_errors as shared_form_errors
from backend.fph.models import HolderKind, LineKind
from backend.fph.service.applications import MAX_LINES, MAX_PEOPLE, ApplicationInput, PersonInput
from backend.i18n import gettext as _
from backend.views_common import DecisionReasonForm, FormFields

EXPENSE_ROWS_MIN = 3
RESOURCE_ROWS_MIN = 1
T = TypeVar("T")


def form_errors(error: DomainError | None, checks: Sequence[Any] = ()) -> dict[str, Any]:
    """`backend.forms.form_errors`, with the failed blocking eligibility checks next to their field."""
    return shared_form_errors(error, [c for c in checks if not c.ok and c.blocking and c.field])


def raw(form: FormData) -> dict[str, str]:
    """Every text field as typed (files left out)."""
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def parse_when(day: str, hour: str) -> datetime:
    """A meeting's start from its date and hour fields (18:00 when the hour is left empty)."""
    return datetime.combine(
        parse_date(day, "starts_on", required=True), parse_time(hour or "18:00", "starts_time"), tzinfo=PARIS
    )


def _line_rows(kind: str, form: dict[str, str]) -> list[int]:
    prefix = f"{kind}_label_"
    return sorted(int(k[len(prefix) :]) for k in form if k.startswith(prefix) and k[len(prefix) :].isdigit())


def parse_application(form: dict[str, str], *, on_behalf: bool) -> ApplicationInput:
    """The application form → ApplicationInput. A draft may leave most things empty."""
    holder = form.get("holder_kind", HolderKind.group)
    check = FormCheck()  # every problem of the form at once
    lines: list[tuple[str, str, int]] = []
    for kind in (LineKind.expense, LineKind.resource):
        for i in _line_rows(kind, form)[:MAX_LINES]:
            label = form.get(f"{kind}_label_{i}", "").strip()
            amount = form.get(f"{kind}_amount_{i}", "").strip()
            if not label and not amount:
                continue
            if not label:
                check.errors.append(
                    Invalid(_("Écrivez à quoi correspond ce montant."), field=f"{kind}_label_{i}")
                )
            if not amount:
                check.errors.append(
                    Invalid(_("Indiquez le montant de cette ligne."), field=f"{kind}_amount_{i}")
                )
                continue
            cents = check(partial(parse_euros_to_cents, amount, field=f"{kind}_amount_{i}"))
            if label and cents is not None:
                lines.append((kind, label, cents))
    amount_text = form.get("amount", "").strip()
    action_date = check(lambda: parse_date(form.get("action_date", ""), "action_date"))
    action_end_date = check(lambda: parse_date(form.get("action_end_date", ""), "action_end_date"))
    amount_cents = check(lambda: parse_euros_to_cents(amount_text, field="amount") if amount_text else 0)
    check.done()
    people = [
        PersonInput(
            identifier=form.get(f"person_{i}_identifier", ""),
            name=form.get(f"person_{i}_name", "") if on_behalf else "",
        )
        for i in range(MAX_PEOPLE)
    ]
    return ApplicationInput(
        holder_kind=holder,
        association_name=form.get("association_name", ""),
        association_rna=form.get("association_rna", ""),
        title=form.get("title", ""),
        description=form.get("description", ""),
        audience=form.get("audience", ""),
        place=form.get("place", ""),
        action_date=action_date,
        action_end_date=action_end_date,
        amount_cents=amount_cents or 0,
        lines=lines,
        people=people,
    )


def application_values(application: Any, lines: list[Any], people: list[tuple[str, str]]) -> dict[str, str]:
    """A saved application as form values (the inverse of parse_application)."""
    values = {
        "holder_kind": application.holder_kind,
        "association_name": application.association_name,
        "association_rna": application.association_rna,
        "title": application.title,
        "description": application.description,
        "audience": application.audience,
        "place": application.place,
        "action_date": application.action_date.isoformat() if application.action_date else "",
        "action_end_date": application.action_end_date.isoformat() if application.action_end_date else "",
        "amount": euros_input(application.amount_asked_cents) if application.amount_asked_cents else "",
    }
    counters = {LineKind.expense: 0, LineKind.resource: 0}
    for line in lines:
        i = counters[line.kind]
        counters[line.kind] += 1
        values[f"{line.kind}_label_{i}"] = line.label
        values[f"{line.kind}_amount_{i}"] = euros_input(line.amount_cents)
    for i, (identifier, name) in enumerate(people[:MAX_PEOPLE]):
        values[f"person_{i}_identifier"] = identifier
        values[f"person_{i}_name"] = name
    return values


def line_rows(values: dict[str, str]) -> dict[str, list[int]]:
    """How many budget rows to show: the filled ones plus empty ones to add more (no JavaScript)."""
    rows: dict[str, list[int]] = {}
    for kind, minimum, spare in (
        (LineKind.expense, EXPENSE_ROWS_MIN, 2),
        (LineKind.resource, RESOURCE_ROWS_MIN, 1),
    ):
        filled = [
            i
            for i in _line_rows(kind, values)
            if values.get(f"{kind}_label_{i}") or values.get(f"{kind}_amount_{i}")
        ]
        count = min(MAX_LINES, max(minimum, (max(filled) + 1 if filled else 0) + spare))
        rows[kind] = list(range(count))
    return rows


def read_files(form: FormData, name: str) -> list[tuple[str, bytes]]:
    """(filename, bytes) of the files sent in a field; empty file inputs are skipped. Reads at
    most one byte over the limit so an oversized file is refused without loading it all.
    The form is already received (spooled to memory or disk): called from a route's thread."""
    from backend.fph.uploads import MAX_BYTES

    files = []
    for item in form.getlist(name):
        if isinstance(item, UploadFile) and (item.filename or item.size):
            data = item.file.read(MAX_BYTES + 1)
            if item.filename or data:
                files.append((item.filename or "fichier", data))
    return files


# --- the short forms of the fund's pages, each read in one piece (`Posted[...]`) ------------------


class PaymentForm(FormFields):
    amount: str = ""
    paid_on: str = ""
    reference: str = ""


class BilanReviewForm(DecisionReasonForm):
    """The bilan accepted or sent back (`accept`), and why."""


class MemberForm(FormFields):
    kind: str = ""
    identifier: str = ""
    label: str = ""


class ScheduleForm(FormFields):
    starts_on: str = ""
    starts_time: str = ""
    place: str = ""


class AgendaForm(FormFields):
    application_id: int = 0
    invited: str = ""


class VoteForm(FormFields):
    choice: str = ""
    member_id: int | None = None


class DecisionForm(FormFields):
    outcome: str = ""
    amount: str = ""
    reason: str = ""
