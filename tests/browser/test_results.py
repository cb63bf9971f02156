"""Results at phone size (390×844) and at desktop width: the COPIL dashboard, a QPV's page, a
realisation's timeline, redevabilité, the digest and open data, each checked with axe; and every
public export of the demo checked for personal data."""

from __future__ import annotations

import re
from typing import Any

import pytest

from backend.demo import PEOPLE
from backend.results.opendata import DATASETS
from tests.browser.conftest import assert_accessible, login
from tests.browser.kept_input import submit_field

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 900}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+33|\b0)[1-9](?:[ .-]?\d{2}){4}\b")


@pytest.mark.parametrize("viewport", [None, DESKTOP], ids=["phone", "desktop"])
def test_copil_dashboard(page: Any, viewport: dict[str, int] | None) -> None:
    if viewport:
        page.set_viewport_size(viewport)
    width = viewport["width"] if viewport else 390
    login(page, "copil@demo.quartiers.fr")
    page.goto("/resultats/tableau-de-bord")
    assert page.get_by_role("heading", name="Tableau de bord du COPIL").is_visible()
    assert page.locator("svg[role=img]").count() >= 3
    assert (
        page.locator("figure.rs-chart + .table-wrap table, figure.rs-chart ~ .table-wrap table").count() >= 3
    )
    assert_accessible(page, width)
    # Filters work without JavaScript (a GET form) and with htmx (the figures are swapped).
    page.get_by_label("Secteur", exact=True).select_option("nord-est")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**secteur=nord-est**")
    page.wait_for_load_state("networkidle")
    table = page.get_by_role("table", name="Participation par quartier")
    assert "Malpassé Corot" in table.inner_text() and "Centre Ville" not in table.inner_text()
    assert_accessible(page, width)


def test_public_results_pages(page: Any) -> None:
    page.goto("/resultats")
    assert_accessible(page)
    page.get_by_label("Choisissez votre quartier").select_option(label="Malpassé Corot")
    page.get_by_role("button", name="Voir").click()
    page.wait_for_url("**/resultats/quartiers/QN01342I")
    assert "Actions financées par le FPH" in page.content()
    assert_accessible(page)
    page.locator("article.rs-item h3 a").first.click()
    page.wait_for_load_state()
    assert page.locator(".rs-progress progress").count() == 1
    assert_accessible(page)
    for url in (
        "/resultats/redevabilite",
        "/resultats/redevabilite/processus/fph",
        "/resultats/lettre",
        "/open-data",
    ):
        page.goto(url)
        assert_accessible(page)


def test_a_resident_follows_a_project(page: Any) -> None:
    login(page, "amina@demo.quartiers.fr")
    page.goto("/resultats/quartiers/QN01342I")
    page.locator("article.rs-item h3 a").nth(1).click()
    page.wait_for_load_state()
    button = page.get_by_role("button", name=re.compile("suivre ce projet", re.I))
    button.click()
    page.wait_for_load_state()
    assert page.get_by_role("status").count() >= 1
    assert_accessible(page)


def test_an_agent_updates_a_realisation(page: Any) -> None:
    login(page, "agent@demo.quartiers.fr")
    page.goto("/resultats/suivi")
    assert_accessible(page)
    page.locator("table a").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    submit_field(
        page,
        "Avancement (en %)",
        "75",
        button="Enregistrer et prévenir les abonné·es",
        says="Le suivi est à jour",
    )


def test_no_personal_data_in_the_demo_exports(page: Any, live_server: str) -> None:
    names = {p.name for p in PEOPLE} | {
        "Rayan B.",
        "Chloé L.",
        "Yacine M.",
        "Rose L.",
        "Sabrina O.",
        "Mme Benali",
    }
    urls = [f"/open-data/{d.name}.{ext}" for d in DATASETS for ext in ("csv", "json")] + [
        "/open-data/datapackage.json"
    ]
    for url in urls:
        response = page.request.get(live_server + url)
        assert response.ok, url
        text = response.text()
        assert not EMAIL.findall(text), (url, EMAIL.findall(text)[:3])
        assert not PHONE.findall(text), (url, PHONE.findall(text)[:3])
        assert not [n for n in names if n in text], url
