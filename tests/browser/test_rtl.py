"""Arabic pages read right to left on a phone (390×844) without a horizontal scroll; English too."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.chromium import PHONE
from tests.browser.conftest import axe_violations, describe, phone

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "quartiers": "/quartiers",
    "quartier": "/quartiers/QN01342I",
    "bp-edition": "/budget-participatif/marseille-2026",
    "login": "/connexion",
    "signup": "/inscription",
}


@pytest.fixture
def arabic(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone whose browser asks for Arabic (Moroccan first): no cookie, Accept-Language decides."""
    yield from phone(browser, live_server, "ar-MA")


@pytest.fixture
def english(browser: Any, live_server: str) -> Iterator[Any]:
    yield from phone(browser, live_server, "en-GB")


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize("name", list(PAGES))
def test_arabic_reads_right_to_left_without_horizontal_scroll(arabic: Any, name: str) -> None:
    arabic.goto(PAGES[name])
    html = arabic.locator("html")
    assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
    arabic.screenshot(path=f"/tmp/i18n-ar-{name}.png", full_page=True)
    assert _overflow(arabic) <= PHONE["width"]
    # The skip link, once focused, is on screen (at the start of the line: the right in Arabic).
    arabic.keyboard.press("Tab")
    box = arabic.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["x"] + box["width"] > PHONE["width"] / 2


@pytest.mark.parametrize("name", ["home", "quartiers", "login"])
def test_arabic_and_english_pages_pass_axe(arabic: Any, english: Any, name: str) -> None:
    for page in (arabic, english):
        page.goto(PAGES[name])
        assert _overflow(page) <= PHONE["width"]
        violations = axe_violations(page)
        assert not violations, describe(violations)


def test_the_switch_changes_the_language_and_stays_on_the_page(english: Any) -> None:
    english.goto("/quartiers")
    assert english.locator("html").get_attribute("lang") == "en"
    english.locator('.lang-switch a[hreflang="ar"]').click()
    english.wait_for_load_state()
    assert english.url.endswith("/quartiers")
    assert english.locator("html").get_attribute("dir") == "rtl"
    english.locator('.lang-switch a[hreflang="fr"]').click()
    english.wait_for_load_state()
    assert english.locator("html").get_attribute("lang") == "fr" and english.url.endswith("/quartiers")
