"""The layering written in pyproject.toml's `[tool.importlinter]` contracts holds: foundation
modules never import a process, processes do not import each other (results reads the three it
reports on), only the composition root names them all, and pure cores import nothing of the web."""

from __future__ import annotations

from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept(capsys: pytest.CaptureFixture[str]) -> None:
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    assert code == 0, capsys.readouterr().out
