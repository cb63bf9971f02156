"""Milestone photos: cleaned by the budget's photo cleaner (real images only, re-encoded from
pixels, no metadata), stored under upload_dir/results with a random name."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from backend.budget.photos import PhotoFolder, clean_photo, read_limited

FOLDER = PhotoFolder("results")


def store(upload_dir: Path, stream: BinaryIO) -> str:
    """Clean and save an uploaded photo; returns its file name. Raises PhotoRefused."""
    return FOLDER.store(upload_dir, clean_photo(read_limited(stream)))


path = FOLDER.path
remove = FOLDER.delete
