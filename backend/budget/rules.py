"""Pure rules of proposals: field validation, automatic pre-checks and the eligibility decision.
Plain data in, French messages out; tested without a database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from backend.budget.models import ProposalStatus
from backend.errors import Invalid
from backend.formatting import format_euros, format_number, format_percent
from backend.forms import parse_whole_euros
from backend.i18n import gettext as _

TITLE_MIN, TITLE_MAX = 8, 120
DESCRIPTION_MIN, DESCRIPTION_MAX = 30, 4000
# A draft keeps a description that is too long (up to this bound against abuse), so that
# nothing typed is lost while the author shortens it; only sending enforces DESCRIPTION_MAX.
DRAFT_DESCRIPTION_MAX = 5 * DESCRIPTION_MAX
COST_MAX = 10_000_000

# The realistic checklist (DOMAIN.md); each answer carries a public reason.
DEFAULT_CHECKLIST: list[dict[str, str]] = [
    {"key": "investissement", "label": "C'est une dépense d'investissement",
     "hint": "Les frais de fonctionnement sont acceptés s'ils restent faibles."},
    {"key": "competence", "label": "C'est une compétence de la Ville", "hint": ""},
    {"key": "espace-public", "label": "C'est sur l'espace public ou un terrain public", "hint": ""},
    {"key": "interet-general", "label": "Le projet sert l'intérêt général", "hint": ""},
    {"key": "territoire", "label": "Le projet est dans le territoire de l'édition", "hint": ""},
    {"key": "plafond", "label": "Le coût ne dépasse pas le plafond", "hint": ""},
    {"key": "faisable", "label": "Le projet est techniquement faisable", "hint": ""},
]  # fmt: skip


def slugify(text: str, max_length: int = 40) -> str:
    """ASCII slug: « Nature en ville » → « nature-en-ville »."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-")


THEME_LABELS = [
    "Sport et loisirs",
    "Culture et patrimoine",
    "Nature en ville",
    "Solidarité",
    "Cadre de vie et propreté",
    "Enfance et jeunesse",
    "Se déplacer",
]
DEFAULT_THEMES: list[dict[str, str]] = [{"key": slugify(label), "label": label} for label in THEME_LABELS]


def themes_from_lines(text: str) -> list[dict[str, str]]:
    """One theme per line; its key is the slug of its label."""
    found = []
    for line in text.splitlines():
        label = " ".join(line.split())[:60]
        if label and slugify(label):
            found.append({"key": slugify(label), "label": label})
    return found


def parse_euros(value: str, field: str, *, required: bool = False) -> int | None:
    """A cost in whole euros (« 12 500 », « 12500 € », « 12 500,00 »), up to COST_MAX; the one
    amount rule of `backend.forms`."""
    return parse_whole_euros(value, field, required=required, max_euros=COST_MAX)


@dataclass(frozen=True)
class ProposalInput:
    title: str
    description: str
    theme: str
    qpv_code: str
    location_text: str
    estimated_cost: str
    operating_cost: str


def description_too_long(description: str) -> Invalid | None:
    """The refusal of a description over the limit, with its length, or None."""
    length = len(description.strip())
    if length <= DESCRIPTION_MAX:
        return None
    return Invalid(
        _(
            "Votre texte est trop long : il a %(count)s caractères. Le maximum est %(max)s caractères. "
            "Enlevez au moins %(over)s caractères, puis envoyez à nouveau."
        )
        % {
            "count": format_number(length),
            "max": format_number(DESCRIPTION_MAX),
            "over": format_number(length - DESCRIPTION_MAX),
        },
        field="description",
    )


def validate_for_submission(
    data: ProposalInput, themes: Sequence[str], qpv_codes: Sequence[str]
) -> list[Invalid]:
    """Every problem at once, so the resident fixes the form in one go."""
    problems: list[Invalid] = []
    title = " ".join(data.title.split())
    if len(title) < TITLE_MIN:
        problems.append(
            Invalid(_("Donnez un titre d'au moins %(n)d caractères.") % {"n": TITLE_MIN}, field="title")
        )
    elif len(title) > TITLE_MAX:
        problems.append(
            Invalid(_("Le titre est trop long (%(n)d caractères au plus).") % {"n": TITLE_MAX}, field="title")
        )
    description = data.description.strip()
    if len(description) < DESCRIPTION_MIN:
        problems.append(
            Invalid(
                _("Décrivez votre idée en quelques phrases (%(n)d caractères au moins).")
                % {"n": DESCRIPTION_MIN},
                field="description",
            )
        )
    elif too_long := description_too_long(description):
        problems.append(too_long)
    if data.qpv_code not in qpv_codes:
        problems.append(Invalid(_("Choisissez le quartier du projet dans la liste."), field="qpv_code"))
    if data.theme not in themes:
        problems.append(Invalid(_("Choisissez un thème dans la liste."), field="theme"))
    cost = operating = None
    try:
        cost = parse_euros(data.estimated_cost, "estimated_cost", required=True)
        if cost is not None and cost < 1:
            raise Invalid(_("Le coût doit être supérieur à zéro."), field="estimated_cost")
    except Invalid as exc:
        problems.append(exc)
    try:
        operating = parse_euros(data.operating_cost, "operating_cost")
    except Invalid as exc:
        problems.append(exc)
    if cost is not None and operating is not None and operating > cost:
        problems.append(
            Invalid(
                _("Les frais de fonctionnement font partie du coût total : ils ne peuvent pas le dépasser."),
                field="operating_cost",
            )
        )
    return problems


