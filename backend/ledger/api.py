"""Journal export (JSON), so anyone can recompute the chain."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlmodel import Session, col

from backend.deps import DbSession
from backend.ledger import service
from backend.ledger.chain import HASHED_FIELDS
from backend.ledger.models import LedgerEntry
from backend.ledger.views import filtered

router = APIRouter(tags=["journal"])


@router.get("/api/journal/tete")
def head(session: DbSession) -> dict[str, object]:
    """Number of entries and head hash, to compare with a published value."""
    count, head_hash = service.head(session)
    return {"entries": count, "head_hash": head_hash}


def _stream(session: Session, process: str, territory: str, action: str) -> Iterator[str]:
    count, head_hash = service.head(session)
    yield (
        json.dumps(
            {
                "format": "quartiers-participatifs/journal-1",
                "hash": "sha256 over canonical JSON (sorted keys, compact, UTF-8) of the fields "
                + ", ".join(HASHED_FIELDS),
                "head": {"entries": count, "hash": head_hash},
            },
            ensure_ascii=False,
        )[:-1]
        + ', "entries": ['
    )
    last = 0
    first = True
    base = filtered(process, territory, action)
    while True:
        rows = session.exec(
            base.where(col(LedgerEntry.seq) > last).order_by(col(LedgerEntry.seq)).limit(1000)
        ).all()
        if not rows:
            break
        for row in rows:
            yield ("" if first else ",") + json.dumps(row.as_fields(), ensure_ascii=False)
            first = False
        last = rows[-1].seq
    yield "]}"


@router.get("/journal.json")
@router.get("/api/journal")
def export(
    request: Request, session: DbSession, processus: str = "", quartier: str = "", action: str = ""
) -> StreamingResponse:
    """Every journal entry (optionally filtered) with its hash fields, oldest first."""
    # The body is produced after the request's session closes: read with a session of its own.
    own = request.app.state.sessionmaker()

    def body() -> Iterator[str]:
        try:
            yield from _stream(own, processus, quartier, action)
        finally:
            own.close()

    return StreamingResponse(
        body(),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="journal.json"'},
    )
