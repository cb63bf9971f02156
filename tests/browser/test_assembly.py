"""Assembly screens at phone size (390×844): volunteer registration works without a mouse or an
account, keeps what was typed on error, and axe finds no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from backend.assembly.demo import DONE_TITLE, OPEN_TITLE
from tests.browser.conftest import assert_accessible, login

pytestmark = pytest.mark.browser


def _open(page: Any, title: str) -> None:
    page.goto("/assemblee")
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()


def test_volunteer_registration(page: Any) -> None:
    _open(page, OPEN_TITLE)
    page.get_by_role("link", name="Je me porte volontaire").first.click()
    page.wait_for_url("**/participer")
    assert_accessible(page)

    page.get_by_label("Prénom et nom").fill("Samia Haddad")
    page.get_by_label("Téléphone").fill("06 98 76 54 32")
    page.get_by_label("Adresse", exact=True).fill("14 avenue de Frais Vallon, 13013 Marseille")
    page.get_by_label("Votre quartier").select_option(label="Frais Vallon")
    page.get_by_role("group", name="Vous êtes :").get_by_label("une femme").check()
    page.get_by_label("De quoi avez-vous besoin").fill("garde d'enfants le samedi")
    page.get_by_role("button", name="Je m'inscris").click()  # age and consent are missing

    alert = page.get_by_role("alert").first
    assert alert.inner_text().startswith("Il y a 2 points à corriger")  # both problems at once
    assert "Quel âge avez-vous" in alert.inner_text() and "Cochez la case" in alert.inner_text()
    assert page.get_by_label("Prénom et nom").input_value() == "Samia Haddad"
    assert page.get_by_label("De quoi avez-vous besoin").input_value() == "garde d'enfants le samedi"
    assert page.get_by_role("group", name="Vous êtes :").get_by_label("une femme").is_checked()
    assert_accessible(page)

    page.get_by_role("group", name="Quel âge avez-vous ?").get_by_label("30 à 44 ans").check()
    page.get_by_label("J'accepte que ces informations servent").check()
    page.get_by_role("button", name="Je m'inscris").click()
    page.wait_for_url("**/merci")
    assert "Votre inscription comme volontaire est enregistrée" in page.content()
    assert_accessible(page)


def test_volunteer_registration_with_the_keyboard_only(page: Any) -> None:
    _open(page, OPEN_TITLE)
    page.goto(page.url + "/participer")
    page.get_by_label("Code reçu par courrier").focus()
    page.keyboard.type("pas-un-code")
    page.keyboard.press("Enter")
    assert "aucune lettre" in page.get_by_role("alert").first.inner_text()
    assert page.get_by_label("Code reçu par courrier").input_value() == "pas-un-code"


@pytest.mark.parametrize("suffix", ["", "/tirage", "/avis", "/seances/1"])
def test_completed_assembly_pages(page: Any, suffix: str) -> None:
    _open(page, DONE_TITLE)
    page.goto(page.url + suffix)
    assert_accessible(page)


def test_completed_assembly_shows_draw_and_answers(page: Any) -> None:
    _open(page, DONE_TITLE)
    content = page.content()
    assert "Réponse du COPIL" in content and "non retenue" in content
    assert page.locator("svg.bars").count() == 4 and page.locator("table.compact").count() == 4
    page.get_by_role("link", name="Voir le tirage au sort public et le refaire soi-même").click()
    assert page.locator(".code-block").nth(1).inner_text().startswith("qp draw --categories")


AGENT, COPIL = "agent@demo.quartiers.fr", "copil@demo.quartiers.fr"


@pytest.mark.parametrize(
    ("title", "who", "suffix"),
    [
        (DONE_TITLE, AGENT, "/gestion"),
        (DONE_TITLE, AGENT, "/gestion/volontaires"),
        (DONE_TITLE, COPIL, "/reponses"),
        (DONE_TITLE, COPIL, "/reponses/1"),
        # a saisine still recruiting
        (OPEN_TITLE, COPIL, "/quotas"),
        (OPEN_TITLE, AGENT, "/gestion"),
        (OPEN_TITLE, AGENT, "/gestion/graine"),
        (OPEN_TITLE, AGENT, "/gestion/invitations"),
    ],
)
def test_staff_and_copil_pages(page: Any, title: str, who: str, suffix: str) -> None:
    login(page, who)
    _open(page, title)
    page.goto(page.url + suffix)
    assert_accessible(page)


def test_new_saisine_form(page: Any) -> None:
    login(page, "copil@demo.quartiers.fr")
    page.goto("/assemblee/nouvelle-saisine")
    assert_accessible(page)
