"""The public draw: freeze the pool and fix the seed from public values (journaled first), draw the
panel with the sortition core, replace members who withdraw from the ranked reserve.

One module per step (`pool`, `seed`, `panel`, `replacement`), the public files (`files`), impossible
quotas in plain French (`feasibility`) and the panel's `composition`. The names below are the
package's API, so that callers write `draws.run_draw(...)` whichever module holds the rule."""

from backend.assembly.service.draws.composition import CategoryShare, Composition, FeatureShare, composition
from backend.assembly.service.draws.feasibility import check_feasible, explain_problems, infeasible
from backend.assembly.service.draws.files import categories_csv, parsed_pool, pool_csv, rerun_command, sha256
from backend.assembly.service.draws.panel import get_member, members, run_draw
from backend.assembly.service.draws.pool import ALGORITHM, freeze_pool, get_draw
from backend.assembly.service.draws.replacement import ReplacementOutcome, replace_member
from backend.assembly.service.draws.seed import MIN_PUBLIC_VALUES, clean_public_values, fix_seed

__all__ = [
    "ALGORITHM",
    "MIN_PUBLIC_VALUES",
    "CategoryShare",
    "Composition",
    "FeatureShare",
    "ReplacementOutcome",
    "categories_csv",
    "check_feasible",
    "clean_public_values",
    "composition",
    "explain_problems",
    "fix_seed",
    "freeze_pool",
    "get_draw",
    "get_member",
    "infeasible",
    "members",
    "parsed_pool",
    "pool_csv",
    "replace_member",
    "rerun_command",
    "run_draw",
    "sha256",
]
