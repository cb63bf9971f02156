"""The isoloir handover on the voting point's tablet, at phone size (390×844) and at tablet size
(800×1280): the agent registers and signs a person in, hands the tablet over; the voter chooses and
confirms alone, notes the receipt, and hands it back; the agent sees « A voté » and nothing of the
choice. Every screen is checked with axe (no serious or critical violation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser

BASE = "/budget-participatif/marseille-2026/bureau"
SIZES = {"telephone": {"width": 390, "height": 844}, "tablette": {"width": 800, "height": 1280}}


@pytest.fixture(params=list(SIZES))
def tablet(request: pytest.FixtureRequest, browser: Any, live_server: str) -> Iterator[tuple[Any, int]]:
    size = SIZES[request.param]
    context = browser.new_context(viewport=size, base_url=live_server, locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg, size["width"]
    context.close()


def test_isoloir_handover(tablet: tuple[Any, int]) -> None:
    page, width = tablet
    name = f"Mme Isoloir {width}"
    number = f"IS{width}0042"
    login(page, "table.corot@demo.quartiers.fr")
    # The agent registers the person (no e-mail, no phone) and checks identity and residence.
    page.goto(BASE)
    page.get_by_label("Nom et prénom").fill(name)
    page.get_by_label("Année de naissance").fill("1970")
    page.get_by_label("Adresse").fill("5 boulevard Jourdan")
    page.get_by_label("Quartier").select_option(index=1)
    page.get_by_label("Document d'identité vu").select_option("carte_identite")
    page.get_by_label("Numéro du document").fill(number)
    page.get_by_role("button", name="Inscrire et continuer").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Continuer : faire signer la liste").click()
    page.wait_for_load_state()
    assert "Le bulletin papier" not in page.content()  # the agent never types a choice
    page.get_by_label("Nom du bureau de vote").fill("Centre social Malpassé")
    page.get_by_label("Document d'identité vu").select_option("carte_identite")
    page.get_by_label("Numéro du document").fill(number)
    page.get_by_label("Justificatif de domicile vu").select_option("Quittance de loyer ou bail")
    assert_accessible(page, width)
    page.get_by_role("button", name="Signer la liste d'émargement").click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_have_text("La liste d'émargement est signée")
    assert name not in page.locator("main").inner_text()
    assert_accessible(page, width)
    # The tablet is handed to the voter.
    page.get_by_role("link", name="Voter sur la tablette (isoloir)").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("Vous votez seul. Personne ne voit votre choix.")
    assert page.locator("nav").count() == 0 and name not in page.content()  # no menu, no name
    assert_accessible(page, width)
    boxes = page.locator("input[name=projet]")
    titles = [t.strip() for t in page.locator(".bp-ballot-title").all_inner_texts()]
    boxes.nth(0).check()
    boxes.nth(1).check()
    expect(page.locator("#bp-compteur")).to_contain_text("2 projets choisis")
    page.get_by_role("button", name="Vérifier mon choix").click()
    page.wait_for_load_state()
    expect(page.locator("main h1")).to_have_text("Relisez votre vote")
    assert_accessible(page, width)
    page.get_by_role("button", name="Confirmer mon vote").click()
    page.wait_for_load_state()
    receipt = page.locator(".bp-receipt-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt.strip())
    assert_accessible(page, width)
    page.get_by_role("link", name="J'ai fini : je rends la tablette").click()
    page.wait_for_load_state()
    # Back to the agent: « A voté », nothing of the choice.
    expect(page.locator("main h1")).to_have_text("A voté")
    shown = page.locator("main").inner_text()
    assert receipt not in shown and not any(t and t in shown for t in titles[:2]) and name not in shown
    assert_accessible(page, width)
    page.get_by_role("link", name="Personne suivante").click()
    page.wait_for_load_state()
    assert page.url.endswith(BASE)
