"""Budget participatif at phone size: a resident files a proposal end to end; axe finds no
serious or critical violation on the edition, list, proposal, results and moderation pages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login, send_proposal
from tests.browser.kept_input import submit_field

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "url",
    [
        "/budget-participatif",
        "/budget-participatif/marseille-2026",
        "/budget-participatif/marseille-2026/propositions",
        "/budget-participatif/marseille-2026/propositions/1",
        "/budget-participatif/marseille-2026/propositions/3",
        # a counted edition: its results and the receipt check
        "/budget-participatif/marseille-2025",
        "/budget-participatif/marseille-2025/resultats",
        "/budget-participatif/marseille-2025/resultats/nord-est",
        "/budget-participatif/marseille-2025/verifier-recu",
    ],
)
def test_public_budget_pages_are_accessible(page: Any, url: str) -> None:
    page.goto(url)
    assert_accessible(page)


def test_resident_files_a_proposal_from_a_phone(page: Any) -> None:
    login(page, "amina@demo.quartiers.fr")
    page.goto("/budget-participatif/appel-idees-2027")
    page.get_by_role("link", name="Proposer une idée").click()
    page.wait_for_load_state()
    assert_accessible(page)
    submit_field(
        page,
        "Le titre de l'idée",
        "Des fontaines à eau au square",
        button="Envoyer ma proposition",
        says="points à corriger",
    )
    send_proposal(
        page, "Deux fontaines à eau potable au square, pour les enfants et les personnes âgées l'été.", "8000"
    )
    assert "Votre proposition est envoyée" in page.content()
    assert "En attente de relecture" in page.content()
    assert_accessible(page)


def test_moderation_pages_are_accessible(page: Any) -> None:
    login(page, "table.corot@demo.quartiers.fr")
    page.goto("/budget-participatif/appel-idees-2027/moderation")
    assert_accessible(page)
    page.get_by_role("link", name="Des nichoirs et un hôtel à insectes au parc de Corot").first.click()
    page.wait_for_load_state()
    assert_accessible(page)


def test_admin_edition_page_is_accessible(page: Any) -> None:
    login(page, "admin@demo.quartiers.fr")
    page.goto("/admin/budget-participatif/marseille-2026")
    assert_accessible(page)
