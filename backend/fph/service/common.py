"""Helpers shared by the FPH services: dates, the fund lock and the money movements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.errors import Conflict, NotFound
from backend.formatting import PARIS, format_money
from backend.fph.models import Application, Fund, FundQpv
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, record
from backend.territory.models import Qpv

PROCESS = "fph"


def paris_today() -> date:
    return datetime.now(PARIS).date()


def get_fund(session: Session, fund_id: int) -> Fund:
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(_("Ce fonds n'existe pas."))
    return fund


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
    object_type: str,
    object_id: int | str,
    territory: str,
    reason: str,
    payload: dict[str, Any] | None = None,
) -> LedgerEntry:
    return record(
        session,
        actor=actor,
        action=f"fph.{action}",
        process=PROCESS,
        object_type=object_type,
        object_id=object_id,
        territory=territory,
        reason=reason,
        payload=payload,
    )


def journal_application(
    session: Session,
    *,
    actor: ActorRef,
    action: str,
    application: Application,
    fund: Fund,
    reason: str,
    payload: dict[str, Any] | None = None,
) -> LedgerEntry:
    """Journal a step of ``application`` on the territory of its fund."""
    return journal(
        session,
        actor=actor,
        action=action,
        object_type="fph_application",
        object_id=application.id,
        territory=territory(session, fund),
        reason=reason,
        payload=payload,
    )
