"""Base Adresse Nationale client: address → point, or an honest "don't know".

GET https://api-adresse.data.gouv.fr/search/?q=...&limit=1 answers GeoCodeJSON: a
FeatureCollection whose best feature has `geometry.coordinates` [lon, lat] and
`properties.score` in 0..1. Unreachable, slow, malformed or low-score answers all fall
back to "declared, to be verified" upstream; this client never raises for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import httpx


class GeocodeStatus(StrEnum):
    found = "found"
    unsure = "unsure"  # an answer, but below the score threshold or not an address
    not_found = "not_found"
    unreachable = "unreachable"


@dataclass(frozen=True)
class GeocodeResult:
    status: GeocodeStatus
    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    score: float | None = None
    citycode: str | None = None


class BanGeocoder:
    def __init__(
        self,
        url: str = "https://api-adresse.data.gouv.fr/search/",
        *,
        timeout_s: float = 3.0,
        min_score: float = 0.6,
        retries: int = 1,
        transport: httpx.BaseTransport | None = None,
    ):
        self.url = url
        self.min_score = min_score
        self.retries = retries
        self.client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)

    def close(self) -> None:
        self.client.close()

    def geocode(self, address: str, postcode: str | None = None) -> GeocodeResult:
        """Best match for a French address; never raises for network or data problems."""
        query = " ".join(address.split())
        if len(query) < 3:
            return GeocodeResult(GeocodeStatus.not_found)
        params = {"q": query[:200], "limit": "1"}
        if postcode:
            params["postcode"] = postcode
        response = None
        for _attempt in range(self.retries + 1):
            try:
                response = self.client.get(self.url, params=params)
            except httpx.HTTPError:
                response = None
                continue
            if response.status_code < 500 and response.status_code != 429:
                break
        if response is None or response.status_code != 200:
            return GeocodeResult(GeocodeStatus.unreachable)
        return self._parse(response)

    def _parse(self, response: httpx.Response) -> GeocodeResult:
        try:
            features = response.json().get("features") or []
            if not features:
                return GeocodeResult(GeocodeStatus.not_found)
            best = features[0]
            lon, lat = best["geometry"]["coordinates"][:2]
            props = best.get("properties") or {}
            score = float(props.get("score", 0))
            result = GeocodeResult(
                GeocodeStatus.found, float(lat), float(lon), props.get("label"), score, props.get("citycode")
            )
        except (ValueError, KeyError, TypeError, IndexError, AttributeError):
            return GeocodeResult(GeocodeStatus.unreachable)
        # A street or town match is too coarse to place someone inside or outside a QPV.
        precise = props.get("type") in (None, "housenumber", "locality")
        if score < self.min_score or not precise:
            return GeocodeResult(
                GeocodeStatus.unsure, result.lat, result.lon, result.label, score, result.citycode
            )
        return result
