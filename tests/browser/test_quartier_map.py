"""The street maps at phone size (390×844): Leaflet (vendored) draws the quartier outlines on the
tiles with JavaScript, the inline SVG stays without it; on the proposal form a tap on the map
places the project's point in the same field as the SVG grid. Tiles are intercepted: no network."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.chromium import PHONE
from tests.browser.conftest import axe_violations, describe, login, send_proposal

pytestmark = pytest.mark.browser

TILES = "https://data.geopf.fr/**"


def png(width: int = 256, height: int = 256) -> bytes:
    """A plain light-grey PNG tile, built here (no file, no network)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xe8" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TILE = png()
assert base64.b64encode(TILE)  # a real PNG, checked by the browser below


def serve_tiles(page: Any, seen: list[str]) -> None:
    def fulfil(route: Any) -> None:
        seen.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(TILES, fulfil)


@pytest.fixture
def no_js_page(browser: Any, live_server: str) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, base_url=live_server, locale="fr-FR", java_script_enabled=False
    )
    pg = context.new_page()
    pg.set_default_timeout(30_000)  # a page with every process's section, on a shared, loaded machine
    yield pg
    context.close()


def test_quartier_page_has_a_street_map_with_javascript(page: Any) -> None:
    seen: list[str] = []
    serve_tiles(page, seen)
    page.goto("/quartiers/QN01342I")
    page.locator(".qp-leaflet .leaflet-tile-loaded").first.wait_for()
    page.locator(".qp-leaflet path.qp-outline").first.wait_for()
    assert page.locator(".qp-leaflet .qp-label", has_text="Malpassé Corot").count() == 1
    assert not page.locator("svg.qpv-map").is_visible()  # the fallback, hidden once the map is drawn
    assert any("TILEMATRIX=" in url and "PLANIGNV2" in url for url in seen)
    assert "© IGN – Plan IGN" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="/tmp/quartier-page-map.png", full_page=True)
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_quartiers_index_map_and_address_form(page: Any) -> None:
    serve_tiles(page, [])
    page.goto("/quartiers")
    page.locator(".qp-leaflet path.qp-outline").first.wait_for()
    assert page.locator(".qp-leaflet path.qp-outline").count() == 41
    assert page.get_by_label("Votre adresse").is_visible()
    page.screenshot(path="/tmp/quartier-index-map.png")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    # The geocoder is off on the test server: the page says so and keeps the list.
    page.get_by_label("Votre adresse").fill("12 avenue Corot, Marseille")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_load_state()
    assert "Le service des adresses ne répond pas" in page.content()
    assert page.get_by_role("link", name="Malpassé Corot").first.is_visible()
    page.screenshot(path="/tmp/quartier-index-unreachable.png", full_page=True)


def test_without_javascript_the_svg_map_and_the_list_remain(no_js_page: Any) -> None:
    no_js_page.goto("/quartiers")
    assert no_js_page.locator("svg.qpv-map").is_visible()
    assert no_js_page.locator(".qp-leaflet").count() == 0
    assert no_js_page.get_by_role("link", name="Malpassé Corot").first.is_visible()
    no_js_page.screenshot(path="/tmp/quartier-index-nojs.png")
    no_js_page.goto("/quartiers/QN01342I")
    assert no_js_page.locator("svg.qpv-map").is_visible()
    no_js_page.screenshot(path="/tmp/quartier-page-nojs.png", full_page=True)


def test_a_tap_on_the_map_places_the_proposal_point(page: Any) -> None:
    serve_tiles(page, [])
    login(page, "amina@demo.quartiers.fr")
    page.goto("/budget-participatif/appel-idees-2027/proposer")
    with page.expect_response("**/carte?*"):  # htmx swaps the picker for the chosen quartier
        page.get_by_label("Le quartier du projet").select_option(label="Malpassé Corot")
    page.wait_for_load_state("networkidle")
    map_box = page.locator(".qp-leaflet-picker")
    map_box.locator("path.qp-outline").first.wait_for()
    map_box.scroll_into_view_if_needed()
    assert page.locator('input[name="point"]:checked').get_attribute("value") == "none"
    box = map_box.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".qp-leaflet-picker .qp-marker").wait_for()
    value = page.locator('input[name="point"]:checked').get_attribute("value")
    assert value is not None and value != "none" and "-" in value
    assert page.locator(".map-status").inner_text() == "Point placé sur la carte."
    page.screenshot(path="/tmp/quartier-picker.png", full_page=False)
    # The SVG grid stays usable under the map, and moves the map's marker.
    page.locator(".bp-cell").nth(3).click()
    assert page.locator('input[name="point"]:checked').get_attribute("value") != value


