"""Foundation screens at phone size: usable, and axe finds no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, axe_violations, describe, login

pytestmark = pytest.mark.browser

PUBLIC = ["/", "/quartiers", "/quartiers/QN01342I", "/journal", "/connexion", "/inscription"]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_page_is_accessible(page: Any, url: str) -> None:
    page.goto(url)
    assert_accessible(page)  # nothing wider than the phone either: no horizontal scrolling


def test_sign_up_then_declare_quartier(page: Any) -> None:
    page.goto("/inscription")
    page.get_by_label("E-mail ou numéro de téléphone").fill("07 11 22 33 44")
    page.get_by_label("Votre nom, ou un autre nom de votre choix").fill("Yasmina")
    page.get_by_label("Année de naissance").fill("1999")
    page.get_by_label("Mot de passe", exact=True).fill("un mot de passe long")
    page.get_by_label("Le même mot de passe, encore une fois").fill("un mot de passe long")
    page.get_by_label("J'accepte").check()
    page.get_by_role("button", name="Créer mon compte").click()
    page.wait_for_url("**/compte/confirmation")
    assert "Votre compte est créé" in page.content()
    page.goto("/compte")
    page.get_by_label("Ou choisissez votre quartier").select_option(label="Malpassé Corot")
    page.get_by_role("button", name="Enregistrer mon quartier").click()
    page.wait_for_url("**/compte*")
    assert "déclarée, à vérifier" in page.content()
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_login_error_keeps_identifier_and_is_announced(page: Any) -> None:
    page.goto("/connexion")
    page.get_by_label("E-mail ou numéro de téléphone").fill("amina@demo.quartiers.fr")
    page.get_by_label("Mot de passe").fill("pas le bon")
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("alert").first.inner_text().startswith("Il y a un problème")
    assert page.get_by_label("E-mail ou numéro de téléphone").input_value() == "amina@demo.quartiers.fr"


@pytest.mark.parametrize("url", ["/admin", "/admin/utilisateurs", "/admin/territoires"])
def test_admin_pages_are_accessible(page: Any, url: str) -> None:
    login(page, "admin@demo.quartiers.fr")
    page.goto(url)
    assert page.locator("main h1").count() == 1
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_moderator_verification_page(page: Any) -> None:
    login(page, "table.centre3@demo.quartiers.fr")
    page.goto("/verification")
    assert "Karim T." in page.content()
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Confirmer la résidence").first.click()
    page.wait_for_load_state()
    assert "vérifiée" in page.content()


def test_empty_sign_up_lists_every_problem_and_stays_accessible(page: Any) -> None:
    page.goto("/inscription")
    page.get_by_role("button", name="Créer mon compte").click()
    alert = page.get_by_role("alert").first.inner_text()
    assert alert.startswith("Il y a 5 points à corriger")
    assert page.locator(".error-text").count() == 5
    page.get_by_role("link", name="Cochez la case").click()
    violations = axe_violations(page)
    assert not violations, describe(violations)
