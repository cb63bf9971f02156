"""One parser per kind of value typed in a form: integers, dates, times, euros, plain text.

Every parser takes the text as typed and the field's name, and returns the value or raises
`Invalid(message, field=...)` with a plain French message (translated by gettext). Foundation
module: it imports no domain, so every domain reads its forms the same way.

The rules, written once:
- integers: digits, spaces allowed between thousands (« 1 000 »); a minus sign only when the
  field's minimum is negative;
- dates: ISO « 2026-06-14 » (what `<input type="date">` sends) or French « 14/06/2026 »
  (« / », « . » or « - » between day, month and a 4-digit year);
- euros: French writing. Spaces (plain, no-break, narrow no-break) group thousands, « , » or « . »
  marks the cents (one or two digits), « € » may follow. A dot followed by exactly three digits
  (« 1.500 », « 1.500.000 », « 1.500,50 ») groups thousands, as on a French cheque; « 1,500 »
  (three decimals) is refused rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, Literal, TypedDict, Unpack, overload

from babel.numbers import NumberFormatError, parse_decimal

from backend.errors import DomainError, Invalid, Problems
from backend.formatting import PARIS, format_money
from backend.i18n import gettext as _

SPACES = re.compile(r"[\s\u00a0\u202f]")
MAX_CENTS = 100_000_000_00  # 100 M€: above any budget; keeps sums far from integer limits


# --- integers -------------------------------------------------------------------------------------


class _IntRules(TypedDict, total=False):
    """The options of `parse_int` besides `required` (the overloads below share them)."""

    min: int | None
    max: int | None
    message: str | None
    missing: str | None


@overload
def parse_int(
    text: str | None, field: str, *, required: Literal[True] = ..., **rules: Unpack[_IntRules]
) -> int: ...


@overload
def parse_int(text: str | None, field: str, *, required: bool, **rules: Unpack[_IntRules]) -> int | None: ...


def parse_int(
    text: str | None,
    field: str,
    *,
    min: int | None = 0,
    max: int | None = None,
    message: str | None = None,
    missing: str | None = None,
    required: bool = True,
) -> int | None:
    """A whole number typed by a person, within [min, max]. `message` replaces the default
    explanation (not a number, or out of range); `missing` is said when a required field is empty
    (`message` otherwise). An empty optional field gives None."""
    compact = SPACES.sub("", text or "")
    if not compact:
        if required:
            raise Invalid(missing or message or _("Indiquez un nombre."), field=field)
        return None
    signed = min is None or min < 0
    if not re.fullmatch(r"-?\d+" if signed else r"\d+", compact) or len(compact) > 18:
        raise Invalid(message or _("Écrivez un nombre entier, avec des chiffres seulement."), field=field)
    value = int(compact)
    if min is not None and value < min or max is not None and value > max:
        raise Invalid(message or _range_message(min, max), field=field)
    return value


def _range_message(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return _("Indiquez un nombre entre %(min)s et %(max)s.") % {"min": low, "max": high}
    if high is not None:
        return _("Indiquez un nombre de %(max)s au plus.") % {"max": high}
    return _("Indiquez un nombre de %(min)s au moins.") % {"min": low}


@overload
def parse_number(
    text: str | None, field: str, *, message: str, unit: str = ..., required: Literal[True] = ...
) -> float: ...


@overload
def parse_number(
    text: str | None, field: str, *, message: str, unit: str = ..., required: bool
) -> float | None: ...


def parse_number(
    text: str | None, field: str, *, message: str, unit: str = "", required: bool = True
) -> float | None:
    """A positive number with a decimal comma or dot (« 5 », « 2,5 », « 1 000,5 »), its `unit`
    (« % ») allowed after it; `message` explains the expected writing. Empty optional: None."""
    compact = SPACES.sub("", text or "")
    if unit:
        compact = compact.removesuffix(unit)
    if not compact:
        if required:
            raise Invalid(message, field=field)
        return None
    if not re.fullmatch(r"\d+([,.]\d+)?", compact) or len(compact) > 18:
        raise Invalid(message, field=field)
    return float(compact.replace(",", "."))


def parse_year(text: str | None, field: str, *, message: str | None = None) -> int:
    """A 4-digit year (« 1985 »); its range is the caller's rule."""
    compact = (text or "").strip()
    if not re.fullmatch(r"\d{4}", compact):
        raise Invalid(message or _("L'année s'écrit avec 4 chiffres, par exemple 1985."), field=field)
    return int(compact)


# --- dates and times ------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@overload
def parse_date(text: str | None, field: str, *, required: Literal[True]) -> date: ...


@overload
def parse_date(text: str | None, field: str, *, required: bool = ...) -> date | None: ...


def parse_date(text: str | None, field: str, *, required: bool = False) -> date | None:
    """A date as `<input type="date">` sends it (2026-06-14) or as written in France (14/06/2026).
    An empty optional field gives None."""
    value = (text or "").strip()
    if not value:
        if required:
            raise Invalid(_("Indiquez une date."), field=field)
        return None
    if match := _ISO_DATE.fullmatch(value):
        year, month, day = match.groups()
    elif match := _FRENCH_DATE.fullmatch(value):
        day, month, year = match.groups()
    else:
        raise Invalid(_date_message(), field=field)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31/02, month 13
        raise Invalid(_date_message(), field=field) from None


def _date_message() -> str:
    return _("Cette date n'est pas valide. Écrivez-la comme ceci : 14/06/2026.")