def test_the_index_outlines_are_links_for_the_keyboard(page: Any) -> None:
    serve_tiles(page, [])
    page.goto("/quartiers")
    links = page.locator(".qp-leaflet a.qp-outline-link")
    links.first.wait_for()
    assert links.count() == 41
    corot = page.locator('.qp-leaflet a.qp-outline-link[aria-label="Malpassé Corot"]')
    assert corot.get_attribute("href") == "/quartiers/QN01342I"
    corot.focus()
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Malpassé Corot"
    page.locator(".leaflet-tooltip", has_text="Malpassé Corot").wait_for()  # shown with the focus
    page.screenshot(path="/tmp/quartier-index-focus.png")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.keyboard.press("Enter")
    page.wait_for_url("**/quartiers/QN01342I")


def test_the_quartier_page_shows_its_table_de_quartier_contact(page: Any) -> None:
    serve_tiles(page, [])
    page.goto("/quartiers/QN01342I")
    table = page.locator("section", has=page.locator("h2#table"))
    assert "Table de quartier Malpassé Corot" in table.inner_text()
    assert table.get_by_role("link", name="04 99 13 42 00").get_attribute("href") == "tel:+33499134200"
    email = table.get_by_role("link", name="table.malpasse-corot@demo.quartiers.fr")
    assert email.get_attribute("href") == "mailto:table.malpasse-corot@demo.quartiers.fr"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    table.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/quartier-page-contact.png")
    page.screenshot(path="/tmp/quartier-page-contact-full.png", full_page=True)


def test_the_proposal_page_shows_its_point_on_the_street_map(page: Any) -> None:
    serve_tiles(page, [])
    login(page, "amina@demo.quartiers.fr")
    page.goto("/budget-participatif/appel-idees-2027/proposer")
    send_proposal(
        page,
        "Un banc à l'ombre devant l'école, pour attendre les enfants le soir.",
        "1500",
        title="Un banc à l'ombre devant l'école",
    )
    assert "Votre proposition est envoyée" in page.content()
    minimap = page.locator(".qp-leaflet-point")
    minimap.locator("path.qp-outline").first.wait_for()
    minimap.locator(".qp-marker").wait_for()
    minimap.locator(".leaflet-tile-loaded").first.wait_for()
    assert not page.locator("svg.bp-minimap").is_visible()  # the no-JS drawing, hidden under the map
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    minimap.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/proposal-minimap.png")
    violations = axe_violations(page)
    assert not violations, describe(violations)


SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}


def test_on_a_slow_connection_the_street_map_waits_to_be_asked_for(page: Any) -> None:
    """Leaflet and its tiles weigh more than the page: on slow 3G (what `navigator.connection`
    reports under the throttle) the SVG stays and a button offers the street map; the choice is
    then kept on this device."""
    seen: list[str] = []
    serve_tiles(page, seen)
    leaflet: list[str] = []

    def spy(request: Any) -> None:
        if "leaflet" in request.url:
            leaflet.append(request.url)

    page.on("request", spy)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    page.set_default_timeout(30_000)
    page.goto("/quartiers/QN01342I")
    offer = page.get_by_role("button", name="Voir la carte avec les rues")
    offer.wait_for()
    assert "Elle utilise plus de données internet." in page.locator(".qp-map-offer").inner_text()
    assert page.locator("svg.qpv-map").is_visible()  # the map without streets is there meanwhile
    assert not leaflet and not seen  # nothing of the street map was downloaded
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.screenshot(path="/tmp/quartier-page-slow.png")

    offer.click()
    page.locator(".qp-leaflet path.qp-outline").first.wait_for()
    assert page.locator(".qp-map-offer").count() == 0
    assert not page.locator("svg.qpv-map").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('qp-leaflet')")  # focus not lost

    page.goto("/quartiers")  # asked once: the next pages draw it without asking
    page.locator(".qp-leaflet path.qp-outline").first.wait_for()
    assert page.locator(".qp-map-offer").count() == 0
