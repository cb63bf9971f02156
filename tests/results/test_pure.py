"""Pure parts: age bands and gaps, chart geometry, the rules of a follow-up."""

from __future__ import annotations

import pytest

from backend.errors import Invalid
from backend.results import bands
from backend.results.charts import WIDTH, bar_chart, compare_chart, short
from backend.results.service import Update, validate_update


@pytest.mark.parametrize(
    ("birth", "band"),
    [(2012, "0-15"), (2010, "16-18"), (2008, "16-18"), (2007, "19-29"), (1982, "30-44"), (1981, "45-59"),
     (1952, "60-74"), (1951, "75+"), (1920, "75+"), (None, "inconnu"), (0, "inconnu"), (2030, "inconnu")],
)  # fmt: skip
def test_band_of_counts_the_age_reached_that_year(birth: int | None, band: str) -> None:
    assert bands.band_of(birth, 2026) == band


def test_count_bands_and_gaps() -> None:
    counts = bands.count_bands({1990: 3, 2010: 1, 0: 2, 2015: 4}, 2026)
    assert counts["30-44"] == 3 and counts["16-18"] == 1 and counts["inconnu"] == 2 and counts["0-15"] == 4
    rows = {r.key: r for r in bands.age_gaps(counts)}
    # Shares among the 4 people aged 16+; under-16s and unknown ages are shown, not compared.
    assert rows["30-44"].share == 0.75 and rows["16-18"].share == 0.25
    assert rows["0-15"].share is None and rows["inconnu"].reference is None
    assert rows["75+"].gap == pytest.approx(-0.09)
    assert sum(bands.REFERENCE_16_PLUS.values()) == pytest.approx(1.0)
    assert bands.age_gaps(dict.fromkeys(bands.BAND_KEYS, 0))[0].share is None  # nobody: no division by zero


def test_gap_text_and_rate() -> None:
    assert [bands.gap_text(g) for g in (0.041, -0.12, 0.001, None)] == ["+4", "−12", "0", "—"]
    assert bands.rate(3, 0) is None and bands.rate(None, 10) is None and bands.rate(1, 4) == 0.25


def test_bar_chart_scales_to_the_largest_value() -> None:
    chart = bar_chart("c", "Titre", [("A", 2.0, "2"), ("B", 1.0, "1"), ("C", 0.0, "0")])
    widths = [row.bars[0].width for row in chart.rows]
    assert (
        widths[0] == pytest.approx(WIDTH - 72)
        and widths[1] == pytest.approx(widths[0] / 2)
        and widths[2] == 0
    )
    assert (
        chart.rows[1].label_y > chart.rows[0].bars[0].y
    )  # each label sits on its own line, below the bar above
    assert chart.height > 0 and bar_chart("e", "Vide", []).height == 1.0


def test_compare_chart_keeps_rows_for_missing_values() -> None:
    chart = compare_chart(
        "c", "T", [("A", 0.5, 0.25, "50 %", "25 %"), ("B", None, 0.5, "—", "50 %")], ("x", "y")
    )
    assert [len(r.bars) for r in chart.rows] == [2, 2]
    assert chart.rows[1].bars[0].width == 0 and chart.rows[0].bars[0].width == chart.rows[1].bars[1].width
    assert [b.series for b in chart.rows[0].bars] == [0, 1] and chart.legend == ("x", "y")


def test_long_labels_are_cut_in_charts_only() -> None:
    assert short("Saint-Barthélémy - Le Clos - Flamants - Iris - Font Vert").endswith("…")
    assert len(short("x" * 100)) == 40 and short("Court") == "Court"


def test_follow_up_rules() -> None:
    assert validate_update(Update("livre", 40, " Direction  des parcs ")).progress == 100
    assert validate_update(Update("livre", 40, " Direction  des parcs ")).service == "Direction des parcs"
    with pytest.raises(Invalid) as exc:
        validate_update(Update("abandonne", 0, "", "Non."))
    assert exc.value.field == "reason"
    with pytest.raises(Invalid):
        validate_update(Update("travaux", 101, ""))
    with pytest.raises(Invalid):
        validate_update(Update("fini", 10, ""))
    assert validate_update(Update("abandonne", 0, "", "Le terrain n'est pas à la Ville.")).reason
