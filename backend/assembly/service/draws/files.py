"""The public files of a draw: quotas and pseudonymised pool in the `qp draw` formats, their
hashes, and the command that re-runs the draw from them."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence

from backend.assembly import sortition
from backend.assembly.models import Draw, Saisine, Volunteer
from backend.assembly.service.common import CategoryQuotas


def categories_csv(groups: Sequence[CategoryQuotas]) -> str:
    """The quotas in the `qp draw --categories` format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["category", "feature", "min", "max"])
    for group in groups:
        for feature in group.features:
            writer.writerow([group.category.key, feature.key, feature.min, feature.max])
    return out.getvalue()


def pool_csv(groups: Sequence[CategoryQuotas], rows: Sequence[tuple[str, Volunteer]]) -> str:
    """The pseudonymised pool in the `qp draw --people` format: row id, hashed household, answers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = [group.category.key for group in groups]
    writer.writerow(["id", "household", *keys])
    for pool_id, volunteer in sorted(rows, key=lambda row: int(row[0])):
        writer.writerow([pool_id, volunteer.household_key, *(volunteer.characteristics[k] for k in keys)])
    return out.getvalue()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parsed_pool(draw: Draw) -> tuple[list[sortition.Quota], list[sortition.Volunteer]]:
    """Quotas and volunteers exactly as anyone re-running the draw reads them from the public files."""
    quotas = sortition.parse_categories(draw.categories_csv, "quotas.csv")
    return quotas, sortition.parse_people(draw.pool_csv, quotas, "volontaires.csv")


def rerun_command(saisine: Saisine, draw: Draw) -> str:
    if draw.seed is None:
        return ""
    return (
        f"qp draw --categories assemblee-{saisine.id}-quotas.csv --people assemblee-{saisine.id}-volontaires.csv "
        f"--number {saisine.panel_size} --seed {draw.seed} --algorithm {draw.algorithm}"
    )