def parse_time(text: str | None, field: str) -> time:
    """An hour of the day: « 18:30 », « 18h30 », « 18 h », « 9:05 »."""
    match = re.fullmatch(r"(\d{1,2})\s*[:hH]\s*(\d{2})?", (text or "").strip())
    if not match or int(match[1]) > 23 or int(match[2] or 0) > 59:
        raise Invalid(_("Cette heure n'est pas valide. Écrivez-la comme ceci : 18:30."), field=field)
    return time(int(match[1]), int(match[2] or 0))


def parse_datetime(text: str | None, field: str) -> datetime | None:
    """A moment, read as Paris time: what `<input type="datetime-local">` sends (2026-06-14T18:30)
    or a date and an hour as above (« 14/06/2026 à 18h30 »). An empty field gives None."""
    value = (text or "").strip()
    if not value:
        return None
    message = _("Indiquez la date et l'heure, par exemple 14/06/2026 à 18:30.")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        match = re.fullmatch(r"(\S+)\s+(?:à\s+)?(\d.*)", value)
        if not match:
            raise Invalid(message, field=field) from None
        try:
            parsed = datetime.combine(parse_date(match[1], field, required=True), parse_time(match[2], field))
        except Invalid:
            raise Invalid(message, field=field) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=PARIS)


# --- euros ----------------------------------------------------------------------------------------


@overload
def parse_euros_to_cents(
    text: str | None,
    field: str,
    *,
    required: Literal[True] = ...,
    allow_zero: bool = ...,
    max_cents: int = ...,
) -> int: ...


@overload
def parse_euros_to_cents(
    text: str | None, field: str, *, required: bool, allow_zero: bool = ..., max_cents: int = ...
) -> int | None: ...


def parse_euros_to_cents(
    text: str | None,
    field: str,
    *,
    required: bool = True,
    allow_zero: bool = False,
    max_cents: int = MAX_CENTS,
) -> int | None:
    """An amount typed in euros (« 1 500 », « 1500,50 », « 1.500 € ») as integer cents. The rule is
    in this module's docstring. An empty optional field gives None."""
    return _read_amount(
        text, field, required=required, allow_zero=allow_zero, max_cents=max_cents, whole=False
    )


@overload
def parse_whole_euros(
    text: str | None, field: str, *, required: Literal[True], max_euros: int = ...
) -> int: ...


@overload
def parse_whole_euros(
    text: str | None, field: str, *, required: bool = ..., max_euros: int = ...
) -> int | None: ...


def parse_whole_euros(
    text: str | None, field: str, *, required: bool = False, max_euros: int = MAX_CENTS // 100
) -> int | None:
    """An amount in whole euros (budget costs are counted in euros), read by the same rule as
    `parse_euros_to_cents`: « 25 000,00 » is 25000, « 12,50 » is refused. Zero is allowed."""
    cents = _read_amount(
        text, field, required=required, allow_zero=True, max_cents=max_euros * 100, whole=True
    )
    return None if cents is None else cents // 100


def _read_amount(
    text: str | None, field: str, *, required: bool, allow_zero: bool, max_cents: int, whole: bool
) -> int | None:
    raw = SPACES.sub("", text or "").removesuffix("€")
    if not raw:
        if required:
            example = "25000" if whole else "450"
            raise Invalid(
                _("Indiquez un montant en euros, par exemple %(example)s.") % {"example": example},
                field=field,
            )
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?", raw):  # « 1.500 », « 1.500,50 »: dots group thousands
        raw = raw.replace(".", "")
    if not re.fullmatch(r"\d+([,.]\d{1,2})?", raw):
        raise Invalid(_format_message(whole), field=field)
    try:  # the pattern checked the digits; Babel reads the French decimal comma
        cents = int(parse_decimal(raw.replace(".", ","), locale="fr", strict=True) * 100)
    except NumberFormatError:  # pragma: no cover - the pattern already filters
        raise Invalid(_format_message(whole), field=field) from None
    if whole and cents % 100:
        raise Invalid(_("Écrivez le montant en euros, sans centimes, par exemple 25000."), field=field)
    if cents > max_cents:
        raise Invalid(
            _("Ce montant est trop élevé (%(max)s au plus).") % {"max": format_money(max_cents)}, field=field
        )
    if cents == 0 and not allow_zero:
        raise Invalid(_("Le montant doit être plus grand que 0 €."), field=field)
    return cents


def _format_message(whole: bool) -> str:
    if whole:
        return _("Écrivez le montant en chiffres, sans centimes, par exemple 25000.")
    return _("Écrivez le montant avec des chiffres seulement, par exemple 450 ou 450,50.")


def euros_input(cents: int | None) -> str:
    """Cents as a value to put back in a form field: « 1500 » or « 12,50 » (read back by
    `parse_euros_to_cents`)."""
    if cents is None:
        return ""
    whole, rest = divmod(cents, 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


# --- text -----------------------------------------------------------------------------------------


def clean_text(text: str | None, max_length: int, *, multiline: bool = False) -> str:
    """Text as stored: control characters dropped, trimmed, cut at `max_length`. A single-line
    value also has its runs of spaces and line breaks made one space; a multi-line one keeps its
    line breaks."""
    value = text or ""
    if multiline:
        value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
        return value.strip()[:max_length]
    value = "".join(ch for ch in value if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(value.split())[:max_length]


# --- showing a refused form -----------------------------------------------------------------------


def form_errors(error: DomainError | None, more: Iterable[Any] = ()) -> dict[str, Any]:
    """What a form template needs to show every problem: `error_list` for the summary at the top,
    `errors` (by field) for the message next to each field; `more` are other problems with a
    `field` (failed eligibility checks), shown next to their field after the form's own."""
    found = Problems.of(error) if error is not None else []
    errors: dict[str, Any] = {}
    for problem in [*found, *more]:
        errors.setdefault(problem.field or "", problem)
    return {"error": error, "errors": errors, "error_list": found}
