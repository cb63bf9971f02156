"""Pure geometry: point-in-QPV lookup and SVG drawing of perimeters (no tile server)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree


def parse_geometry(geojson: str | dict[str, Any]) -> BaseGeometry:
    """A GeoJSON (Multi)Polygon as a valid shapely geometry."""
    data = json.loads(geojson) if isinstance(geojson, str) else geojson
    geom = shape(data)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"géométrie {geom.geom_type} : un polygone ou multipolygone est attendu")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


class QpvLocator:
    """Which QPV contains a point. STRtree on bounding boxes, prepared geometries for the exact test."""

    def __init__(self, perimeters: Iterable[tuple[str, BaseGeometry]]):
        items = list(perimeters)
        self.codes = [code for code, _ in items]
        self.geoms = [geom for _, geom in items]
        for geom in self.geoms:
            shapely.prepare(geom)
        self.tree = STRtree(self.geoms)

    def __len__(self) -> int:
        return len(self.codes)

    def locate(self, lat: float, lon: float) -> str | None:
        """The code of the QPV containing (lat, lon), or None. GeoJSON order is (lon, lat)."""
        point = Point(lon, lat)
        for index in self.tree.query(point, predicate="intersects"):
            return self.codes[int(index)]
        return None


@dataclass(frozen=True)
class SvgShape:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class SvgMap:
    width: int
    height: int
    shapes: list[SvgShape]


def _ring_path(
    coords: Sequence[tuple[float, float]], project: Callable[[float, float], tuple[float, float]]
) -> str:
    points = [project(x, y) for x, y in coords]
    if len(points) < 3:
        return ""
    head = f"M{points[0][0]:.1f} {points[0][1]:.1f}"
    body = "".join(f"L{x:.1f} {y:.1f}" for x, y in points[1:-1])
    return head + body + "Z"


def svg_map(items: Sequence[tuple[str, str, BaseGeometry]], width: int = 1000, margin: int = 8) -> SvgMap:
    """Project perimeters (code, name, geometry) into an SVG box of the given width.

    Equirectangular projection scaled by cos(latitude): at the scale of a city it is
    indistinguishable from Web Mercator and needs no library. Shapes are simplified to
    about a third of a pixel so the page stays light on a phone.
    """
    if not items:
        return SvgMap(width, width // 2, [])
    minx, miny, maxx, maxy = shapely.total_bounds([geom for _, _, geom in items])
    kx = math.cos(math.radians((miny + maxy) / 2))
    span_x = max((maxx - minx) * kx, 1e-9)
    span_y = max(maxy - miny, 1e-9)
    scale = (width - 2 * margin) / span_x
    height = int(span_y * scale + 2 * margin)

    def project(x: float, y: float) -> tuple[float, float]:
        return (margin + (x - minx) * kx * scale, margin + (maxy - y) * scale)

    tolerance = 0.35 / scale
    shapes = []
    for code, name, geom in items:
        simple = geom.simplify(tolerance, preserve_topology=True)
        polygons = list(getattr(simple, "geoms", [simple]))
        parts = []
        for poly in polygons:
            if poly.is_empty:
                continue
            parts.append(_ring_path(list(poly.exterior.coords), project))
            parts.extend(_ring_path(list(ring.coords), project) for ring in poly.interiors)
        anchor = geom.representative_point()
        lx, ly = project(anchor.x, anchor.y)
        shapes.append(SvgShape(code, name, "".join(parts), round(lx, 1), round(ly, 1)))
    return SvgMap(width, height, shapes)


def geojson_outlines(
    items: Sequence[tuple[str, str, BaseGeometry]], tolerance: float = 5e-5
) -> dict[str, Any]:
    """Perimeters (code, name, geometry) as a light GeoJSON FeatureCollection for the street map:
    simplified to about 5 m and rounded to about 1 m, so that a commune's QPV weigh a few kB."""
    features = []
    for code, name, geom in items:
        simple = shapely.set_precision(geom.simplify(tolerance, preserve_topology=True), 1e-5)
        features.append(
            {
                "type": "Feature",
                # The exact bounds: the proposal form's picker draws its grid from them (budget.mapgrid).
                "bbox": [round(v, 7) for v in geom.bounds],
                "properties": {"code": code, "name": name},
                "geometry": mapping(simple),
            }
        )
    return {"type": "FeatureCollection", "features": features}
