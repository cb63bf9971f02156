"""Point-in-QPV on the real perimeters (pure, no database) and the SVG drawing."""

from __future__ import annotations

import json
from functools import lru_cache

import pytest

from backend.territory.geo import QpvLocator, parse_geometry, svg_map
from backend.territory.importer import parse_qpv_geojson

DATA = __import__("backend.demo", fromlist=["DATA"]).DATA


@lru_cache(maxsize=1)
def real_locator() -> QpvLocator:
    parsed = parse_qpv_geojson((DATA / "qpv-paca.geojson").read_bytes())
    return QpvLocator((p.code, parse_geometry(p.geometry)) for p in parsed)


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (43.3255, 5.4083, "QN01342I"),  # Malpassé Corot
        (43.2840, 5.3713, None),  # Notre-Dame de la Garde
        (43.2950, 5.3745, "QN01330M"),  # Vieux-Port quay, Centre Ville 1er et 2e
    ],
)
def test_point_in_qpv_on_real_perimeters(lat: float, lon: float, expected: str | None) -> None:
    assert real_locator().locate(lat, lon) == expected


def test_locator_covers_the_region() -> None:
    assert len(real_locator()) == 135


def test_locator_does_not_confuse_latitude_and_longitude() -> None:
    # (5.4083, 43.3255) swapped is in the sea south of Africa.
    assert real_locator().locate(5.4083, 43.3255) is None


def test_svg_map_draws_every_perimeter_inside_the_box() -> None:
    parsed = [p for p in parse_qpv_geojson((DATA / "qpv-paca.geojson").read_bytes()) if "13055" in p.communes]
    drawing = svg_map([(p.code, p.name, parse_geometry(p.geometry)) for p in parsed], width=1000)
    assert len(drawing.shapes) == 41
    numbers = [
        float(n)
        for s in drawing.shapes
        for n in s.path.replace("M", " ").replace("L", " ").replace("Z", " ").split()
    ]
    assert min(numbers) >= 0
    xs = numbers[0::2]
    assert max(xs) <= 1000
    assert all(s.path.startswith("M") and s.path.endswith("Z") for s in drawing.shapes)


def test_parse_geometry_rejects_points() -> None:
    with pytest.raises(ValueError):
        parse_geometry(json.dumps({"type": "Point", "coordinates": [5.4, 43.3]}))
