"""The public journal page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from backend.deps import DbSession, get_registry
from backend.errors import NotFound
from backend.ledger import service
from backend.ledger.models import LedgerEntry
from backend.rendering import render
from backend.territory.service import list_qpv
from backend.views_common import page_count

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30


def filtered(process: str = "", territory: str = "", action: str = "") -> SelectOfScalar[LedgerEntry]:
    query = select(LedgerEntry)
    if process:
        query = query.where(LedgerEntry.process == process)
    if territory:
        query = query.where(LedgerEntry.territory == territory)
    if action:
        query = query.where(LedgerEntry.action == action)
    return query


@router.get("/journal")
def journal(
    request: Request,
    session: DbSession,
    processus: str = "",
    quartier: str = "",
    action: str = "",
    page: int = 1,
) -> Response:
    page = max(1, page)
    query = filtered(processus, quartier, action)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    entries = session.exec(
        query.order_by(col(LedgerEntry.seq).desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    count, head_hash = service.head(session)
    actions = session.exec(select(LedgerEntry.action).distinct().order_by(LedgerEntry.action)).all()
    return render(
        request,
        "ledger/journal.html",
        {
            "entries": entries,
            "total": total,
            "page": page,
            "pages": page_count(total, PAGE_SIZE),
            "count": count,
            "head_hash": head_hash,
            "processes": get_registry(request).journal_processes(),
            "qpvs": list_qpv(session),
            "actions": actions,
            "filters": {"processus": processus, "quartier": quartier, "action": action},
        },
        block="entries",
    )


@router.get("/journal/{seq}")
def journal_entry(request: Request, session: DbSession, seq: int) -> Response:
    entry = session.get(LedgerEntry, seq)
    if entry is None:
        raise NotFound("Cette entrée du journal n'existe pas.")
    return render(
        request, "ledger/entry.html", {"entry": entry, "processes": get_registry(request).journal_processes()}
    )
