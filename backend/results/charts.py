"""Server-rendered SVG charts: geometry as pure functions, drawn by `templates/results/_charts.html`.

Each chart is narrow (320 units wide, labels on their own line above each bar) so that it stays
readable on a 390 px phone without scaling text down, and is always followed by its data table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 320
LABEL_H = 20  # a label line above the bar
BAR_H = 14
GAP = 10
TEXT_W = 72  # room kept right of the longest bar for its value


@dataclass(frozen=True)
class Bar:
    y: float
    width: float
    height: float
    series: int  # 0: participants, 1: population (a second colour and a pattern)
    text: str


@dataclass(frozen=True)
class Row:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    rows: tuple[Row, ...]
    height: float
    legend: tuple[str, ...] = ()
    width: int = WIDTH
    text_x_pad: int = 4
    extra: dict[str, str] = field(default_factory=dict)


def short(label: str, limit: int = 40) -> str:
    """Labels longer than a phone line are cut in the chart (the data table keeps them whole)."""
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _scale(values: Sequence[float]) -> float:
    top = max((v for v in values if v is not None), default=0.0)
    return (WIDTH - TEXT_W) / top if top > 0 else 0.0


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float, str]]) -> Chart:
    """One bar per item: (label, value, value as text)."""
    scale = _scale([v for _label, v, _text in items])
    rows = []
    y = 0.0
    for label, value, text in items:
        label_y = y + LABEL_H - 6
        bar = Bar(y=y + LABEL_H, width=max(value * scale, 0.0), height=BAR_H, series=0, text=text)
        rows.append(Row(label=short(label), label_y=label_y, bars=(bar,)))
        y += LABEL_H + BAR_H + GAP
    return Chart(id=chart_id, title=title, rows=tuple(rows), height=max(y, 1.0))


def compare_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float | None, float | None, str, str]],
    legend: tuple[str, str],
) -> Chart:
    """Two bars per item, participants then population: (label, a, b, a as text, b as text).
    A missing value draws no bar but keeps its row, so the table and the chart line up."""
    scale = _scale([v for _l, a, b, _ta, _tb in items for v in (a, b) if v is not None])
    rows = []
    y = 0.0
    for label, a, b, text_a, text_b in items:
        bars = []
        top = y + LABEL_H
        for series, (value, text) in enumerate(((a, text_a), (b, text_b))):
            bars.append(
                Bar(
                    y=top + series * (BAR_H + 2),
                    width=(value or 0.0) * scale,
                    height=BAR_H,
                    series=series,
                    text=text,
                )
            )
        rows.append(Row(label=short(label), label_y=y + LABEL_H - 6, bars=tuple(bars)))
        y += LABEL_H + 2 * BAR_H + 2 + GAP
    return Chart(id=chart_id, title=title, rows=tuple(rows), height=max(y, 1.0), legend=legend)
