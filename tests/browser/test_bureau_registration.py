"""The voting point at phone size (390×844): registering a person with no e-mail and no phone
(an error first, then the printed slip), the next step, and the activation page, checked with axe."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def test_voting_point_registration_without_contact_and_activation(page: Any) -> None:
    login(page, "table.corot@demo.quartiers.fr")
    page.goto("/budget-participatif/marseille-2026/bureau")
    assert_accessible(page)
    page.get_by_label("Nom et prénom").fill("Mme Haddad")
    page.get_by_label("Année de naissance").fill("1958")
    page.get_by_label("Adresse").fill("3 rue Raymond Teisseire")
    page.get_by_label("Quartier").select_option(index=1)
    page.get_by_label("Document d'identité vu").select_option("titre_sejour")
    page.get_by_label("Numéro du document").fill("12")  # too short: the server explains
    page.get_by_role("button", name="Inscrire et continuer").click()
    page.wait_for_load_state()
    assert "Recopiez le numéro du document" in page.content()
    assert page.get_by_label("Adresse").input_value() == "3 rue Raymond Teisseire"  # nothing typed is lost
    assert_accessible(page)
    page.get_by_label("Numéro du document").fill("TS 123 456 789")
    page.get_by_role("button", name="Inscrire et continuer").click()
    page.wait_for_load_state()
    text = page.locator("main").inner_text()
    code = re.search(r"\b[A-Z2-9]{5}-[A-Z2-9]{5}\b", text)
    assert code and re.search(r"\bQP-[A-Z2-9]{6}\b", text), text
    assert page.get_by_role("button", name="Imprimer la fiche").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Continuer : faire signer la liste").click()
    page.wait_for_load_state()
    assert_accessible(page)
    page.goto("/compte/activer")
    assert_accessible(page)
    page.get_by_label("Le code écrit sur la fiche").fill(code.group(0))
    page.get_by_label("Choisissez un mot de passe").fill("un jardin sur le toit")
    page.get_by_label("Tapez encore le mot de passe").fill("un jardin sur le toit")
    page.get_by_role("button", name="Valider").click()
    page.wait_for_load_state()
    assert page.url.endswith("/compte")
    assert "votre mot de passe est enregistré" in page.content()
