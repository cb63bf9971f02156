"""A point picker that works without JavaScript: the QPV perimeter drawn in a square SVG, with
a grid of radio buttons laid over it (one per cell touching the perimeter). The chosen cell's
centre becomes the proposal's location. Pure geometry, no database."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from backend.i18n import gettext as _

GRID = 10
SIZE = 400


@dataclass(frozen=True)
class Frame:
    """A square around a geometry, in degrees scaled by cos(latitude) on the x axis."""

    x0: float
    y1: float  # top (north) edge, in latitude
    side: float
    kx: float

    @classmethod
    def around(cls, geom: BaseGeometry, padding: float = 0.08) -> Frame:
        minx, miny, maxx, maxy = shapely.bounds(geom)
        kx = math.cos(math.radians((miny + maxy) / 2))
        width, height = (maxx - minx) * kx, maxy - miny
        side = max(width, height, 1e-6) * (1 + padding)
        cx, cy = (minx + maxx) / 2 * kx, (miny + maxy) / 2
        return cls(cx - side / 2, cy + side / 2, side, kx)

    def to_svg(self, lon: float, lat: float, size: int = SIZE) -> tuple[float, float]:
        return ((lon * self.kx - self.x0) / self.side * size, (self.y1 - lat) / self.side * size)

    def cell_box(self, row: int, col: int, grid: int = GRID) -> BaseGeometry:
        step = self.side / grid
        west = (self.x0 + col * step) / self.kx
        east = (self.x0 + (col + 1) * step) / self.kx
        north = self.y1 - row * step
        return box(west, north - step, east, north)

    def cell_center(self, row: int, col: int, grid: int = GRID) -> tuple[float, float]:
        """(lat, lon) of a cell's centre."""
        step = self.side / grid
        lon = (self.x0 + (col + 0.5) * step) / self.kx
        lat = self.y1 - (row + 0.5) * step
        return lat, lon

    def cell_of(self, lat: float, lon: float, grid: int = GRID) -> tuple[int, int] | None:
        step = self.side / grid
        col = math.floor((lon * self.kx - self.x0) / step)
        row = math.floor((self.y1 - lat) / step)
        return (row, col) if 0 <= row < grid and 0 <= col < grid else None


@dataclass(frozen=True)
class Cell:
    row: int
    col: int
    value: str  # "row-col", the radio value
    label: str
    active: bool  # touches the perimeter


@dataclass(frozen=True)
class Picker:
    size: int
    path: str
    cells: list[Cell]  # every position, row by row (inactive ones are blank)
    marker: tuple[float, float] | None  # SVG coordinates of the chosen point


def _compass(row: int, col: int, grid: int) -> str:
    third = grid / 3
    north_south = _("nord") if row < third else (_("sud") if row >= 2 * third else "")
    east_west = _("ouest") if col < third else (_("est") if col >= 2 * third else "")
    if north_south and east_west:
        return f"{north_south}-{east_west}"
    return north_south or east_west or _("centre")


def _path(geom: BaseGeometry, frame: Frame) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            points = [frame.to_svg(x, y) for x, y in ring.coords]
            if len(points) < 3:
                continue
            parts.append(
                f"M{points[0][0]:.1f} {points[0][1]:.1f}"
                + "".join(f"L{x:.1f} {y:.1f}" for x, y in points[1:-1])
                + "Z"
            )
    return "".join(parts)


def picker(geom: BaseGeometry, chosen: tuple[float, float] | None = None, grid: int = GRID) -> Picker:
    """The picker for one perimeter; `chosen` is the current (lat, lon), if any."""
    frame = Frame.around(geom)
    simple = geom.simplify(frame.side / SIZE / 3, preserve_topology=True)
    shapely.prepare(geom)
    cells = []
    for row in range(grid):
        for col in range(grid):
            active = bool(geom.intersects(frame.cell_box(row, col, grid)))
            label = _("Zone %(zone)s, case %(n)d") % {
                "zone": _compass(row, col, grid),
                "n": row * grid + col + 1,
            }
            cells.append(Cell(row, col, f"{row}-{col}", label, active))
    marker = frame.to_svg(chosen[1], chosen[0]) if chosen else None
    return Picker(SIZE, _path(simple, frame), cells, marker)


def point_from_cell(geom: BaseGeometry, value: str, grid: int = GRID) -> tuple[float, float] | None:
    """(lat, lon) for a radio value "row-col"; None for an empty or malformed value."""
    try:
        row_text, col_text = value.split("-")
        row, col = int(row_text), int(col_text)
    except ValueError:
        return None
    if not (0 <= row < grid and 0 <= col < grid):
        return None
    return Frame.around(geom).cell_center(row, col, grid)


def cell_value(geom: BaseGeometry, lat: float | None, lon: float | None, grid: int = GRID) -> str:
    """The radio value of a stored point ("" when there is none or it is off the frame)."""
    if lat is None or lon is None:
        return ""
    cell = Frame.around(geom).cell_of(lat, lon, grid)
    return f"{cell[0]}-{cell[1]}" if cell else ""
