"""Eligibility of an application: pure functions over plain data, each returning a French message.

The service gathers the facts (fund rules, balance, next committee, the holder's history) and
calls `check_application`; the same checks are shown to the holder while they write, and are
enforced when the application is submitted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from backend.formatting import format_date, format_money, format_percent
from backend.fph.money import share
from backend.i18n import gettext as _

MIN_GROUP_SIZE = 2
RNA_RE = re.compile(r"^W\d{9}$")


@dataclass(frozen=True)
class FundFacts:
    cap_cents: int
    max_share_pct: int
    balance_cents: int  # envelope − granted − pending, before this application
    max_grants_per_holder: int
    qpv_ids: frozenset[int]
    qpv_names: str  # "Malpassé Corot" or "A, B" for a group fund
    next_meeting: date | None


@dataclass(frozen=True)
class ApplicantFacts:
    name: str
    qpv_id: int | None
    residence_status: str  # none, declared, declared_in_area (a geocoder hint, not a proof), verified


@dataclass(frozen=True)
class ApplicationFacts:
    holder_kind: str  # group, association
    association_name: str
    association_rna: str
    title: str
    description: str
    audience: str
    place: str
    action_date: date | None
    amount_cents: int
    expenses_cents: int
    resources_cents: int
    applicants: tuple[ApplicantFacts, ...]


@dataclass(frozen=True)
class HolderHistory:
    overdue_bilans: int  # granted applications of the same holder whose bilan is late
    grants_this_year: int  # grants already received by the same holder in funds of the same year


@dataclass(frozen=True)
class Check:
    rule: str
    ok: bool
    message: str
    field: str | None = None
    blocking: bool = True  # a non-blocking check is a warning: shown, but does not stop submission


def _fail(rule: str, message: str, field: str | None = None) -> Check:
    return Check(rule, False, message, field)


def _pass(rule: str, message: str) -> Check:
    return Check(rule, True, message)


# --- completeness --------------------------------------------------------------------------


def check_complete(app: ApplicationFacts) -> list[Check]:
    """What is missing before the committee can read the application."""
    missing = []
    if len(app.title.strip()) < 5:
        missing.append(_fail("title", _("Donnez un titre à votre projet (5 caractères au moins)."), "title"))
    if len(app.description.strip()) < 20:
        missing.append(
            _fail("description", _("Expliquez ce que vous voulez faire, en quelques phrases."), "description")
        )
    if len(app.audience.strip()) < 3:
        missing.append(
            _fail(
                "audience",
                _("Dites pour qui est l'action (par exemple : les enfants du quartier)."),
                "audience",
            )
        )
    if len(app.place.strip()) < 3:
        missing.append(_fail("place", _("Dites où se passe l'action."), "place"))
    if app.action_date is None:
        missing.append(_fail("action_date", _("Indiquez la date de l'action."), "action_date"))
    if app.expenses_cents <= 0:
        missing.append(
            _fail("expenses", _("Ajoutez au moins une dépense avec son montant."), "expense_label_0")
        )
    if app.amount_cents <= 0:
        missing.append(_fail("amount", _("Indiquez le montant que vous demandez."), "amount"))
    if app.holder_kind == "association":
        if len(app.association_name.strip()) < 2:
            missing.append(_fail("association", _("Indiquez le nom de l'association."), "association_name"))
        if app.association_rna and not RNA_RE.match(app.association_rna):
            missing.append(
                _fail(
                    "association_rna",
                    _("Le numéro RNA commence par W suivi de 9 chiffres (par exemple W133012345)."),
                    "association_rna",
                )
            )
    return missing


# --- the rules of the fund -------------------------------------------------------------------


def check_cap(app: ApplicationFacts, fund: FundFacts) -> Check:
    if app.amount_cents > fund.cap_cents:
        return _fail(
            "cap",
            _("Vous demandez {asked}. Le fonds donne au plus {cap} par projet.").format(
                asked=format_money(app.amount_cents), cap=format_money(fund.cap_cents)
            ),
            "amount",
        )
    return _pass(
        "cap", _("Le montant ne dépasse pas {cap} par projet.").format(cap=format_money(fund.cap_cents))
    )


def check_share(app: ApplicationFacts, fund: FundFacts) -> Check:
    limit = share(app.expenses_cents, fund.max_share_pct)
    if app.amount_cents > limit:
        return _fail(
            "share",
            _(
                "Le fonds paie au plus {share} du coût de l'action. Votre action coûte {cost} : "
                "vous pouvez demander au plus {limit}. Trouvez d'autres ressources ou baissez le montant."
            ).format(
                share=format_percent(fund.max_share_pct / 100, digits=0),
                cost=format_money(app.expenses_cents),
                limit=format_money(limit),
            ),
            "amount",
        )
    return _pass(
        "share",
        _("Le montant ne dépasse pas {share} du coût.").format(
            share=format_percent(fund.max_share_pct / 100, digits=0)
        ),
    )


def check_budget_balanced(app: ApplicationFacts) -> Check:
    need = app.expenses_cents - app.resources_cents
    if app.amount_cents > need:
        return _fail(
            "budget",
            _(
                "Vous demandez plus que ce qui manque. Dépenses {expenses} moins autres ressources "
                "{resources} : il manque {need}."
            ).format(
                expenses=format_money(app.expenses_cents),
                resources=format_money(app.resources_cents),
                need=format_money(max(need, 0)),
            ),
            "amount",
        )
    return _pass("budget", _("Le budget est équilibré."))


def check_balance(app: ApplicationFacts, fund: FundFacts) -> Check:
    if app.amount_cents > fund.balance_cents:
        return _fail(
            "balance",
            _("Il reste {balance} dans le fonds cette année. Demandez au plus ce montant.").format(
                balance=format_money(max(fund.balance_cents, 0))
            ),
            "amount",
        )
    return _pass("balance", _("Il reste assez d'argent dans le fonds."))


def check_action_date(app: ApplicationFacts, fund: FundFacts) -> Check:
    if fund.next_meeting is None:
        return _fail(
            "date",
            _(
                "Aucun comité n'est prévu pour le moment. L'association gestionnaire doit d'abord fixer une date."
            ),
            "action_date",
        )
    if app.action_date is not None and app.action_date <= fund.next_meeting:
        return _fail(
            "date",
            _(
                "Le prochain comité a lieu le {meeting}. Votre action doit avoir lieu après cette date, "
                "car le comité décide avant l'action."
            ).format(meeting=format_date(fund.next_meeting)),
            "action_date",
        )
    return _pass(
        "date",
        _("L'action a lieu après le prochain comité ({meeting}).").format(
            meeting=format_date(fund.next_meeting)
        ),
    )


def check_residents(app: ApplicationFacts, fund: FundFacts) -> list[Check]:
    """A group needs at least two residents of the fund's QPV; a declared residence is a warning."""
    if app.holder_kind == "association":
        return [_pass("residents", _("Demande d'une association : pas de condition de résidence."))]
    checks = []
    if len(app.applicants) < MIN_GROUP_SIZE:
        checks.append(
            _fail(
                "group_size",
                _(
                    "Un groupe d'habitants compte au moins 2 personnes. Ajoutez une autre personne du quartier."
                ),
                "coapplicant",
            )
        )
    outside = [a.name for a in app.applicants if a.qpv_id not in fund.qpv_ids or a.residence_status == "none"]
    if outside:
        checks.append(
            _fail(
                "residence",
                _("Ces personnes n'habitent pas le quartier {qpv} d'après leur compte : {names}.").format(
                    qpv=fund.qpv_names, names=", ".join(outside)
                ),
                "coapplicant",
            )
        )
    declared = [
        a.name
        for a in app.applicants
        if a.qpv_id in fund.qpv_ids and a.residence_status in ("declared", "declared_in_area")
    ]
    if declared:
        checks.append(
            Check(
                "residence_verified",
                False,
                _(
                    "Résidence déclarée mais pas encore vérifiée : {names}. Montrez un justificatif de domicile "
                    "à la table de quartier avant le comité."
                ).format(names=", ".join(declared)),
                blocking=False,
            )
        )
    if not checks:
        checks.append(_pass("residence", _("Les personnes du groupe habitent le quartier.")))
    return checks


