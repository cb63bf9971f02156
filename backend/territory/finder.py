"""« Trouver mon quartier »: an address, geocoded with the Base Adresse Nationale, to the QPV that
contains it, or the nearest QPV of its commune when it is outside every QPV."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

import shapely
from shapely.geometry import Point
from sqlmodel import Session

from backend.territory.geo import parse_geometry
from backend.territory.geocoder import BanGeocoder, GeocodeStatus
from backend.territory.models import Qpv
from backend.territory.service import get_qpv, list_qpv, locator

NEAREST_SHOWN = 3
KM_PER_DEGREE = 111.32
# The BAN names an arrondissement of Paris, Lyon or Marseille by its own code; QPV name the city.
ARRONDISSEMENTS = (("751", "75056"), ("6938", "69123"), ("132", "13055"))


class FindStatus(StrEnum):
    in_qpv = "in_qpv"
    outside = "outside"  # a precise address, in no QPV
    unsure = "unsure"  # the BAN answered, but not precisely enough to tell
    not_found = "not_found"
    unreachable = "unreachable"  # the BAN did not answer, or checking is switched off


@dataclass(frozen=True)
class Nearby:
    qpv: Qpv
    km: float


@dataclass(frozen=True)
class QuartierSearch:
    status: FindStatus
    address: str
    label: str | None = None  # the address the BAN found
    qpv: Qpv | None = None
    nearest: list[Nearby] = field(default_factory=list)


def commune_code(citycode: str) -> str:
    """The INSEE code QPV are filed under (a city's, for an arrondissement's)."""
    for prefix, city in ARRONDISSEMENTS:
        if citycode.startswith(prefix) and len(citycode) == 5:
            return city
    return citycode


def nearest_qpvs(session: Session, lat: float, lon: float, citycode: str | None) -> list[Nearby]:
    """The commune's QPV nearest to the point (every QPV if the commune has none), closest first."""
    candidates = list_qpv(session, commune_code(citycode)) if citycode else []
    candidates = candidates or list_qpv(session)
    kx = math.cos(math.radians(lat))

    def km(qpv: Qpv) -> float:
        # Degrees of longitude shrink with latitude: scale them before measuring, as svg_map does.
        geom = shapely.transform(parse_geometry(qpv.geometry), lambda xy: xy * [kx, 1.0])
        return float(geom.distance(Point(lon * kx, lat))) * KM_PER_DEGREE

    ranked = sorted((Nearby(q, km(q)) for q in candidates), key=lambda n: n.km)
    return ranked[:NEAREST_SHOWN]


def find_quartier(session: Session, geocoder: BanGeocoder | None, address: str) -> QuartierSearch:
    """Which QPV an address is in; never raises for the geocoder's problems (they become a status)."""
    address = " ".join(address.split())
    if geocoder is None:
        return QuartierSearch(FindStatus.unreachable, address)
    result = geocoder.geocode(address)
    if result.status != GeocodeStatus.found:
        return QuartierSearch(FindStatus(result.status.value), address, result.label)
    assert result.lat is not None and result.lon is not None
    code = locator(session).locate(result.lat, result.lon)
    if code is not None:
        return QuartierSearch(FindStatus.in_qpv, address, result.label, get_qpv(session, code))
    nearest = nearest_qpvs(session, result.lat, result.lon, result.citycode)
    return QuartierSearch(FindStatus.outside, address, result.label, nearest=nearest)
