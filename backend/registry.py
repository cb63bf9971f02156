"""The composition root's list of processes: the one module that names every domain.

`create_app` and the `qp` commands call `build_registry()` once and pass the result on."""

from __future__ import annotations

from backend.processes import Registry


def build_registry() -> Registry:
    """Every process of the platform; importing their manifests registers nothing by itself."""
    from backend.assembly.process import PROCESS as assembly
    from backend.budget.process import PROCESS as budget
    from backend.fph.process import PROCESS as fph
    from backend.notifications.process import SERVICE as notifications
    from backend.results.process import PROCESS as results

    return Registry((budget, fph, assembly, results), services=(notifications,))
