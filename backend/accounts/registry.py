"""Hooks other domains register so that personal-data export and account deletion cover them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from backend.accounts.models import User

Exporter = Callable[[Session, User], Any]
Deleter = Callable[[Session, User], None]

_exporters: dict[str, Exporter] = {}
_deleters: list[Deleter] = []


def register_personal_data(name: str, exporter: Exporter, deleter: Deleter | None = None) -> None:
    """A domain declares what it holds about a person, and how to erase it."""
    _exporters[name] = exporter
    if deleter is not None and deleter not in _deleters:
        _deleters.append(deleter)


def personal_data_exporters() -> list[tuple[str, Exporter]]:
    return list(_exporters.items())


def account_deleters() -> list[Deleter]:
    return list(_deleters)
