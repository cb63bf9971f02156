"""Ballot validation for our own editions: every rule, valid and invalid, with the French messages."""

from __future__ import annotations

from decimal import Decimal

from backend.counting.ballots import (
    NBSP,
    NNBSP,
    ApprovalRule,
    BallotProblem,
    BallotProject,
    KnapsackRule,
    MajorityJudgmentRule,
    format_amount,
    validate_approval,
    validate_knapsack,
    validate_majority_judgment,
)

PROJECTS = [
    BallotProject("1", "Jardin partagé", Decimal(400)),
    BallotProject("2", "City stade", Decimal(600)),
    BallotProject("3", "Fresque", Decimal(250)),
    BallotProject("4", "Bancs", Decimal(150)),
    BallotProject("5", "Boîte à livres", Decimal(50)),
    BallotProject("6", "Éclairage", Decimal(300)),
]
MARSEILLE_2023 = ApprovalRule(min_projects=2, max_projects=5)


def _codes(problems: list[BallotProblem]) -> list[str]:
    return [p.code for p in problems]


def test_approval_within_limits_is_valid() -> None:
    assert validate_approval(["1", "2"], PROJECTS, MARSEILLE_2023) == []
    assert validate_approval(["1", "2", "3", "4", "5"], PROJECTS, MARSEILLE_2023) == []


def test_approval_too_many() -> None:
    problems = validate_approval(["1", "2", "3", "4", "5", "6"], PROJECTS, MARSEILLE_2023)
    assert problems == [BallotProblem("too_many", "Vous avez choisi 6 projets : le maximum est 5.")]


def test_approval_too_few_and_empty() -> None:
    assert validate_approval(["3"], PROJECTS, MARSEILLE_2023) == [
        BallotProblem("too_few", "Vous avez choisi 1 projet : le minimum est 2.")
    ]
    assert _codes(validate_approval([], PROJECTS, MARSEILLE_2023)) == ["empty"]
    assert validate_approval([], PROJECTS, ApprovalRule(min_projects=0)) == []


def test_approval_unknown_and_repeated_projects() -> None:
    problems = validate_approval(["1", "1", "9"], PROJECTS, MARSEILLE_2023)
    assert problems == [
        BallotProblem("unknown_project", "Le projet « 9 » ne fait pas partie de ce vote."),
        BallotProblem("duplicate_project", "Vous avez choisi deux fois le projet « Jardin partagé »."),
    ]


def test_knapsack_within_the_envelope_is_valid() -> None:
    rule = KnapsackRule(envelope=Decimal(1250))
    assert validate_knapsack(["1", "2", "3"], PROJECTS, rule) == []  # exactly 1 250 €


def test_knapsack_over_the_envelope() -> None:
    rule = KnapsackRule(envelope=Decimal(1250))
    problems = validate_knapsack(["1", "2", "3", "5"], PROJECTS, rule)
    assert problems == [
        BallotProblem(
            "over_envelope",
            f"Votre choix coûte 1{NNBSP}300{NBSP}€ : il dépasse l'enveloppe de 1{NNBSP}250{NBSP}€. "
            "Retirez un ou plusieurs projets.",
        )
    ]


def test_knapsack_needs_a_choice_and_known_projects() -> None:
    rule = KnapsackRule(envelope=Decimal(1250))
    assert _codes(validate_knapsack([], PROJECTS, rule)) == ["empty"]
    assert _codes(validate_knapsack(["7"], PROJECTS, rule)) == ["unknown_project"]


def test_amounts_in_french() -> None:
    assert format_amount(Decimal(1250)) == f"1{NNBSP}250{NBSP}€"
    assert format_amount(Decimal("1500000.5")) == f"1{NNBSP}500{NNBSP}000,50{NBSP}€"
    assert format_amount(Decimal(80)) == f"80{NBSP}€"


def test_majority_judgment_all_graded_is_valid() -> None:
    grades = {p.id: i % 4 for i, p in enumerate(PROJECTS)}
    assert validate_majority_judgment(grades, PROJECTS, MajorityJudgmentRule()) == []


def test_majority_judgment_missing_grades() -> None:
    grades = {p.id: 2 for p in PROJECTS[:-1]}
    assert validate_majority_judgment(grades, PROJECTS, MajorityJudgmentRule()) == [
        BallotProblem("missing_grade", "Donnez une appréciation au projet « Éclairage ».")
    ]
    two_missing = validate_majority_judgment({"1": 0}, PROJECTS[:3], MajorityJudgmentRule())
    assert two_missing == [
        BallotProblem(
            "missing_grade",
            "Donnez une appréciation à chaque projet : il en manque 2 (« City stade », « Fresque »).",
        )
    ]
    assert validate_majority_judgment({"1": 0}, PROJECTS, MajorityJudgmentRule(require_all=False)) == []


def test_majority_judgment_invalid_grade_and_unknown_project() -> None:
    grades = {p.id: 1 for p in PROJECTS} | {"2": 4, "x": 1}
    problems = validate_majority_judgment(grades, PROJECTS, MajorityJudgmentRule())
    assert problems == [
        BallotProblem("unknown_project", "Le projet « x » ne fait pas partie de ce vote."),
        BallotProblem(
            "invalid_grade",
            "L'appréciation donnée au projet « City stade » n'existe pas : choisissez parmi "
            "« Insuffisant », « Passable », « Bien », « Très bien ».",
        ),
    ]


def test_majority_judgment_with_configured_grades() -> None:
    rule = MajorityJudgmentRule(grades=("Non", "Oui"))
    assert validate_majority_judgment({"5": 1}, PROJECTS[4:5], rule) == []
    assert _codes(validate_majority_judgment({"5": 2}, PROJECTS[4:5], rule)) == ["invalid_grade"]
    assert _codes(validate_majority_judgment({"5": True}, PROJECTS[4:5], rule)) == ["invalid_grade"]
