"""Ballot validation for our own editions, as pure functions (the voting screens call them).

Each validator returns the list of problems found, empty when the ballot is valid. A problem has
a stable ``code`` for the screens and tests and a ``message`` in plain French for the resident,
e.g. « Vous avez choisi 6 projets : le maximum est 5. »
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

NBSP = "\u00a0"  # before the currency sign
NNBSP = "\u202f"  # thousands separator (French typography, as CLDR)

DEFAULT_GRADES = ("Insuffisant", "Passable", "Bien", "Très bien")


@dataclass(frozen=True, slots=True)
class BallotProject:
    """A project as shown on the ballot: identifier, public title and cost."""

    id: str
    title: str
    cost: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class BallotProblem:
    """One reason a ballot is refused."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    """Approval ballot: choose between ``min_projects`` and ``max_projects`` projects."""

    min_projects: int = 1
    max_projects: int | None = None


@dataclass(frozen=True, slots=True)
class KnapsackRule:
    """Knapsack ballot: choose projects whose total cost stays within the envelope."""

    envelope: Decimal
    min_projects: int = 1
    currency: str = "€"


@dataclass(frozen=True, slots=True)
class MajorityJudgmentRule:
    """Graded ballot: one grade per project, from ``grades[0]`` (worst) to ``grades[-1]`` (best)."""

    grades: tuple[str, ...] = DEFAULT_GRADES
    require_all: bool = True


def format_amount(amount: Decimal, currency: str = "€") -> str:
    """French amount: « 1 250 € », « 1 250,50 € » (no-break spaces)."""
    quantized = amount.quantize(Decimal("0.01"))
    whole, cents = divmod(abs(quantized), 1)
    grouped = f"{int(whole):,}".replace(",", NNBSP)
    sign = "-" if quantized < 0 else ""
    decimals = f",{int(cents * 100):02d}" if cents else ""
    return f"{sign}{grouped}{decimals}{NBSP}{currency}"


def _projects(n: int) -> str:
    return f"{n} projet" if n == 1 else f"{n} projets"


def _choice_problems(choice: Sequence[str], projects: Sequence[BallotProject]) -> list[BallotProblem]:
    """Unknown and repeated projects, common to approval and knapsack ballots."""
    titles = {p.id: p.title for p in projects}
    problems = [
        BallotProblem("unknown_project", f"Le projet « {pid} » ne fait pas partie de ce vote.")
        for pid in dict.fromkeys(choice)
        if pid not in titles
    ]
    problems += [
        BallotProblem("duplicate_project", f"Vous avez choisi deux fois le projet « {titles[pid]} ».")
        for pid, n in Counter(choice).items()
        if n > 1 and pid in titles
    ]
    return problems


def _count_problems(count: int, minimum: int, maximum: int | None) -> list[BallotProblem]:
    if count == 0 and minimum > 0:
        return [BallotProblem("empty", "Vous n'avez choisi aucun projet.")]
    if count < minimum:
        message = f"Vous avez choisi {_projects(count)} : le minimum est {minimum}."
        return [BallotProblem("too_few", message)]
    if maximum is not None and count > maximum:
        message = f"Vous avez choisi {_projects(count)} : le maximum est {maximum}."
        return [BallotProblem("too_many", message)]
    return []


def validate_approval(
    choice: Sequence[str], projects: Sequence[BallotProject], rule: ApprovalRule
) -> list[BallotProblem]:
    """Problems of an approval ballot (``choice``: the ids of the chosen projects)."""
    problems = _choice_problems(choice, projects)
    return problems + _count_problems(len(set(choice)), rule.min_projects, rule.max_projects)


def validate_knapsack(
    choice: Sequence[str], projects: Sequence[BallotProject], rule: KnapsackRule
) -> list[BallotProblem]:
    """Problems of a knapsack ballot: the chosen projects must fit in the envelope together."""
    problems = _choice_problems(choice, projects)
    problems += _count_problems(len(set(choice)), rule.min_projects, None)
    costs = {p.id: p.cost for p in projects}
    total = sum((costs[pid] for pid in set(choice) if pid in costs), Decimal(0))
    if total > rule.envelope:
        message = (
            f"Votre choix coûte {format_amount(total, rule.currency)} : il dépasse l'enveloppe de "
            f"{format_amount(rule.envelope, rule.currency)}. Retirez un ou plusieurs projets."
        )
        problems.append(BallotProblem("over_envelope", message))
    return problems


def validate_majority_judgment(
    grades: Mapping[str, int], projects: Sequence[BallotProject], rule: MajorityJudgmentRule
) -> list[BallotProblem]:
    """Problems of a graded ballot (``grades``: project id → grade index, 0 = worst)."""
    titles = {p.id: p.title for p in projects}
    problems = [
        BallotProblem("unknown_project", f"Le projet « {pid} » ne fait pas partie de ce vote.")
        for pid in grades
        if pid not in titles
    ]
    top = len(rule.grades) - 1
    labels = ", ".join(f"« {g} »" for g in rule.grades)
    problems += [
        BallotProblem(
            "invalid_grade",
            f"L'appréciation donnée au projet « {titles[pid]} » n'existe pas : choisissez parmi {labels}.",
        )
        for pid, grade in grades.items()
        if pid in titles and not (type(grade) is int and 0 <= grade <= top)
    ]
    if rule.require_all:
        missing = [p for p in projects if p.id not in grades]
        if len(missing) == 1:
            problems.append(
                BallotProblem("missing_grade", f"Donnez une appréciation au projet « {missing[0].title} ».")
            )
        elif missing:
            names = ", ".join(f"« {p.title} »" for p in missing)
            message = f"Donnez une appréciation à chaque projet : il en manque {len(missing)} ({names})."
            problems.append(BallotProblem("missing_grade", message))
    return problems
