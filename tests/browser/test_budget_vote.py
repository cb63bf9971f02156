"""The vote at phone size (390×844): an online ballot end to end (choose, check, confirm,
receipt, receipt check), the running count with htmx, and axe on the ballot and results pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe, login

pytestmark = pytest.mark.browser


def check(page: Any) -> None:
    assert page.locator("main h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_the_edition_page_shows_the_levels_before_starting(page: Any) -> None:
    login(page, "karim@demo.quartiers.fr")  # an account only: the 2026 vote needs a confirmed contact
    page.goto("/budget-participatif/marseille-2026")
    levels = page.locator(".bp-levels")
    expect(levels).to_contain_text(
        "Pour voter, il faut avoir confirmé son e-mail ou son numéro de téléphone."
    )
    expect(levels).to_contain_text("Votre e-mail ou votre téléphone n'est pas encore confirmé.")
    assert levels.get_by_role("link", name="Confirmer mon e-mail ou mon téléphone").get_attribute("href") == (
        "/compte/confirmer"
    )
    check(page)
    page.goto("/budget-participatif/marseille-2026/voter")
    assert "confirmez d'abord votre e-mail" in page.content()
    check(page)


def test_online_ballot_end_to_end(page: Any) -> None:
    login(page, "lea@demo.quartiers.fr")  # e-mail confirmed, as the 2026 vote asks
    page.goto("/budget-participatif/marseille-2026")
    page.get_by_role("link", name="Voter", exact=True).click()
    page.wait_for_load_state()
    check(page)
    boxes = page.locator("input[name=projet]")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    # htmx updates the running count as projects are ticked.
    # (a locator wait: a string predicate would need eval, which the page's CSP forbids)
    expect(page.locator("#bp-compteur")).to_contain_text("1 projet choisi")
    page.get_by_role("button", name="Vérifier mon choix").click()
    page.wait_for_load_state()
    assert "le minimum est 2" in page.content()
    assert page.locator("input[name=projet]").nth(0).is_checked()  # the choice is kept
    check(page)
    page.locator("input[name=projet]").nth(1).check()
    page.get_by_role("button", name="Vérifier mon choix").click()
    page.wait_for_load_state()
    assert "Relisez votre vote" in page.content()
    check(page)
    page.get_by_role("button", name="Confirmer mon vote").click()
    page.wait_for_load_state()
    assert "Votre vote est enregistré" in page.content()
    check(page)
    code = page.locator(".bp-receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    page.get_by_role("link", name="Vérifier mon reçu").click()
    page.wait_for_load_state()
    page.get_by_label("Code du reçu").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Vérifier", exact=True).click()
    page.wait_for_load_state()
    assert "correspond à un bulletin enregistré" in page.content()
    check(page)
    page.goto("/budget-participatif/marseille-2026/voter")
    assert "Vous avez voté le" in page.content()


@pytest.mark.parametrize(
    "url",
    [
        "/budget-participatif/marseille-2025",
        "/budget-participatif/marseille-2025/resultats",
        "/budget-participatif/marseille-2025/resultats/nord-est",
        "/budget-participatif/marseille-2025/verifier-recu?code=AAAA-BBBB-CCCC",
    ],
)
def test_results_pages_are_accessible(page: Any, url: str) -> None:
    page.goto(url)
    check(page)


def test_voting_point_pages_are_accessible(page: Any) -> None:
    login(page, "table.corot@demo.quartiers.fr")
    page.goto("/budget-participatif/marseille-2026/bureau?q=votant1")
    check(page)
    page.get_by_role("link", name=re.compile("Enregistrer son vote")).first.click()
    page.wait_for_load_state()
    check(page)
    page.goto("/budget-participatif/marseille-2026/bureau/import")
    check(page)
