"""Paper ballots in the browser: print a paper, count it at the dépouillement, and the reconciliation
page — each checked with axe at 390×844."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import axe_violations, describe, login, submit

pytestmark = pytest.mark.browser
BUREAU = "/budget-participatif/marseille-2026/bureau"


def check(page: Any) -> None:
    assert page.locator("main h1").count() == 1
    wide = page.evaluate(
        "Array.from(document.querySelectorAll('main *')).filter(e => e.getBoundingClientRect().right > 391)"
        ".map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 40))"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_paper_ballot_counted_at_the_depouillement(page: Any) -> None:
    login(page, "table.corot@demo.quartiers.fr")
    page.goto(f"{BUREAU}/bulletins")
    check(page)
    page.get_by_label("Bureau de vote").fill("Salle des fêtes Corot")
    page.get_by_label("Nombre de bulletins").fill("2")
    page.get_by_role("button", name="Préparer les bulletins à imprimer").click()
    page.wait_for_load_state()
    check(page)
    code = re.findall(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", page.locator("main").inner_text())[0]
    page.goto(f"{BUREAU}/depouillement")
    page.get_by_label("Nom du bureau de vote").fill("Salle des fêtes Corot")
    page.get_by_role("button", name="Ouvrir").click()
    page.wait_for_load_state()
    check(page)  # the entry page
    # The same code typed twice: counted, then the error is shown on the page, and checked too.
    for answer in ("Bulletin compté", "déjà compté"):
        page.get_by_label("Code du bulletin").fill(code)
        page.get_by_label("blanc (aucune case cochée)").check()
        submit(page, "Compter ce bulletin")
        assert answer in page.locator("main").inner_text()
        check(page)
    page.goto(f"{BUREAU}/depouillement")
    assert "Salle des fêtes Corot" in page.locator("main").inner_text()
    check(page)  # the reconciliation page