def check_history(history: HolderHistory, fund: FundFacts) -> list[Check]:
    checks = []
    if history.overdue_bilans:
        checks.append(
            _fail(
                "overdue_bilan",
                _(
                    "Un bilan d'un projet précédent est en retard. Envoyez d'abord ce bilan : "
                    "ensuite vous pourrez demander une nouvelle aide."
                ),
            )
        )
    else:
        checks.append(_pass("overdue_bilan", _("Pas de bilan en retard.")))
    if history.grants_this_year >= fund.max_grants_per_holder:
        checks.append(
            _fail(
                "grants_per_year",
                _("Vous avez déjà reçu {n} aide(s) cette année. Le maximum est {max} par an.").format(
                    n=history.grants_this_year, max=fund.max_grants_per_holder
                ),
            )
        )
    else:
        checks.append(_pass("grants_per_year", _("Nombre d'aides dans l'année : pas de problème.")))
    return checks


def check_application(app: ApplicationFacts, fund: FundFacts, history: HolderHistory) -> list[Check]:
    """Every check, in the order a person reads them; failed blocking ones stop the submission."""
    checks = check_complete(app)
    if app.amount_cents > 0:
        checks.append(check_cap(app, fund))
        if app.expenses_cents > 0:
            checks.append(check_share(app, fund))
            checks.append(check_budget_balanced(app))
        checks.append(check_balance(app, fund))
    if app.action_date is not None or fund.next_meeting is None:
        checks.append(check_action_date(app, fund))
    checks.extend(check_residents(app, fund))
    checks.extend(check_history(history, fund))
    return checks


def blocking_failures(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.ok and c.blocking]
