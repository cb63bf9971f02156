"""Every eligibility rule, pure (no database), with the French message a resident reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from backend.fph.eligibility import (
    ApplicantFacts,
    ApplicationFacts,
    FundFacts,
    HolderHistory,
    blocking_failures,
    check_application,
)

MEETING = date(2026, 5, 12)
FUND = FundFacts(
    cap_cents=150_000,
    max_share_pct=90,
    balance_cents=500_000,
    max_grants_per_holder=2,
    qpv_ids=frozenset({7}),
    qpv_names="Malpassé Corot",
    next_meeting=MEETING,
)
NEIGHBOURS = (ApplicantFacts("Amina", 7, "verified"), ApplicantFacts("Yacine", 7, "verified"))
APP = ApplicationFacts(
    holder_kind="group",
    association_name="",
    association_rna="",
    title="Fête des voisins",
    description="Un après-midi de jeux et un goûter pour tout le quartier.",
    audience="Les familles",
    place="Cour du bâtiment B",
    action_date=date(2026, 6, 14),
    amount_cents=100_000,
    expenses_cents=120_000,
    resources_cents=10_000,
    applicants=NEIGHBOURS,
)
CLEAN = HolderHistory(overdue_bilans=0, grants_this_year=0)


def failures(
    app: ApplicationFacts = APP, fund: FundFacts = FUND, history: HolderHistory = CLEAN
) -> dict[str, str]:
    return {c.rule: c.message for c in blocking_failures(check_application(app, fund, history))}


def test_a_good_application_passes_every_check() -> None:
    checks = check_application(APP, FUND, CLEAN)
    assert all(c.ok for c in checks), [c.message for c in checks if not c.ok]
    assert {c.rule for c in checks} >= {
        "cap",
        "share",
        "budget",
        "balance",
        "date",
        "residence",
        "overdue_bilan",
    }


def test_amount_above_the_cap() -> None:
    app = replace(APP, amount_cents=160_000, expenses_cents=200_000, resources_cents=0)
    assert failures(app) == {
        "cap": "Vous demandez 1\u202f600\u202f€. Le fonds donne au plus 1\u202f500\u202f€ par projet."
    }


def test_amount_above_the_share_of_the_cost() -> None:
    app = replace(APP, amount_cents=100_000, expenses_cents=100_000, resources_cents=0)
    message = failures(app)["share"]
    assert message.startswith(
        "Le fonds paie au plus 90\u202f% du coût de l'action. Votre action coûte 1\u202f000\u202f€"
    )
    assert "vous pouvez demander au plus 900\u202f€" in message


def test_amount_above_what_is_missing_in_the_budget() -> None:
    app = replace(APP, amount_cents=100_000, expenses_cents=120_000, resources_cents=40_000)
    assert "il manque 800\u202f€" in failures(app)["budget"]


def test_amount_above_the_fund_balance() -> None:
    fund = replace(FUND, balance_cents=60_000)
    assert failures(fund=fund) == {
        "balance": "Il reste 600\u202f€ dans le fonds cette année. Demandez au plus ce montant."
    }


def test_action_must_be_after_the_next_committee() -> None:
    app = replace(APP, action_date=MEETING)
    assert failures(app)["date"].startswith(
        "Le prochain comité a lieu le 12 mai 2026. Votre action doit avoir lieu après"
    )


def test_no_committee_planned_blocks_submission() -> None:
    assert "Aucun comité n'est prévu" in failures(fund=replace(FUND, next_meeting=None))["date"]


def test_a_group_needs_two_residents() -> None:
    app = replace(APP, applicants=NEIGHBOURS[:1])
    assert failures(app) == {
        "group_size": "Un groupe d'habitants compte au moins 2 personnes. Ajoutez une autre personne du quartier."
    }


def test_applicants_must_live_in_the_fund_qpv() -> None:
    app = replace(
        APP,
        applicants=(
            NEIGHBOURS[0],
            ApplicantFacts("Karim", 9, "verified"),
            ApplicantFacts("Léa", None, "none"),
        ),
    )
    assert failures(app)["residence"] == (
        "Ces personnes n'habitent pas le quartier Malpassé Corot d'après leur compte : Karim, Léa."
    )


@pytest.mark.parametrize(
    "residence",
    [
        pytest.param("declared", id="a declared residence"),
        pytest.param("declared_in_area", id="an address the geocoder places in the quartier"),
    ],
)
def test_a_residence_only_declared_is_a_warning_not_a_block(residence: str) -> None:
    app = replace(APP, applicants=(NEIGHBOURS[0], ApplicantFacts("Sabrina", 7, residence)))
    checks = check_application(app, FUND, CLEAN)
    warning = next(c for c in checks if c.rule == "residence_verified")
    assert not warning.ok and not warning.blocking and "Sabrina" in warning.message
    assert failures(app) == {}


def test_an_association_has_no_residence_condition_but_needs_a_name() -> None:
    app = replace(APP, holder_kind="association", applicants=NEIGHBOURS[:1], association_name="")
    assert failures(app) == {"association": "Indiquez le nom de l'association."}
    assert failures(replace(app, association_name="Les Jardins de Corot")) == {}


def test_rna_number_format() -> None:
    app = replace(APP, holder_kind="association", association_name="Corot Musique", association_rna="12345")
    assert "W suivi de 9 chiffres" in failures(app)["association_rna"]
    assert failures(replace(app, association_rna="W133012345")) == {}


def test_overdue_bilan_of_the_same_holder_blocks() -> None:
    message = failures(history=HolderHistory(overdue_bilans=1, grants_this_year=0))["overdue_bilan"]
    assert message == (
        "Un bilan d'un projet précédent est en retard. Envoyez d'abord ce bilan : "
        "ensuite vous pourrez demander une nouvelle aide."
    )


def test_maximum_number_of_grants_per_holder_and_year() -> None:
    assert failures(history=HolderHistory(0, 2))["grants_per_year"] == (
        "Vous avez déjà reçu 2 aide(s) cette année. Le maximum est 2 par an."
    )
    assert failures(history=HolderHistory(0, 1)) == {}


def test_an_empty_draft_lists_what_is_missing() -> None:
    empty = replace(
        APP,
        title="",
        description="",
        audience="",
        place="",
        action_date=None,
        amount_cents=0,
        expenses_cents=0,
    )
    assert {"title", "description", "audience", "place", "action_date", "expenses", "amount"} <= failures(
        empty
    ).keys()
    fields = {c.field for c in blocking_failures(check_application(empty, FUND, CLEAN))}
    assert {"title", "description", "audience", "place", "action_date", "amount"} <= fields
