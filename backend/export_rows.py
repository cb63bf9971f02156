"""Rows of the RGPD export (right of access): a record's fields under their export names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any


def export_row(record: object, fields: Mapping[str, str]) -> dict[str, Any]:
    """The attributes of ``record`` named by the values of ``fields``, under its keys; dates and
    times as ISO text (an empty one stays None)."""
    return {name: _plain(getattr(record, attribute)) for name, attribute in fields.items()}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
