"""A fund open to applications: most FPH tests start from one."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from backend.fph.models import Fund, Meeting
from tests.fph.conftest import make_fund, make_meeting


def open_fund(session: Session, *, days: int = 14, **overrides: Any) -> tuple[Fund, Meeting]:
    """A fund (`make_fund` with `overrides`) and its committee meeting in `days` days."""
    fund = make_fund(session, **overrides)
    return fund, make_meeting(session, fund, days=days)
