"""The legal pages a French public body publishes answer, and every page's footer links to them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.factories import page_text

PAGES = {
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/accessibilite": "Déclaration d'accessibilité",
}


@pytest.mark.parametrize("url", list(PAGES))
def test_legal_pages_answer_and_are_linked_from_the_home_page(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200 and f"<h1>{PAGES[url]}</h1>" in page_text(response)
    assert f'href="{url}"' in client.get("/").text


def test_the_personal_data_page_gives_the_retention_periods(client: TestClient) -> None:
    text = page_text(client.get("/donnees-personnelles"))
    assert "effacée 60 jours après" in text and "61 jours après leur publication" in text
    assert "30 jours après son utilisation" in text and "CNIL" in text


def test_the_accessibility_statement_names_the_defenseur_des_droits(client: TestClient) -> None:
    text = page_text(client.get("/accessibilite"))
    assert "partiellement conforme" in text and "Défenseur des droits" in text and "axe" in text
