"""Committee rules (quorum, majority, who votes) and money parsing, pure."""

from __future__ import annotations

import pytest

from backend.errors import Invalid
from backend.formatting import format_money
from backend.forms import euros_input, parse_euros_to_cents
from backend.fph.money import share
from backend.fph.votes import may_vote, outcome_refusal, tally


def test_quorum_counts_every_vote_including_abstentions() -> None:
    assert tally(["pour", "abstention", "abstention"], quorum=3).has_quorum
    assert not tally(["pour", "pour"], quorum=3).has_quorum


def test_without_quorum_only_postponing_is_possible() -> None:
    t = tally(["pour", "pour"], quorum=3)
    assert outcome_refusal("granted", t) == (
        "Le quorum n'est pas atteint : 2 membre(s) ont voté, il en faut au moins 3. "
        "Vous pouvez seulement reporter la demande."
    )
    assert outcome_refusal("refused", t) is not None
    assert outcome_refusal("postponed", t) is None


def test_majority_of_expressed_votes_decides_and_a_tie_is_not_a_grant() -> None:
    adopted = tally(["pour", "pour", "contre", "abstention"], quorum=3)
    assert outcome_refusal("granted", adopted) is None
    assert "ne peut pas être refusée" in str(outcome_refusal("refused", adopted))
    tie = tally(["pour", "contre", "abstention"], quorum=3)
    assert "ne peut pas être accordée" in str(outcome_refusal("granted", tie))
    assert outcome_refusal("refused", tie) is None


def test_who_may_vote() -> None:
    assert may_vote(is_voting_member=True, has_committee_role=True, conflicted=False) is None
    assert "Les membres institutionnels ne votent pas" in str(
        may_vote(is_voting_member=False, has_committee_role=True, conflicted=False)
    )
    assert "pas partie du comité de ce quartier" in str(
        may_vote(is_voting_member=True, has_committee_role=False, conflicted=False)
    )
    assert may_vote(is_voting_member=True, has_committee_role=True, conflicted=True) == (
        "Vous êtes lié·e à ce dossier : vous ne votez pas sur cette demande."
    )


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("450", 45_000),
        ("1 500", 150_000),
        ("1\u202f500 €", 150_000),
        ("1.500", 150_000),
        ("12,5", 1_250),
        ("0,99", 99),
    ],
)
def test_parse_french_amounts(typed: str, cents: int) -> None:
    assert parse_euros_to_cents(typed, field="amount") == cents


@pytest.mark.parametrize("typed", ["", "abc", "12,345", "-5", "0"])
def test_bad_amounts_get_a_french_message(typed: str) -> None:
    with pytest.raises(Invalid) as exc:
        parse_euros_to_cents(typed, field="amount")
    assert exc.value.field == "amount" and exc.value.message


def test_formatting_and_share_never_round_up() -> None:
    assert format_money(150_000) == "1\u202f500\u202f€"
    assert format_money(1_250) == "12,50\u202f€"
    assert euros_input(1_250) == "12,50" and euros_input(150_000) == "1500"
    assert share(99_999, 90) == 89_999  # 899,991 € rounded down
