"""Compressed responses (gzip, not for tiny ones, streaming kept) and static files under
content-hashed URLs, cached for a year."""

from __future__ import annotations

import gzip
import json
import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from backend import rendering
from backend.accounts.security import csrf_valid
from backend.config import ROOT
from backend.rendering import static_url
from tests.conftest import session_data

GZIP = {"Accept-Encoding": "gzip"}
HTMX = ROOT / "static" / "js" / "htmx.min.js"


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """The response as sent, before the client decodes the gzip body."""
    with client.stream("GET", url, headers=headers) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, dict(response.headers), body


def test_htmx_is_sent_compressed_and_cached_for_a_year(client: TestClient) -> None:
    url = static_url("js/htmx.min.js")
    assert re.fullmatch(r"/static/js/htmx\.min\.js\?v=[0-9a-f]{10}", url)
    status, headers, body = raw_get(client, url, GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == HTMX.read_bytes()
    assert len(body) < HTMX.stat().st_size / 2
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in headers["vary"]
    # nosniff, but not the document's headers (~250 bytes on every file).
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in headers and "x-frame-options" not in headers
    # Without gzip in Accept-Encoding, the plain file.
    status, headers, body = raw_get(client, url, {"Accept-Encoding": "identity"})
    assert status == 200 and "content-encoding" not in headers and body == HTMX.read_bytes()


def test_unversioned_or_stale_urls_are_cached_briefly(client: TestClient) -> None:
    for url in ("/static/js/htmx.min.js", "/static/js/htmx.min.js?v=0123456789"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=600", url
    assert client.get("/static/js/nothing.js").status_code == 404


def test_every_static_reference_is_versioned(client: TestClient) -> None:
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"""["'(]/static/""", text), f"{template}: use static_url()"
    client.cookies.clear()
    pages = [client.get(url).text for url in ("/", "/quartiers", "/budget-participatif", "/open-data")]
    refs = [ref for page in pages for ref in re.findall(r'(?:href|src)="(/static/[^"]+)"', page)]
    assert "/static/css/app.css" in {ref.partition("?")[0] for ref in refs}
    for ref in refs:
        path, _, version = ref.partition("?v=")
        assert re.fullmatch(r"[0-9a-f]{10}", version), ref
        assert client.get(ref).headers["cache-control"].endswith("immutable"), ref


def test_a_changed_file_gets_a_new_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rendering, "STATIC_DIR", tmp_path)
    (tmp_path / "css").mkdir()
    css = tmp_path / "css" / "site.css"
    css.write_text("body { color: black }", encoding="utf-8")
    before = static_url("css/site.css")
    assert static_url("css/site.css") == before
    css.write_text("body { color: navy }", encoding="utf-8")
    stat = css.stat()
    os.utime(css, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a coarse clock
    after = static_url("css/site.css")
    assert after != before and after.startswith("/static/css/site.css?v=")


def test_a_big_page_is_compressed_on_a_first_visit(client: TestClient) -> None:
    client.cookies.clear()
    status, headers, body = raw_get(client, "/quartiers", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    page = gzip.decompress(body)
    assert b"<svg" in page and len(body) < len(page) / 2
    # The security headers and the page's Vary are kept, Accept-Encoding added.
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store"
    assert {"Cookie", "HX-Request", "Accept-Encoding"} <= {v.strip() for v in headers["vary"].split(",")}


def test_pages_of_a_session_are_compressed_with_a_token_masked_afresh(client: TestClient) -> None:
    """A page holding the session's CSRF token is compressed, its token masked differently in
    every response (BREACH cannot read it from the sizes); each masked token is accepted."""
    client.get("/connexion")
    assert "qp_session" in client.cookies
    secret = session_data(client)["csrf"]
    tokens = []
    for _ in range(2):
        status, headers, body = raw_get(client, "/quartiers", GZIP)
        assert status == 200 and headers["content-encoding"] == "gzip"
        page = gzip.decompress(body).decode()
        assert b"<svg" in page.encode() and secret not in page
        tokens += re.findall(r'"X-CSRF-Token": "([^"]+)"', page)
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    request = Request({"type": "http", "session": {"csrf": secret}})
    assert all(csrf_valid(request, token) for token in [*tokens, secret])
    forged = tokens[0][:-8] + ("A" * 8 if not tokens[0].endswith("A" * 8) else "B" * 8)
    assert not any(csrf_valid(request, token) for token in (forged, tokens[0][:-4], "", "é" * 8))
    assert client.post("/deconnexion", data={"csrf_token": forged}, follow_redirects=False).status_code == 403
    assert (
        client.post("/deconnexion", data={"csrf_token": tokens[1]}, follow_redirects=False).status_code == 303
    )
    status, headers, body = raw_get(client, "/open-data/quartiers.csv", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).startswith(b"code_qpv,")


def test_streaming_and_small_responses(client: TestClient) -> None:
    plain = client.get("/journal.json", headers={"Accept-Encoding": "identity"})
    status, headers, body = raw_get(client, "/journal.json", GZIP)
    assert status == 200 and headers["content-encoding"] == "gzip" and "content-length" not in headers
    assert json.loads(gzip.decompress(body)) == plain.json()
    status, headers, body = raw_get(client, "/healthz", GZIP)
    assert status == 200 and "content-encoding" not in headers and json.loads(body) == {"status": "ok"}
    # Spreadsheets are zip archives already.
    status, headers, _ = raw_get(client, "/open-data/quartiers.xlsx", GZIP)
    assert status == 200 and "content-encoding" not in headers


HTMX_ATTRIBUTE = re.compile(r"\shx-(?:get|post|put|delete|patch)=")


def test_htmx_is_loaded_only_by_the_pages_that_use_it(client: TestClient) -> None:
    """htmx is most of a page's weight on a slow network: a page without hx- attributes skips it."""
    templates = ROOT / "templates"

    def loads_htmx(text: str) -> bool:  # itself, or the layout it extends
        layout = re.match(r'\{% extends "([^"]+)" %\}', text)
        own = "{% set uses_htmx = true %}" in text or "js/htmx.min.js" in text
        return own or bool(layout and loads_htmx((templates / layout.group(1)).read_text(encoding="utf-8")))

    for template in templates.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if HTMX_ATTRIBUTE.search(text):
            assert loads_htmx(text), f"{template} has hx- attributes: add {{% set uses_htmx = true %}}"
    client.cookies.clear()
    for url in ("/", "/quartiers", "/connexion", "/inscription", "/fph"):
        page = client.get(url).text
        assert "htmx.min.js" not in page and not HTMX_ATTRIBUTE.search(page), url
    journal = client.get("/journal").text
    assert HTMX_ATTRIBUTE.search(journal) and static_url("js/htmx.min.js") in journal
    assert journal.count("htmx.min.js") == 1
