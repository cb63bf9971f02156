"""Dates, numbers and money as people read them (backend.formatting, on Babel)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from backend import i18n
from backend.formatting import (
    format_date,
    format_datetime,
    format_euros,
    format_money,
    format_month,
    format_number,
    format_percent,
)

N = "\u202f"  # every space of a French number, and before « € » and « % »


def test_numbers_and_money_in_french() -> None:
    assert format_number(12_345) == f"12{N}345" and format_number(2.6) == "3" and format_number(None) == "—"
    assert format_euros(1500) == f"1{N}500{N}€" and format_euros(1500.0) == f"1{N}500{N}€"
    assert format_euros(12.5) == f"12,50{N}€" and format_euros(Decimal("0.99")) == f"0,99{N}€"
    assert format_money(150_000) == f"1{N}500{N}€" and format_money(1_250) == f"12,50{N}€"
    assert format_money(-150_000) == f"-1{N}500{N}€" and format_money(None) == "—"
    assert format_percent(0.123) == f"12,3{N}%" and format_percent(0.5, 0) == f"50{N}%"


def test_dates_in_paris_time() -> None:
    assert format_date(date(2026, 6, 14)) == "14 juin 2026" and format_date(date(2026, 6, 1)) == "1 juin 2026"
    assert format_date(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "23 novembre 2026"  # 00:30 in Paris
    assert format_date("2026-11-22T23:30:00.000000Z") == "23 novembre 2026"
    assert format_datetime(datetime(2026, 7, 14, 10, 5, tzinfo=UTC)) == "14 juillet 2026 à 12 h 05"
    assert format_datetime(datetime(2026, 1, 3, 10, 5)) == "3 janvier 2026 à 11 h 05"  # naive = UTC
    assert format_month(2026, 8) == "août 2026"


@pytest.fixture
def english() -> Iterator[None]:
    i18n.set_locale("en")
    yield
    i18n.set_locale("fr")


@pytest.mark.usefixtures("english")
def test_other_languages_follow_the_request_locale() -> None:
    assert format_euros(1500) == "€1,500" and format_money(1_250) == "€12.50"
    assert format_date(date(2026, 6, 14)) == "June 14, 2026" and format_percent(0.123) == "12.3%"
    assert format_number(12_345) == "12,345" and format_money(-150_000) == "-€1,500"
    assert format_datetime(datetime(2026, 7, 14, 10, 5, tzinfo=UTC)) == "July 14, 2026 12:05"
    assert format_month(2026, 8) == "August 2026"


def test_arabic_keeps_latin_digits() -> None:
    """Arabic words, Latin digits (as the Maghreb writes them), the amount read right to left."""
    with i18n.using("ar"):
        assert format_number(12_345) == "12,345" and format_percent(0.123) == "12.3%"
        assert format_euros(1500) == f"\u200f1,500{N}€" and format_money(1_250) == f"\u200f12.50{N}€"
        assert format_date(date(2026, 6, 14)) == "14 يونيو 2026"
        assert format_month(2026, 8) == "أغسطس 2026"
        assert not any("\u0660" <= c <= "\u0669" for c in format_datetime(datetime(2026, 7, 14, 10, 5)))
    assert format_euros(1500) == f"1{N}500{N}€"  # back to the request's language


def test_measures_with_decimals_per_locale() -> None:
    assert format_number(1234.5, 2) == f"1{N}234,50" and format_number(0.45, 2) == "0,45"
    with i18n.using("en"):
        assert format_number(1234.5, 2) == "1,234.50"
    with i18n.using("ar"):
        assert format_number(1234.5, 2) == "1,234.50"
