"""The registry of participation processes (budget participatif, FPH, assembly…).

Each process declares itself once (Decidim's component manifest): its key, labels, phases,
routers, demo loader, tables, personal data and phase hooks. Nothing registers itself at import
time: the composition root (`backend.registry.build_registry`, called by `create_app` and the `qp`
commands) lists the processes and hands the `Registry` to whoever needs it. Shared screens (home
page, journal filters, app mounting, demo, personal data) iterate the registry instead of naming
processes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

    from fastapi import APIRouter, FastAPI
    from sqlmodel import Session

    from backend.accounts.models import User
    from backend.config import Settings
    from backend.ledger.service import ActorRef
    from backend.territory.models import Qpv

Exporter = Callable[["Session", "User"], Any]
"""What a process holds about a person, as plain JSON data (the « my data » download)."""
Eraser = Callable[["Session", "User"], None]
"""Erases what a process holds about a person when the account is deleted."""
BallotCounter = Callable[["Session", int], int]
PhaseListener = Callable[["Session", "ActorRef", Any, str, str], None]
Reminder = Callable[["Session", "datetime"], int]
"""Run by `qp worker`: notifies whoever is due a reminder now (idempotent); returns how many."""


@dataclass(frozen=True)
class SectionItem:
    """One line of a quartier page: a short label, where to go, and when / where / in what state.

    An item with a date and a place is a meeting: the quartier page also lists it under « next meetings »."""

    label: str
    url: str | None = None
    when: date | datetime | None = None
    status: str = ""
    place: str = ""

    @property
    def is_meeting(self) -> bool:
        return self.when is not None and bool(self.place)


@dataclass(frozen=True)
class Section:
    """What one process shows on a quartier's page (« Budget participatif », « FPH »…); `kicker` names
    the process above a title that names one of its instances (an edition)."""

    title: str
    items: tuple[SectionItem, ...]
    intro: str = ""
    kicker: str = ""


QuartierSections = Callable[["Session", "Qpv"], list[Section]]
"""What is happening in one QPV for a process (editions, funds, calls…), for the quartier's page."""

# Tables of the foundation (every process uses them); each process adds its own in `models`.
FOUNDATION_MODEL_MODULES = (
    "backend.db",
    "backend.accounts.models",
    "backend.ledger.models",
    "backend.territory.models",
    "backend.notifications.models",
)


@dataclass(frozen=True)
class Phase:
    key: str
    label: str


def _no_ballots(session: Session, instance_id: int) -> int:
    return 0


@dataclass(frozen=True)
class PhaseHooks:
    """What plugs into a process's phase changes (the budget's vote plugs into its editions).

    `ballot_count` feeds the phase guards (no phase goes backwards once votes exist); each listener
    runs inside the phase change's transaction, after its journal entry, as
    `listener(session, actor, instance, before, after)` (one that raises cancels the change)."""

    ballot_count: BallotCounter = _no_ballots
    listeners: tuple[PhaseListener, ...] = ()

    def ballots(self, session: Session, instance_id: int) -> int:
        return self.ballot_count(session, instance_id)

    def changed(self, session: Session, actor: ActorRef, instance: Any, before: str, after: str) -> None:
        for listener in self.listeners:
            listener(session, actor, instance, before, after)


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
    # Modules holding the process's tables: imported so that SQLModel.metadata is complete.
    models: tuple[str, ...] = ()
    # Personal data: one export per key of the « my data » download, and the erasers run when an
    # account is deleted (data kept on purpose, such as who voted, has an export and no eraser).
    personal_data_export: Mapping[str, Exporter] = field(default_factory=dict)
    personal_data_erase: tuple[Eraser, ...] = ()
    phase_hooks: PhaseHooks = PhaseHooks()
    reminders: tuple[Reminder, ...] = ()
    # The process's sections on a quartier's page (/quartiers/{code}); None: it shows nothing there.
    quartier_sections: QuartierSections | None = None
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)


def routers_of(package: str, *modules: str) -> Callable[[], Sequence[APIRouter]]:
    """A process's `routers`: the `router` of each module of the package, in this order (routes
    match in order). They are imported when the app mounts them: a declaration stays light to import."""

    def routers() -> Sequence[APIRouter]:
        return tuple(importlib.import_module(f"{package}.{module}").router for module in modules)

    return routers


def demo_of(module: str) -> Callable[[Session, dict[str, Any]], None]:
    """A process's `demo`: the module's `load_demo(session, ctx)`, imported only when the demo runs."""

    def demo(session: Session, ctx: dict[str, Any]) -> None:
        importlib.import_module(module).load_demo(session, ctx)

    return demo


# Journal processes that are not participation processes themselves.
BASE_JOURNAL_PROCESSES = {"territory": "Territoires", "accounts": "Comptes et rôles"}


@dataclass(frozen=True)
class Registry:
    """The processes of this installation, in display order; built once by the composition root.

    `services` are parts of the platform that are not participation processes (notifications):
    their routers, tables and personal data count, but they are not listed as processes."""

    kinds: tuple[ProcessKind, ...]
    services: tuple[ProcessKind, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", tuple(sorted(self.kinds, key=lambda k: k.order)))

    def __iter__(self) -> Iterator[ProcessKind]:
        return iter(self.kinds)

    def kind(self, key: str) -> ProcessKind:
        for kind in self.kinds:
            if kind.key == key:
                return kind
        raise KeyError(key)

    def phase_hooks(self, key: str) -> PhaseHooks:
        return self.kind(key).phase_hooks

    def model_modules(self) -> tuple[str, ...]:
        return FOUNDATION_MODEL_MODULES + tuple(m for kind in self.parts() for m in kind.models)

    def import_models(self) -> None:
        """Import every table, so that SQLModel.metadata is complete (Alembic, tests, the app)."""
        for name in self.model_modules():
            importlib.import_module(name)

    def parts(self) -> tuple[ProcessKind, ...]:
        """The processes and the services."""
        return self.kinds + self.services

    def personal_data_exporters(self) -> list[tuple[str, Exporter]]:
        return [item for kind in self.parts() for item in kind.personal_data_export.items()]

    def account_erasers(self) -> list[Eraser]:
        return [eraser for kind in self.parts() for eraser in kind.personal_data_erase]

    def reminders(self) -> list[Reminder]:
        return [reminder for kind in self.parts() for reminder in kind.reminders]

    def quartier_sections(self, session: Session, qpv: Qpv) -> list[Section]:
        """Every process's sections for one QPV, in the registry's order."""
        return [
            s for kind in self.kinds if kind.quartier_sections for s in kind.quartier_sections(session, qpv)
        ]

    def journal_processes(self) -> dict[str, str]:
        labels = {k.key: k.label for k in self.kinds}
        labels.update(BASE_JOURNAL_PROCESSES)
        return labels
