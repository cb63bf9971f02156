"""Reading the reference file formats (Flanigan et al. replication, Sortition Foundation) from text.

Categories: header ``category,feature,min,max`` (or the Sortition Foundation's ``feature,value,min,max``);
extra columns such as ``min_flex`` are ignored.

Respondents: one row per volunteer, one column per category (headers matched without regard to case),
values matched to the category's features without regard to case or surrounding spaces. Optional:

- ``id``: the volunteer's id; without it a volunteer's id is the row number, the first data row being 1.
- household: a column named ``household``, ``household_id``, ``foyer`` or ``menage``/``ménage`` is the
  household key; otherwise every column whose name starts with ``address``/``adresse``, together with
  ``postcode``/``postal_code``/``code_postal`` when such an address column exists, forms it (compared
  without regard to case and repeated spaces). Volunteers with equal non-empty keys share a household.
  An empty key (or only a postcode) means "lives with no other volunteer".

Other columns are ignored. The delimiter is ``,``, or ``;``/tab when the header uses that instead.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from backend.assembly.sortition.model import PoolFormatError, Quota, Volunteer

HOUSEHOLD_NAMES = ("household", "household_id", "foyer", "menage", "ménage")
ADDRESS_PREFIXES = ("address", "adresse")
POSTCODE_NAMES = ("postcode", "postal_code", "code_postal")


def _reader(text: str) -> Any:
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    return csv.reader(io.StringIO(text), delimiter=delimiter)


def _header(rows: Any, source: str) -> list[str]:
    for row in rows:
        if any(cell.strip() for cell in row):
            return [cell.strip() for cell in row]
    raise PoolFormatError(f"{source}: the file is empty")


def parse_categories(text: str, source: str = "categories") -> list[Quota]:
    """Quotas from a categories CSV; errors name the line."""
    rows = _reader(text)
    header = [h.lower() for h in _header(rows, source)]
    for names in (("category", "feature"), ("feature", "value")):
        if all(name in header for name in (*names, "min", "max")):
            columns = [header.index(name) for name in (*names, "min", "max")]
            break
    else:
        raise PoolFormatError(f"{source}: header must be category,feature,min,max (found {','.join(header)})")
    quotas: list[Quota] = []
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = rows.line_num
        cells = [row[i].strip() if i < len(row) else "" for i in columns]
        category, feature, low, high = cells
        if not category or not feature:
            raise PoolFormatError(f"{source} line {line}: empty category or feature")
        try:
            minimum, maximum = int(low), int(high)
        except ValueError:
            raise PoolFormatError(
                f"{source} line {line}: min and max of {category}={feature} must be whole numbers "
                f"(found {low!r}, {high!r})"
            ) from None
        if minimum < 0 or maximum < minimum:
            raise PoolFormatError(
                f"{source} line {line}: quota {category}={feature}: min {minimum} and max {maximum} "
                "are not 0 <= min <= max"
            )
        if any(q.category == category and q.feature == feature for q in quotas):
            raise PoolFormatError(f"{source} line {line}: quota {category}={feature} is listed twice")
        quotas.append(Quota(category, feature, minimum, maximum))
    if not quotas:
        raise PoolFormatError(f"{source}: no quota rows")
    return quotas


def household_columns(header: Sequence[str]) -> list[int]:
    """Indices of the columns forming the household key (see module docstring)."""
    lowered = [h.strip().lower() for h in header]
    for index, name in enumerate(lowered):
        if name in HOUSEHOLD_NAMES:
            return [index]
    address = [i for i, name in enumerate(lowered) if name.startswith(ADDRESS_PREFIXES)]
    if not address:
        return []
    return address + [i for i, name in enumerate(lowered) if name in POSTCODE_NAMES]


def parse_people(text: str, quotas: Sequence[Quota], source: str = "respondents") -> list[Volunteer]:
    """Volunteers from a respondents CSV, validated against the quotas' categories and features."""
    rows = _reader(text)
    header = _header(rows, source)
    lowered = [h.lower() for h in header]
    features: dict[str, dict[str, str]] = {}
    for quota in quotas:
        features.setdefault(quota.category, {})[quota.feature.strip().casefold()] = quota.feature
    category_column: dict[str, int] = {}
    for category in features:
        if category.lower() not in lowered:
            raise PoolFormatError(
                f"{source}: no column for category {category} (columns: {', '.join(header)})"
            )
        category_column[category] = lowered.index(category.lower())
    id_column = lowered.index("id") if "id" in lowered else None
    home_columns = household_columns(header)
    home_primary = [i for i, c in enumerate(home_columns) if lowered[c] not in POSTCODE_NAMES]
    volunteers: list[Volunteer] = []
    seen: dict[str, int] = {}
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        line = rows.line_num
        if len(row) > len(header) and any(cell.strip() for cell in row[len(header) :]):
            raise PoolFormatError(f"{source} line {line}: {len(row)} fields but the header has {len(header)}")
        cells = [cell.strip() for cell in row] + [""] * (len(header) - len(row))
        pid = cells[id_column] if id_column is not None else str(len(volunteers) + 1)
        if not pid:
            raise PoolFormatError(f"{source} line {line}: empty id")
        if pid in seen:
            raise PoolFormatError(f"{source} line {line}: id {pid} already used on line {seen[pid]}")
        seen[pid] = line
        values: dict[str, str] = {}
        for category, column in category_column.items():
            raw = cells[column]
            feature = features[category].get(raw.casefold())
            if feature is None:
                expected = ", ".join(features[category].values())
                found = f"{raw!r} is not a feature of category {category}" if raw else "is empty"
                raise PoolFormatError(
                    f"{source} line {line} (id {pid}): {category} {found} (expected: {expected})"
                )
            values[category] = feature
        parts = [" ".join(cells[i].split()).casefold() for i in home_columns]
        # A postcode alone does not make a household: some address part must be filled in.
        household = " | ".join(parts) if any(parts[i] for i in home_primary) else None
        volunteers.append(Volunteer(id=pid, features=values, household=household))
    if not volunteers:
        raise PoolFormatError(f"{source}: no volunteers")
    return volunteers
