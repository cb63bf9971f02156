"""« Trouver mon quartier » on /quartiers: an address (Base Adresse Nationale, mocked at the HTTP
level) leads to its QPV's page, or to a clear message above the list of quartiers, which is always
there (grouped by commune name, without JavaScript)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.config import Settings
from backend.territory.finder import FindStatus, commune_code, find_quartier
from backend.territory.geocoder import BanGeocoder
from tests.factories import page_text

CORO = (43.3255, 5.4083)  # inside Malpassé Corot (QN01342I)
GARDE = (43.2840, 5.3713)  # Notre-Dame de la Garde: in Marseille, in no QPV


def ban(
    settings: Settings, lat: float, lon: float, score: float = 0.93, seen: list[str] | None = None
) -> BanGeocoder:
    body = {
        "features": [
            {
                "geometry": {"coordinates": [lon, lat]},
                "properties": {
                    "score": score,
                    "type": "housenumber",
                    "label": "1 rue Test 13013 Marseille",
                    "citycode": "13213",
                },
            }
        ]
    }

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(str(request.url))
        return httpx.Response(200, json=body)

    return BanGeocoder(settings.ban_url, transport=httpx.MockTransport(handler))


def answering(settings: Settings, status: int, body: object) -> BanGeocoder:
    return BanGeocoder(
        settings.ban_url, transport=httpx.MockTransport(lambda r: httpx.Response(status, json=body))
    )


def offline(settings: Settings) -> BanGeocoder:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    return BanGeocoder(settings.ban_url, transport=httpx.MockTransport(handler))


def assert_list_is_there(html: str) -> None:
    assert "La liste des quartiers" in html
    assert "Malpassé Corot" in html
    assert "Marseille — " in html  # groups named by commune (and secteur), never by INSEE code
    assert ">13055<" not in html


def test_an_address_in_a_qpv_goes_to_its_page(client: TestClient, app: FastAPI, settings: Settings) -> None:
    seen: list[str] = []
    app.state.geocoder = ban(settings, *CORO, seen=seen)
    response = client.get("/quartiers", params={"adresse": "1 rue Test Marseille"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/quartiers/QN01342I"
    assert seen and seen[0].startswith(settings.ban_url)
    assert "1+rue+Test+Marseille" in seen[0]


def test_an_address_outside_every_qpv_lists_the_nearest(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    app.state.geocoder = ban(settings, *GARDE)
    response = client.get("/quartiers", params={"adresse": "Rue Fort du Sanctuaire, Marseille"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Cette adresse n'est pas dans un quartier prioritaire" in text
    assert "Les quartiers prioritaires les plus proches" in text
    result = response.text.split('id="find-result"')[1].split("</div>")[0]
    assert result.count('<a href="/quartiers/QN') == 3
    assert "Marseille, à " in page_text(response)
    assert_list_is_there(response.text)


def test_nearest_are_the_communes_closest_first(session: Session, settings: Settings) -> None:
    search = find_quartier(session, ban(settings, *GARDE), "Rue Fort du Sanctuaire")
    assert search.status == FindStatus.outside
    assert [n.km for n in search.nearest] == sorted(n.km for n in search.nearest)
    assert all("13055" in n.qpv.commune_codes for n in search.nearest)
    assert 0 < search.nearest[0].km < 3


def test_arrondissement_codes_are_their_city(session: Session) -> None:
    assert commune_code("13213") == "13055"
    assert commune_code("69383") == "69123"
    assert commune_code("75111") == "75056"
    assert commune_code("13001") == "13001"


def test_an_unknown_address_says_so_and_keeps_the_list(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    app.state.geocoder = answering(settings, 200, {"features": []})
    response = client.get("/quartiers", params={"adresse": "zzzz qqqq"})
    assert response.status_code == 200
    assert "Nous n'avons pas trouvé cette adresse." in page_text(response)
    assert_list_is_there(response.text)


def test_an_unsure_address_says_so(client: TestClient, app: FastAPI, settings: Settings) -> None:
    app.state.geocoder = ban(settings, *CORO, score=0.3)
    response = client.get("/quartiers", params={"adresse": "Corot"})
    assert response.status_code == 200
    assert "Nous ne sommes pas sûrs de l'adresse trouvée." in page_text(response)
    assert_list_is_there(response.text)


def test_the_address_service_down_still_shows_the_list(
    client: TestClient, app: FastAPI, settings: Settings
) -> None:
    app.state.geocoder = offline(settings)
    response = client.get("/quartiers", params={"adresse": "12 avenue Corot, Marseille"})
    assert response.status_code == 200
    assert "Le service des adresses ne répond pas pour le moment." in page_text(response)
    assert 'value="12 avenue Corot, Marseille"' in response.text  # kept, to try again
    assert_list_is_there(response.text)


def test_the_page_without_a_search_has_the_form_and_the_list(client: TestClient) -> None:
    response = client.get("/quartiers")
    assert 'name="adresse"' in response.text
    assert 'id="find-result"' not in response.text
    assert_list_is_there(response.text)


def test_outlines_for_the_street_map(client: TestClient) -> None:
    one = client.get("/quartiers/contours.geojson", params={"quartier": "QN01342I"}).json()
    assert [f["properties"]["name"] for f in one["features"]] == ["Malpassé Corot"]
    assert len(one["features"][0]["bbox"]) == 4
    marseille = client.get("/quartiers/contours.geojson", params={"commune": "13055"}).json()
    assert len(marseille["features"]) == 41
    assert client.get("/quartiers/contours.geojson", params={"quartier": "nope"}).status_code == 404


def test_the_tile_host_is_allowed_for_images(client: TestClient, settings: Settings) -> None:
    csp = client.get("/quartiers").headers["content-security-policy"]
    img_src = next(part for part in csp.split(";") if part.strip().startswith("img-src"))
    assert settings.map_tile_origin == "https://data.geopf.fr"
    assert "https://data.geopf.fr" in img_src
    assert "script-src 'self';" in csp  # nothing else loosened
