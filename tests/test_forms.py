"""The one parser per kind of value (backend.forms): every accepted and refused writing."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from backend.errors import Invalid
from backend.formatting import PARIS
from backend.forms import (
    clean_text,
    euros_input,
    parse_date,
    parse_datetime,
    parse_euros_to_cents,
    parse_int,
    parse_number,
    parse_time,
    parse_whole_euros,
    parse_year,
)


def refused(call: object, *args: object, **kwargs: object) -> Invalid:
    with pytest.raises(Invalid) as exc:
        call(*args, **kwargs)  # type: ignore[operator]
    assert exc.value.message and exc.value.field == args[1]
    return exc.value


@pytest.mark.parametrize(
    ("typed", "value"), [("40", 40), (" 40 ", 40), ("1 000", 1000), ("1\u202f000", 1000)]
)
def test_int_reads_digits_and_french_thousands(typed: str, value: int) -> None:
    assert parse_int(typed, "n") == value


@pytest.mark.parametrize("typed", ["", "abc", "4.5", "4,5", "-3", "12a", "1" * 30])
def test_int_refuses_what_is_not_a_whole_number(typed: str) -> None:
    refused(parse_int, typed, "n")


def test_int_range_sign_and_messages() -> None:
    assert parse_int("-3", "n", min=None) == -3 and parse_int("-3", "n", min=-5) == -3
    assert "entre 1 et 10" in refused(parse_int, "11", "n", min=1, max=10).message
    assert (
        refused(parse_int, "x", "n", message="Le quorum est un nombre.").message == "Le quorum est un nombre."
    )
    assert (
        refused(parse_int, "", "n", missing="Indiquez le quorum.", message="m").message
        == "Indiquez le quorum."
    )
    assert parse_int("", "n", required=False) is None


def test_year_has_four_digits() -> None:
    assert parse_year("1985", "y") == 1985
    for typed in ("85", "19850", "195a", ""):
        refused(parse_year, typed, "y")


@pytest.mark.parametrize(
    "typed", ["2026-06-14", "14/06/2026", "14/6/2026", "14.06.2026", "14-06-2026", " 14/06/2026 "]
)
def test_date_in_iso_or_french(typed: str) -> None:
    assert parse_date(typed, "d") == date(2026, 6, 14)


@pytest.mark.parametrize(
    "typed", ["31/02/2026", "2026-13-01", "14/06/26", "06/14/2026x", "demain", "2026-6-14"]
)
def test_date_refused_with_an_example(typed: str) -> None:
    assert "14/06/2026" in refused(parse_date, typed, "d").message


def test_empty_date() -> None:
    assert parse_date("", "d") is None
    assert refused(parse_date, " ", "d", required=True).message == "Indiquez une date."


def test_time_and_datetime() -> None:
    assert parse_time("18h30", "t") == time(18, 30) and parse_time("9:05", "t") == time(9, 5)
    assert parse_time("18 h", "t") == time(18, 0)
    refused(parse_time, "24:00", "t")
    expected = datetime(2026, 3, 14, 9, 30, tzinfo=PARIS)
    assert parse_datetime("2026-03-14T09:30", "w") == expected
    assert parse_datetime("14/03/2026 à 9h30", "w") == expected
    assert parse_datetime("14/03/2026 09:30", "w") == expected
    assert parse_datetime("", "w") is None
    refused(parse_datetime, "14/03/2026", "w")
    refused(parse_datetime, "bientôt", "w")


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("450", 45_000),
        ("1500", 150_000),
        ("1 500", 150_000),
        ("1\u00a0500", 150_000),
        ("1\u202f500 €", 150_000),
        ("1 500€", 150_000),
        ("1.500", 150_000),  # a dot before exactly 3 digits groups thousands (the FPH rule, now everywhere)
        ("1.500.000", 150_000_000),
        ("1.500,50", 150_050),
        ("1 500,50", 150_050),
        ("1500.50", 150_050),
        ("12,5", 1_250),
        ("12.5", 1_250),
        ("0,99", 99),
    ],
)
def test_euros_french_writing(typed: str, cents: int) -> None:
    assert parse_euros_to_cents(typed, "amount") == cents


@pytest.mark.parametrize("typed", ["", "abc", "12,345", "1,500", "-5", "0", "1.50.0", "1.5000", "€"])
def test_euros_refused(typed: str) -> None:
    refused(parse_euros_to_cents, typed, "amount")


def test_euros_bounds_and_empty() -> None:
    assert parse_euros_to_cents("0", "amount", allow_zero=True) == 0
    assert parse_euros_to_cents("", "amount", required=False) is None
    message = refused(parse_euros_to_cents, "2 000", "amount", max_cents=100_000).message
    assert message == "Ce montant est trop élevé (1\u202f000\u202f€ au plus)."


def test_whole_euros_use_the_same_rule() -> None:
    assert parse_whole_euros("25 000", "cost") == 25_000
    assert parse_whole_euros("25 000,00 €", "cost") == 25_000
    assert parse_whole_euros("1.500", "cost") == 1_500  # refused before by budget.rules; the one rule wins
    assert parse_whole_euros("0", "cost") == 0
    assert parse_whole_euros("", "cost") is None
    assert "sans centimes" in refused(parse_whole_euros, "12,50", "cost").message
    assert "sans centimes" in refused(parse_whole_euros, "douze", "cost").message
    assert "25000" in refused(parse_whole_euros, "", "cost", required=True).message
    assert "au plus" in refused(parse_whole_euros, "11 000 000", "cost", max_euros=10_000_000).message


@pytest.mark.parametrize("cents", [0, 99, 1_250, 150_000, 150_050])
def test_euros_input_reads_back(cents: int) -> None:
    assert parse_euros_to_cents(euros_input(cents), "amount", allow_zero=True) == cents


def test_clean_text() -> None:
    assert clean_text("  Un   titre\n sur\tdeux lignes\x00 ", 100) == "Un titre sur deux lignes"
    assert clean_text("Ligne 1\n\nLigne\x07 2  ", 100, multiline=True) == "Ligne 1\n\nLigne 2"
    assert clean_text("abcdef", 3) == "abc" and clean_text(None, 3) == ""


def test_number_with_decimal_comma_and_unit() -> None:
    assert (
        parse_number("5", "p", message="m") == 5.0
        and parse_number("2,5 %", "p", unit="%", message="m") == 2.5
    )
    assert parse_number("1 000.5", "p", message="m") == 1000.5
    assert parse_number(" ", "p", message="m", required=False) is None
    for typed in ("nan", "inf", "1e5", "-2", "5%", ""):
        assert refused(parse_number, typed, "p", message="Écrivez un nombre.").message == "Écrivez un nombre."
