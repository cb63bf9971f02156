"""Imports every table so that SQLModel.metadata is complete (Alembic, tests)."""

from backend import db  # noqa: F401  (naming convention first)
from backend.accounts import models as accounts_models  # noqa: F401
from backend.ledger import models as ledger_models  # noqa: F401
from backend.territory import models as territory_models  # noqa: F401

DOMAIN_MODEL_MODULES = [
    "backend.budget.models",
    "backend.fph.models",
    "backend.assembly.models",
    "backend.results.models",
]


def import_domain_models() -> None:
    """Domains land one by one; import those that exist."""
    import importlib
    import importlib.util

    for name in DOMAIN_MODEL_MODULES:
        if importlib.util.find_spec(name.rsplit(".", 1)[0]) and importlib.util.find_spec(name):
            importlib.import_module(name)


import_domain_models()
