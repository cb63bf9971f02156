from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI


@pytest.fixture(autouse=True)
def uploads(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """Photos go to a temporary folder, never the repository's var/."""
    if "app" in request.fixturenames:
        app: FastAPI = request.getfixturevalue("app")
        app.state.settings.upload_dir = tmp_path
    yield tmp_path
