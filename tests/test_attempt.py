"""`attempt`: a service call in a savepoint, kept on success, rolled back on a DomainError."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.db import attempt
from backend.errors import DomainError, Invalid
from backend.territory.models import Commune


def _add(session: Session, insee: str, fail: bool) -> Commune:
    commune = Commune(insee=insee, name=f"Commune {insee}")
    session.add(commune)
    session.flush()
    if fail:
        raise Invalid("refusé", field="name")
    return commune


def test_success_is_kept_and_returned(session: Session) -> None:
    outcome = attempt(session, lambda: _add(session, "99001", fail=False))
    assert isinstance(outcome, Commune)
    assert session.exec(select(Commune).where(Commune.insee == "99001")).first() is not None


def test_a_domain_error_is_returned_and_only_its_savepoint_undone(session: Session) -> None:
    _add(session, "99002", fail=False)
    outcome = attempt(session, lambda: _add(session, "99003", fail=True))
    assert isinstance(outcome, DomainError) and outcome.field == "name"
    insees = set(session.exec(select(Commune.insee).where(col(Commune.insee).startswith("990"))).all())
    assert insees == {"99002"}
