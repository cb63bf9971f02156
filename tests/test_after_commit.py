"""`after_commit`: work that follows the request's transaction, never a savepoint's."""

from __future__ import annotations

from sqlmodel import Session

from backend.db import after_commit, attempt
from backend.errors import Invalid


def _fail() -> None:
    raise Invalid("refusé")


def test_the_callback_runs_when_the_transaction_commits(session: Session) -> None:
    done: list[str] = []
    session.connection()  # the transaction has begun
    after_commit(session, lambda: done.append("commit"), lambda: done.append("rollback"))
    attempt(session, _fail)  # a savepoint rolled back is not the end of the transaction
    attempt(session, lambda: None)
    assert done == []
    session.commit()
    assert done == ["commit"]
    session.connection()
    session.commit()
    assert done == ["commit"]  # once


def test_the_other_callback_runs_when_the_transaction_rolls_back(session: Session) -> None:
    done: list[str] = []
    after_commit(session, lambda: done.append("commit"), lambda: done.append("rollback"))
    attempt(session, lambda: None)  # a savepoint released is not the transaction committed
    session.rollback()
    assert done == ["rollback"]
    session.connection()
    session.commit()
    assert done == ["rollback"]
