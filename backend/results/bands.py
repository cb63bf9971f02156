"""Age bands and participation gaps, as pure functions over plain data.

Bands follow the assembly's quotas (with 16-18 year-olds apart) plus one band under 16,
since a budget participatif may let children vote (Marseille 2025: from 9).

The population has no age structure per QPV in our data (only totals), so the reference shares
are orders of magnitude for residents of the quartiers prioritaires aged 16 and over (INSEE),
the same estimates the assembly's quotas start from. They are labelled as estimates on screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from backend.i18n import gettext as _

UNDER_16 = "0-15"
UNKNOWN = "inconnu"
BANDS: tuple[tuple[str, int, int | None], ...] = (
    (UNDER_16, 0, 15),
    ("16-18", 16, 18),
    ("19-29", 19, 29),
    ("30-44", 30, 44),
    ("45-59", 45, 59),
    ("60-74", 60, 74),
    ("75+", 75, None),
)
BAND_KEYS = tuple(key for key, _low, _high in BANDS)
# Share of the population aged 16 and over, by band (estimates; they add up to 1).
REFERENCE_16_PLUS: dict[str, float] = {
    "16-18": 0.05,
    "19-29": 0.19,
    "30-44": 0.26,
    "45-59": 0.24,
    "60-74": 0.17,
    "75+": 0.09,
}


def band_label(key: str) -> str:
    labels = {
        UNDER_16: _("moins de 16 ans"),
        "16-18": _("16 à 18 ans"),
        "19-29": _("19 à 29 ans"),
        "30-44": _("30 à 44 ans"),
        "45-59": _("45 à 59 ans"),
        "60-74": _("60 à 74 ans"),
        "75+": _("75 ans et plus"),
        UNKNOWN: _("âge inconnu"),
    }
    return labels.get(key, key)


def band_of(birth_year: int | None, year: int) -> str:
    """The band of someone born in `birth_year`, in `year` (age reached that year)."""
    if not birth_year:
        return UNKNOWN
    age = year - birth_year
    for key, low, high in BANDS:
        if age >= low and (high is None or age <= high):
            return key
    return UNKNOWN


def count_bands(birth_years: Mapping[int, int] | Iterable[tuple[int, int]], year: int) -> dict[str, int]:
    """People per band from (birth year → number of people); 0 or None means unknown."""
    items = birth_years.items() if isinstance(birth_years, Mapping) else birth_years
    counts = dict.fromkeys((*BAND_KEYS, UNKNOWN), 0)
    for birth_year, n in items:
        counts[band_of(birth_year, year)] += n
    return counts


@dataclass(frozen=True)
class GapRow:
    key: str
    label: str
    count: int
    share: float | None  # of the participants whose value is known and comparable
    reference: float | None  # share in the population
    gap: float | None  # share − reference, in points (negative: under-represented)


def gaps(
    counts: Mapping[str, int], reference: Mapping[str, float], labels: Mapping[str, str]
) -> list[GapRow]:
    """Compare participants with the population, category by category.

    Shares are taken among participants in the categories the reference covers (e.g. aged 16
    and over), so that both columns add up to 100 %."""
    compared = sum(n for key, n in counts.items() if key in reference)
    rows = []
    for key, n in counts.items():
        ref = reference.get(key)
        share = n / compared if ref is not None and compared else None
        rows.append(
            GapRow(
                key=key,
                label=labels.get(key, key),
                count=n,
                share=share,
                reference=ref,
                gap=(share - ref) if share is not None and ref is not None else None,
            )
        )
    return rows


def age_gaps(counts: Mapping[str, int]) -> list[GapRow]:
    """Age bands of participants against the population aged 16 and over; empty bands under 16
    and unknown ages are left out."""
    keep = {k: n for k, n in counts.items() if k in REFERENCE_16_PLUS or n}
    return gaps(keep, REFERENCE_16_PLUS, {k: band_label(k) for k in keep})


def rate(part: int | None, whole: int | None) -> float | None:
    """part / whole, or None when it cannot be computed."""
    if part is None or not whole:
        return None
    return part / whole


def gap_text(gap: float | None) -> str:
    """A gap in percentage points, signed: « +4 », « −12 », « 0 »."""
    if gap is None:
        return "—"
    points = round(gap * 100)
    return f"+{points}" if points > 0 else (f"−{-points}" if points < 0 else "0")