# --- automatic pre-checks ---------------------------------------------------------------------


@dataclass(frozen=True)
class Precheck:
    """A warning computed automatically; the agent decides, the pre-check only points."""

    code: str
    message: str


def prechecks(
    *,
    cost: int | None,
    operating_cost: int | None,
    cost_cap: int,
    operating_share_max: float,
    qpv_in_territory: bool | None,
    location_in_territory: bool | None,
) -> list[Precheck]:
    """Cost above the cap, outside the edition's territory, too much running cost."""
    found = []
    if cost is not None and cost > cost_cap:
        found.append(
            Precheck(
                "cost_above_cap",
                _("Le coût (%(cost)s) dépasse le plafond de %(cap)s par projet.")
                % {"cost": format_euros(cost), "cap": format_euros(cost_cap)},
            )
        )
    if qpv_in_territory is False:
        found.append(
            Precheck("outside_territory", _("Ce quartier ne fait pas partie du territoire de cette édition."))
        )
    elif location_in_territory is False:
        found.append(
            Precheck(
                "location_outside", _("Le lieu indiqué semble en dehors des quartiers de cette édition.")
            )
        )
    if cost and operating_cost and operating_cost / cost > operating_share_max:
        found.append(
            Precheck(
                "operating_share",
                _("Les frais de fonctionnement font %(share)s du coût : le maximum accepté est %(max)s.")
                % {
                    "share": format_percent(operating_cost / cost),
                    "max": format_percent(operating_share_max, 0),
                },
            )
        )
    return found


# --- eligibility decision -------------------------------------------------------------------

DECISIONS = (ProposalStatus.eligible, ProposalStatus.eligible_after_changes, ProposalStatus.ineligible)


@dataclass(frozen=True)
class Answer:
    met: bool | None  # None: not answered
    reason: str


def check_decision(
    checklist: Sequence[Mapping[str, str]],
    answers: Mapping[str, Answer],
    decision: str,
    services_cost: int | None,
    changes: str,
    cost_cap: int,
) -> list[Invalid]:
    """Problems with an agent's eligibility decision (empty: it can be recorded).

    Every criterion is answered with a public reason; « recevable » needs every criterion met;
    « non recevable » needs at least one unmet criterion (its reason is what residents read);
    « recevable après modification » says what changes. A recevable project has the services'
    cost, within the cap: it is the cost the ballot shows."""
    problems: list[Invalid] = []
    for criterion in checklist:
        key = criterion["key"]
        answer = answers.get(key, Answer(None, ""))
        if answer.met is None:
            problems.append(
                Invalid(_("Répondez oui ou non : « %(c)s ».") % {"c": criterion["label"]}, field=f"c-{key}")
            )
        elif len(answer.reason.strip()) < 3:
            problems.append(
                Invalid(
                    _("Donnez la raison (elle sera publique) : « %(c)s ».") % {"c": criterion["label"]},
                    field=f"r-{key}",
                )
            )
    if decision not in DECISIONS:
        problems.append(Invalid(_("Choisissez une décision."), field="decision"))
        return problems
    unmet = [c["label"] for c in checklist if answers.get(c["key"], Answer(None, "")).met is False]
    if decision == ProposalStatus.eligible and unmet:
        problems.append(
            Invalid(
                _("Un projet recevable respecte tous les critères. Critère non respecté : %(c)s.")
                % {"c": ", ".join(unmet)},
                field="decision",
            )
        )
    if decision == ProposalStatus.ineligible and not unmet and checklist:
        problems.append(
            Invalid(
                _("Pour déclarer le projet non recevable, indiquez le critère qui n'est pas respecté."),
                field="decision",
            )
        )
    if decision == ProposalStatus.eligible_after_changes and len(changes.strip()) < 10:
        problems.append(
            Invalid(_("Expliquez ce qui change dans le projet pour qu'il soit recevable."), field="changes")
        )
    if decision in (ProposalStatus.eligible, ProposalStatus.eligible_after_changes):
        if services_cost is None or services_cost <= 0:
            problems.append(
                Invalid(
                    _("Indiquez le coût estimé par les services : c'est celui du vote."),
                    field="services_cost",
                )
            )
        elif services_cost > cost_cap:
            problems.append(
                Invalid(
                    _(
                        "Le coût estimé par les services dépasse le plafond de %(cap)s : le projet ne peut pas être recevable."
                    )
                    % {"cap": format_euros(cost_cap)},
                    field="services_cost",
                )
            )
    return problems
