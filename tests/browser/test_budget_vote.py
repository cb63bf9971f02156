"""The vote at phone size (390×844): an online ballot end to end (choose, check, confirm,
receipt, receipt check), the running count with htmx, and axe on the ballot pages (the public
results pages are checked with the other public budget pages, in test_budget.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


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
    assert_accessible(page)
    page.goto("/budget-participatif/marseille-2026/voter")
    assert "confirmez d'abord votre e-mail" in page.content()
    assert_accessible(page)


def test_online_ballot_end_to_end(page: Any) -> None:
    login(page, "lea@demo.quartiers.fr")  # e-mail confirmed, as the 2026 vote asks
    page.goto("/budget-participatif/marseille-2026")
    page.get_by_role("link", name="Voter", exact=True).click()
    page.wait_for_load_state()
    assert_accessible(page)
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
    assert_accessible(page)
    page.locator("input[name=projet]").nth(1).check()
    page.get_by_role("button", name="Vérifier mon choix").click()
    page.wait_for_load_state()
    assert "Relisez votre vote" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Confirmer mon vote").click()
    page.wait_for_load_state()
    assert "Votre vote est enregistré" in page.content()
    assert_accessible(page)
    code = page.locator(".bp-receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    page.get_by_role("link", name="Vérifier mon reçu").click()
    page.wait_for_load_state()
    page.get_by_label("Code du reçu").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Vérifier", exact=True).click()
    page.wait_for_load_state()
    assert "correspond à un bulletin enregistré" in page.content()
    assert_accessible(page)
    page.goto("/budget-participatif/marseille-2026/voter")
    assert "Vous avez voté le" in page.content()


def test_receipt_check_answer_is_accessible(page: Any) -> None:
    """The code is typed and posted, never put in the address; the answer page is checked too."""
    page.goto("/budget-participatif/marseille-2025/verifier-recu")
    page.get_by_label("Code du reçu").fill("AAAA-BBBB-CCCC")
    page.get_by_role("button", name="Vérifier").click()
    page.wait_for_load_state()
    assert "AAAA-BBBB-CCCC" not in page.url
    assert_accessible(page)


def test_voting_point_pages_are_accessible(page: Any) -> None:
    login(page, "table.corot@demo.quartiers.fr")
    page.goto("/budget-participatif/marseille-2026/bureau?q=votant1")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Faire signer la liste")).first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto("/budget-participatif/marseille-2026/bureau/import")
    assert_accessible(page)


def test_the_running_count_never_covers_the_last_project(page: Any) -> None:
    """At 390×844 the sticky count sits at the bottom of the screen: a project scrolled to the
    bottom (as the browser does when it is reached with the keyboard) stays above it."""
    login(page, "amina@demo.quartiers.fr")  # karim votes in the end-to-end test
    page.goto("/budget-participatif/marseille-2026/voter")
    boxes = page.locator("input[name=projet]")
    boxes.nth(0).check()
    expect(page.locator("#bp-compteur")).to_contain_text("1 projet choisi")
    last = boxes.last
    item = page.locator(".bp-ballot-item").last
    item.evaluate("el => el.scrollIntoView({block: 'end'})")
    counter = page.locator("#bp-compteur").bounding_box()
    shown = item.bounding_box()
    assert counter is not None and shown is not None
    assert shown["y"] + shown["height"] <= counter["y"] + 1, (shown, counter)  # nothing hidden under it
    box = last.bounding_box()
    assert box is not None
    hit = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('#bp-compteur')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert not hit, "the running count covers the last project's checkbox"
    link = item.get_by_role("link").bounding_box()
    assert link is not None
    hit = page.evaluate(
        "([x, y]) => !!document.elementFromPoint(x, y).closest('#bp-compteur')",
        [link["x"] + link["width"] / 2, link["y"] + link["height"] / 2],
    )
    assert not hit, "the running count covers the last project's link"
    last.click(timeout=2000)  # no other element takes the tap
    assert last.is_checked()
