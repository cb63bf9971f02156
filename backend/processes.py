"""The registry of participation processes (budget participatif, FPH, assembly…).

Each process declares itself once (Decidim's component manifest): its key, labels, phases,
routers and demo loader. Shared screens (home page, journal filters, app mounting, demo)
iterate the registry instead of naming processes.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI
    from sqlmodel import Session

    from backend.config import Settings

PROCESS_MODULES = (
    "backend.budget.process",
    "backend.fph.process",
    "backend.assembly.process",
    "backend.results.process",
)


@dataclass(frozen=True)
class Phase:
    key: str
    label: str


@dataclass(frozen=True)
class ProcessKind:
    key: str  # also the journal's `process` value
    label: str
    summary: str  # one FALC sentence for the home page
    url: str
    routers: Callable[[], Sequence[APIRouter]]
    phases: tuple[Phase, ...] = ()
    demo: Callable[[Session, dict[str, Any]], None] | None = None
    # Installs the process's own ASGI middleware on the app (outermost), given the settings.
    middleware: Callable[[FastAPI, Settings], None] | None = None
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


# Journal processes that are not participation processes themselves.
BASE_JOURNAL_PROCESSES = {"territory": "Territoires", "accounts": "Comptes et rôles"}


def registered() -> list[ProcessKind]:
    """Processes whose module exists, in display order."""
    kinds = []
    for name in PROCESS_MODULES:
        package = name.rsplit(".", 1)[0]
        if importlib.util.find_spec(package) is None or importlib.util.find_spec(name) is None:
            continue
        kinds.append(importlib.import_module(name).PROCESS)
    return sorted(kinds, key=lambda k: k.order)


def journal_processes() -> dict[str, str]:
    labels = {k.key: k.label for k in registered()}
    labels.update(BASE_JOURNAL_PROCESSES)
    return labels
