"""Fair stratified sortition for the Assemblée Citoyenne des Quartiers: a pure core, no database.

Plain dataclasses in (:class:`Quota`, :class:`Volunteer`), plain dataclasses out (:class:`DrawResult`,
:class:`Replacement`). See ``README.md`` in this package for the method and the file formats.
"""

from backend.assembly.sortition.core import ALGORITHMS, default_legacy_runs, draw, leximin_distribution
from backend.assembly.sortition.csv_io import parse_categories, parse_people
from backend.assembly.sortition.legacy import LegacyUnavailableError
from backend.assembly.sortition.lottery import person_probabilities, sample_panel
from backend.assembly.sortition.model import (
    Composition,
    Distribution,
    DrawResult,
    InfeasibleQuotasError,
    PersonClass,
    PoolFormatError,
    Quota,
    QuotaProblem,
    Replacement,
    SortitionError,
    Volunteer,
)
from backend.assembly.sortition.reserve import quota_violations, replace, reserve_list
from backend.assembly.sortition.seeding import derive_seed, pool_hash, quotas_hash

__all__ = [
    "ALGORITHMS",
    "Composition",
    "Distribution",
    "DrawResult",
    "InfeasibleQuotasError",
    "LegacyUnavailableError",
    "PersonClass",
    "PoolFormatError",
    "Quota",
    "QuotaProblem",
    "Replacement",
    "SortitionError",
    "Volunteer",
    "default_legacy_runs",
    "derive_seed",
    "draw",
    "leximin_distribution",
    "parse_categories",
    "parse_people",
    "person_probabilities",
    "pool_hash",
    "quota_violations",
    "quotas_hash",
    "replace",
    "reserve_list",
    "sample_panel",
]
