"""Milestone photos: cleaned by the budget's photo cleaner (real images only, re-encoded from
pixels, no metadata), stored under upload_dir/results with a random name."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import BinaryIO

from backend.budget.photos import clean_photo, read_limited

SUBDIR = "results"


def store(upload_dir: Path, stream: BinaryIO) -> str:
    """Clean and save an uploaded photo; returns its file name. Raises PhotoRefused."""
    data = clean_photo(read_limited(stream))
    directory = upload_dir / SUBDIR
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    (directory / name).write_bytes(data)
    return name


def path(upload_dir: Path, name: str | None) -> Path | None:
    """The stored file for a name we generated (never a path from the request)."""
    if not name or "/" in name or "\\" in name or not name.endswith(".jpg") or len(name) != 36:
        return None
    found = upload_dir / SUBDIR / name
    return found if found.is_file() else None


def remove(upload_dir: Path, name: str | None) -> None:
    found = path(upload_dir, name)
    if found is not None:
        found.unlink(missing_ok=True)
