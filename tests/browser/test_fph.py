"""FPH at phone size (390×844): applying from a phone, the public pages and the committee's
meeting screen, each checked with axe (no serious or critical violation)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backend.fph.service.common import paris_today
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def test_apply_from_a_phone(page: Any) -> None:
    login(page, "amina@demo.quartiers.fr")
    page.goto("/fph")
    page.get_by_role("link", name="Demander une aide").first.click()
    page.wait_for_load_state()
    assert_accessible(page)

    page.get_by_label("Autre personne 1 : téléphone ou e-mail").fill("yacine@demo.quartiers.fr")
    page.get_by_label("Titre du projet").fill("Goûter des voisins du bâtiment C")
    page.get_by_label("Que voulez-vous faire ?").fill(
        "Un goûter au pied du bâtiment, avec des jeux pour les enfants."
    )
    page.get_by_label("Pour qui ?").fill("Les voisins du bâtiment C")
    page.get_by_label("Où ?").fill("Pied du bâtiment C")
    page.get_by_label("Quand ?").fill((paris_today() + timedelta(days=45)).isoformat())
    page.get_by_label("Dépense 1", exact=True).fill("Goûter et boissons")
    page.get_by_label("Montant de la dépense 1").fill("250")
    page.get_by_label("Montant demandé au fonds").fill("300")  # more than 90 % of 250 €
    page.get_by_role("button", name="Envoyer au comité").click()
    page.wait_for_load_state()

    alert = page.get_by_role("alert").first
    assert "ne peut pas encore partir au comité" in alert.inner_text()
    assert "au plus 225" in alert.inner_text()
    assert page.get_by_label("Titre du projet").input_value() == "Goûter des voisins du bâtiment C"
    assert_accessible(page)

    page.get_by_label("Montant demandé au fonds").fill("220")
    page.get_by_role("button", name="Envoyer au comité").click()
    page.wait_for_url("**/fph/demandes/*")
    assert "Votre demande est envoyée au comité" in page.content()
    assert "Envoyée au comité" in page.locator("main").inner_text()
    assert_accessible(page)


@pytest.mark.parametrize("link", ["Malpassé Corot", None])
def test_public_fund_pages_are_accessible(page: Any, link: str | None) -> None:
    page.goto("/fph")
    if link:
        page.get_by_role("link", name=link, exact=True).first.click()
        page.wait_for_load_state()
    assert_accessible(page)


def test_published_minutes_are_accessible(page: Any) -> None:
    page.goto("/fph")
    page.get_by_role("link", name="Malpassé Corot", exact=True).first.click()
    page.get_by_role("link", name="Comité du").first.click()
    page.wait_for_load_state()
    assert "Relevé de décisions" in page.locator("h1").inner_text()
    assert_accessible(page)


def test_committee_member_votes_on_a_phone(page: Any) -> None:
    login(page, "comite.fph@demo.quartiers.fr")
    page.goto("/fph/gestion")
    page.get_by_role("link", name="FPH Malpassé Corot").first.click()
    page.get_by_role("link", name="Comité du").first.click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.get_by_role("button", name="Pour — Atelier vélo pour les enfants").click()
    page.wait_for_load_state()
    assert "Le vote est enregistré" in page.content()
    assert (
        page.get_by_role("button", name="Pour — Atelier vélo pour les enfants").get_attribute("aria-pressed")
        == "true"
    )
    assert_accessible(page)


def test_association_back_office_is_accessible(page: Any) -> None:
    login(page, "gestion.fph@demo.quartiers.fr")
    page.goto("/fph/gestion")
    page.get_by_role("link", name="FPH Malpassé Corot").first.click()
    page.wait_for_load_state()
    assert "bilan en retard" in page.content()
    assert_accessible(page)
