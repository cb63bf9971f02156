"""Dates, numbers and money as people read them, in the request's language (Babel).

Foundation module with no web import: services, pure rules, e-mails, PDFs and templates (through
the Jinja filters of `backend.rendering`) all format values here.

French typography: every space inside a number, before « € » and before « % » is a narrow no-break
space (U+202F), as the platform always wrote them. CLDR puts a no-break space (U+00A0) before the
currency and percent signs; `_narrow` turns it into U+202F, the one place where this is decided.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_decimal, parse_pattern

from backend.i18n import get_locale

PARIS = ZoneInfo("Europe/Paris")
# Latin digits in every language, Arabic included: Marseille's Arabic readers are mostly Maghrebi,
# and the Maghreb writes « 1 500 » with Latin (« Western Arabic ») digits, not ١٥٠٠. Explicit,
# so that a CLDR default turning to Arabic-Indic digits for `ar` changes nothing here.
NUMBERING = "latn"
NNBSP = "\u202f"  # French thousands separator, and the space before « € » and « % »
EMPTY = "—"


def _narrow(text: str) -> str:
    return text.replace("\u00a0", NNBSP)


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def format_number(value: int | float | None, digits: int = 0) -> str:
    """A count, rounded to a whole number: « 12 345 »; or a measure with `digits` decimals: « 2,35 »."""
    if value is None:
        return EMPTY
    if not digits:
        return _narrow(format_decimal(round(value), locale=get_locale(), numbering_system=NUMBERING))
    return _narrow(
        format_decimal(
            Decimal(str(value)),
            format="#,##0." + "0" * digits,
            locale=get_locale(),
            numbering_system=NUMBERING,
        )
    )


@lru_cache(maxsize=16)
def _money_patterns(code: str) -> tuple[str, str]:
    """The locale's currency pattern without and with cents (fr: « #,##0 ¤ », « #,##0.00 ¤ »)."""
    with_cents = _locale(code).currency_formats["standard"].pattern.split(";")[0]
    return with_cents.replace(".00", ""), with_cents


def format_euros(value: int | float | Decimal | None) -> str:
    """An amount in euros: « 1 500 € » when whole, « 12,50 € » otherwise."""
    if value is None:
        return EMPTY
    # Decimal(float) is the float's exact value, rounded as Python's own formatting would.
    amount = value if isinstance(value, Decimal) else Decimal(value)
    whole, with_cents = _money_patterns(get_locale())
    pattern = whole if amount == amount.to_integral_value() else with_cents
    return _narrow(
        format_decimal(
            amount,
            format=pattern.replace("¤", "€"),
            locale=get_locale(),
            decimal_quantization=True,
            numbering_system=NUMBERING,
        )
    )


def format_money(cents: int | None) -> str:
    """An amount kept in cents: 150000 → « 1 500 € », 1250 → « 12,50 € »."""
    if cents is None:
        return EMPTY
    return format_euros(Decimal(cents).scaleb(-2))


@lru_cache(maxsize=16)
def _percent_affixes(code: str) -> tuple[str, str]:
    pattern = parse_pattern(_locale(code).percent_formats[None].pattern)
    return pattern.prefix[0], pattern.suffix[0]


def format_percent(value: float | None, digits: int = 1) -> str:
    """A share (0.123) as a percentage: « 12,3 % »."""
    if value is None:
        return EMPTY
    prefix, suffix = _percent_affixes(get_locale())
    number = format_decimal(
        Decimal(value * 100),
        format="0." + "0" * digits if digits else "0",
        locale=get_locale(),
        numbering_system=NUMBERING,
    )
    return _narrow(f"{prefix}{number}{suffix}")


def to_paris(value: datetime) -> datetime:
    """A stored time (UTC; SQLite hands it back without a zone) in Paris time."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(PARIS)


def format_date(value: date | datetime | str | None) -> str:
    """A long date, in Paris time for a moment: « 3 mars 2026 »."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        value = to_paris(value).date()
    return babel_date(value, format="long", locale=get_locale())


def format_datetime(value: datetime | str | None) -> str:
    """A moment in Paris time: « 3 mars 2026 à 14 h 05 »."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = to_paris(value)
    code = get_locale()
    if _locale(code).language == "fr":
        return babel_datetime(local, format="d MMMM y 'à' H 'h' mm", locale=code)
    return f"{babel_date(local, format='long', locale=code)} {babel_datetime(local, format='HH:mm', locale=code)}"


def format_month(year: int, month: int) -> str:
    """A month of a year: « mars 2026 »."""
    code = get_locale()
    if _locale(code).language == "fr":
        return babel_date(date(year, month, 1), format="MMMM y", locale=code)
    return babel_date(date(year, month, 1), format="LLLL y", locale=code)
