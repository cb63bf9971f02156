"""htmx (17 KB) is downloaded only when someone touches the part of a page that uses it
(static/js/htmx-on-demand.js): a reader never pays for it, and a change made while it loads still
reaches it."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

LIST = "/budget-participatif/marseille-2026/propositions"


def test_htmx_waits_for_a_touch_then_the_filter_still_works(page: Any) -> None:
    htmx: list[str] = []

    def spy(request: Any) -> None:
        if "htmx.min.js" in request.url:
            htmx.append(request.url)

    page.on("request", spy)
    page.goto(LIST)
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert not htmx  # read only: no htmx
    total = page.locator("#t-results").inner_text()

    # The first change both brings htmx and is carried out by it (a partial swap, the URL pushed).
    with page.expect_response(
        lambda r: "quartier=QN01342I" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.get_by_label("Quartier", exact=True).select_option(label="Malpassé Corot")
    assert len(htmx) == 1
    page.wait_for_url("**quartier=QN01342I**")
    assert page.locator("#t-results").inner_text() != total
    assert page.locator("h1").count() == 1  # swapped in place, not a page within the page


def test_without_htmx_the_filter_form_is_a_plain_form(page: Any) -> None:
    page.route("**/htmx.min.js*", lambda route: route.abort())
    page.goto(LIST)
    page.get_by_label("Quartier", exact=True).select_option(label="Malpassé Corot")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_url("**quartier=QN01342I**")
    assert "Malpassé Corot" in page.locator("#results").inner_text()
