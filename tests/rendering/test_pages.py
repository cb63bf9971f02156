from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/quartiers",
        "/quartiers?commune=13001",
        "/quartiers/QN01342I",
        "/journal",
        "/connexion",
        "/inscription",
    ],
)
def test_public_pages_render_in_french(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in response.text
    assert 'href="#contenu"' in response.text  # skip link


def test_unknown_page_is_a_french_404(client: TestClient) -> None:
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.text


def test_unknown_qpv_is_404(client: TestClient) -> None:
    assert client.get("/quartiers/QN99999Z").status_code == 404


def test_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    response = client.get("/connexion")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_qpv_map_links_every_marseille_qpv(client: TestClient) -> None:
    html = client.get("/quartiers").text
    assert html.count('<a href="/quartiers/QN013') >= 41 * 2  # map shape + list entry
    assert "<svg" in html and 'role="group"' in html


def test_htmx_request_gets_only_the_block(client: TestClient) -> None:
    full = client.get("/journal")
    fragment = client.get("/journal", headers={"HX-Request": "true"})
    assert "<html" in full.text
    assert "<html" not in fragment.text
    assert 'id="entries"' in fragment.text


def test_field_attributes_are_rendered_as_attributes(client: TestClient) -> None:
    html = client.get("/inscription").text
    assert 'inputmode="numeric" maxlength="4"' in html


def test_dates_show_in_paris_time_whether_or_not_the_database_kept_the_zone() -> None:
    from datetime import UTC, datetime

    from backend.rendering import fmt_date

    assert fmt_date(datetime(2026, 7, 14, 10, 5, tzinfo=UTC), True) == "14 juillet 2026 à 12 h 05"
    assert fmt_date(datetime(2026, 1, 3, 10, 5), True) == "3 janvier 2026 à 11 h 05"  # naive = UTC (SQLite)
    assert fmt_date("2026-11-22T23:30:00.000000Z") == "23 novembre 2026"


def test_language_cookie_sets_lang_and_direction(client: TestClient) -> None:
    client.cookies.set("lang", "ar")
    html = client.get("/").text
    assert '<html lang="ar" dir="rtl">' in html
    client.cookies.set("lang", "xx")
    assert '<html lang="fr" dir="ltr">' in client.get("/").text
