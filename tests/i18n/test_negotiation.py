"""The request's language: the cookie the switch sets, else Accept-Language, else French."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from backend import i18n
from backend.pages import local_path


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("ar-MA,ar;q=0.9,fr;q=0.8", None, "ar"),
        ("en-GB", None, "en"),
        ("en-GB,en;q=0.9", None, "en"),
        ("de-DE,de;q=0.9,en;q=0.5", None, "en"),
        ("fr;q=0.2,en;q=0.8", None, "en"),  # by weight, not by order
        ("en;q=0,ar", None, "ar"),  # q=0: not this one
        ("*", None, "fr"),
        ("", None, "fr"),
        (None, None, "fr"),
        ("garbage;;q=abc,,;=,\u00e9\u00e9", None, "fr"),
        ("zz, x-klingon", None, "fr"),
        ("ar", "en", "en"),  # the explicit choice wins
        ("en", "xx", "en"),  # an unknown cookie is ignored
    ],
)
def test_negotiate(header: str | None, cookie: str | None, expected: str) -> None:
    assert i18n.negotiate(header, cookie) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/quartiers?page=2", "/quartiers?page=2"),
        ("/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_local_paths(target: str | None, expected: str) -> None:
    assert local_path(target) == expected


def test_the_switch_sets_the_cookie_and_comes_back(client: TestClient) -> None:
    response = client.get("/langue/ar", params={"next": "/quartiers?page=2"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/quartiers?page=2"
    set_cookie = response.headers["set-cookie"].lower()
    assert "lang=ar" in set_cookie and "max-age=31536000" in set_cookie and "samesite=lax" in set_cookie
    page = client.get("/quartiers")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert page.headers["content-language"] == "ar"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_the_switch_refuses_open_redirects(client: TestClient, target: str) -> None:
    response = client.get("/langue/en", params={"next": target}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_an_unknown_language_changes_nothing(client: TestClient) -> None:
    response = client.get("/langue/xx", params={"next": "/quartiers"}, follow_redirects=False)
    assert response.headers["location"] == "/quartiers" and "set-cookie" not in response.headers


def test_first_visit_follows_accept_language(client: TestClient) -> None:
    client.cookies.clear()
    page = client.get("/", headers={"Accept-Language": "ar-MA,ar;q=0.9"})
    assert '<html lang="ar" dir="rtl">' in page.text and page.headers["content-language"] == "ar"
    vary = {v.strip() for v in page.headers["vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    page = client.get("/", headers={"Accept-Language": "en-GB"})
    assert '<html lang="en" dir="ltr">' in page.text


def test_every_page_has_the_switch(client: TestClient) -> None:
    page = client.get("/quartiers", params={"page": "1"}).text
    assert 'href="/langue/ar?next=/quartiers%3Fpage%3D1" lang="ar" hreflang="ar"' in page
    assert 'lang="en" hreflang="en"' in page and 'lang="fr" hreflang="fr"' in page
    assert "العربية" in page and "English" in page and "Français" in page


def test_using_renders_in_another_language_then_comes_back() -> None:
    with i18n.using("ar") as locale:
        assert locale == "ar" and i18n.get_locale() == "ar" and i18n.text_direction() == "rtl"
        with i18n.using("nope"):
            assert i18n.get_locale() == "fr"
    assert i18n.get_locale() == "fr"
