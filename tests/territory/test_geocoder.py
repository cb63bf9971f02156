"""BAN client: answers, low scores, retries and outages — always through httpx.MockTransport."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.territory.geocoder import BanGeocoder, GeocodeStatus


def answer(
    score: float = 0.92, kind: str = "housenumber", lon: float = 5.4083, lat: float = 43.3255
) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "label": "12 Avenue Corot 13013 Marseille",
                    "score": score,
                    "type": kind,
                    "citycode": "13213",
                },
            }
        ],
    }


def geocoder(handler, **kwargs) -> BanGeocoder:  # type: ignore[no-untyped-def]
    return BanGeocoder("https://api-adresse.test/search/", transport=httpx.MockTransport(handler), **kwargs)


def test_confident_answer_is_found_and_sends_the_query() -> None:
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer())

    result = geocoder(handler).geocode("12  avenue Corot,   Marseille")
    assert result.status == GeocodeStatus.found
    assert (result.lat, result.lon) == (43.3255, 5.4083)
    assert seen[0].url.params["q"] == "12 avenue Corot, Marseille"
    assert seen[0].url.params["limit"] == "1"


@pytest.mark.parametrize(("score", "kind"), [(0.4, "housenumber"), (0.95, "street"), (0.95, "municipality")])
def test_low_score_or_coarse_match_is_unsure(score: float, kind: str) -> None:
    result = geocoder(lambda r: httpx.Response(200, json=answer(score, kind))).geocode("avenue Corot")
    assert result.status == GeocodeStatus.unsure


def test_no_feature_is_not_found() -> None:
    result = geocoder(lambda r: httpx.Response(200, json={"features": []})).geocode("nulle part")
    assert result.status == GeocodeStatus.not_found


def test_timeout_is_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    assert geocoder(handler).geocode("12 avenue Corot").status == GeocodeStatus.unreachable


def test_malformed_answer_is_unreachable() -> None:
    result = geocoder(lambda r: httpx.Response(200, content=b"<html>maintenance</html>")).geocode(
        "12 avenue Corot"
    )
    assert result.status == GeocodeStatus.unreachable


@pytest.mark.parametrize(
    ("statuses", "expected", "calls"),
    [
        pytest.param([503, 200], GeocodeStatus.found, 2, id="one retry after a server error"),
        pytest.param([502, 502], GeocodeStatus.unreachable, 2, id="gives up after the retry"),
        pytest.param([400], GeocodeStatus.unreachable, 1, id="a client error is not retried"),
    ],
)
def test_retries(statuses: list[int], expected: GeocodeStatus, calls: int) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[len(seen) - 1]
        return httpx.Response(status, json=answer()) if status == 200 else httpx.Response(status)

    assert geocoder(handler).geocode("12 avenue Corot").status == expected
    assert len(seen) == calls
