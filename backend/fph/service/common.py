"""Helpers shared by the FPH services: dates, lookups, the fund lock, the money movements and the journal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar, TypeVarTuple, overload

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from backend.db import get_or_not_found, utcnow
from backend.errors import Conflict, NotFound
from backend.formatting import PARIS, format_money
from backend.fph.models import Application, Fund, FundQpv, Meeting
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, record
from backend.territory.models import Qpv

PROCESS = "fph"
T = TypeVar("T")
Ts = TypeVarTuple("Ts")
M = TypeVar("M", bound=SQLModel)
OBJECT_TYPES: dict[type[SQLModel], str] = {
    Fund: "fph_fund",
    Application: "fph_application",
    Meeting: "fph_meeting",
}


def paris_today() -> date:
    return datetime.now(PARIS).date()


@overload
def all_of(session: Session, query: SelectOfScalar[T]) -> list[T]: ...
@overload
def all_of(session: Session, query: Select[*Ts]) -> list[tuple[*Ts]]: ...
def all_of(session: Session, query: Any) -> list[Any]:
    """Every row ``query`` selects, as a list (of objects, or of tuples for a join)."""
    return list(session.exec(query).all())


def get_fund(session: Session, fund_id: int) -> Fund:
    return get_or_not_found(session, Fund, fund_id, _("Ce fonds n'existe pas."))


def touch(session: Session, application: Application) -> None:
    """Stamp ``application`` as changed now and write it."""
    application.updated_at = utcnow()
    session.add(application)
    session.flush()


def fund_qpvs(session: Session, fund: Fund) -> list[Qpv]:
    """The QPV a fund serves, main QPV first."""
    rows = session.exec(
        select(Qpv)
        .join(FundQpv, col(FundQpv.qpv_id) == Qpv.id)
        .where(FundQpv.fund_id == fund.id)
        .order_by(Qpv.name)
    ).all()
    return sorted(rows, key=lambda q: q.id != fund.qpv_id)


def territory(session: Session, fund: Fund) -> str:
    """The journal's territory for a fund: its main QPV code."""
    qpv = session.get(Qpv, fund.qpv_id)
    assert qpv is not None
    return qpv.code


def lock_fund(session: Session, fund_id: int) -> Fund:
    """Reload the fund holding its row lock until the transaction ends (PostgreSQL).

    SQLite has one writer at a time, so the CHECK constraint is enough there."""
    stmt = select(Fund).where(Fund.id == fund_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    fund = session.exec(stmt).first()
    if fund is None:
        raise NotFound(_("Ce fonds n'existe pas."))
    return fund


def move_money(session: Session, fund_id: int, *, pending: int = 0, granted: int = 0) -> Fund:
    """Change the fund's maintained totals under its lock. Refuses, with a clear message, any
    change that would make the balance negative; the CHECK constraint is the last guard."""
    fund = lock_fund(session, fund_id)
    new_balance = fund.envelope_cents - (fund.granted_cents + granted) - (fund.pending_cents + pending)
    if (pending > 0 or granted > 0) and new_balance < 0:
        raise Conflict(
            _(
                "Il ne reste que {balance} dans le fonds : ce montant ne peut pas être réservé ou accordé."
            ).format(balance=format_money(max(fund.balance_cents, 0))),
            field="amount",
        )
    try:
        with session.begin_nested():
            session.execute(
                update(Fund)
                .where(col(Fund.id) == fund_id)
                .values(
                    granted_cents=Fund.granted_cents + granted, pending_cents=Fund.pending_cents + pending
                )
            )
    except IntegrityError as exc:  # only reachable if something bypassed the lock
        raise Conflict(_("Le fonds n'a plus assez d'argent pour cette décision."), field="amount") from exc
    session.refresh(fund)
    return fund


def journal(
    session: Session,
    *,
    actor: ActorRef,
    action: str,
    subject: Fund | Application | Meeting,
    reason: str,
    payload: dict[str, Any],
) -> LedgerEntry:
    """Journal ``action`` on ``subject``, on the territory of its fund (the fund's main QPV)."""
    fund = subject if isinstance(subject, Fund) else get_fund(session, subject.fund_id)
    return record(
        session,
        actor=actor,
        action=f"fph.{action}",
        process=PROCESS,
        object_type=OBJECT_TYPES[type(subject)],
        object_id=subject.id,
        territory=territory(session, fund),
        reason=reason,
        payload=payload,
    )
