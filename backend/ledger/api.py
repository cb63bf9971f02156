"""Journal export (JSON), so anyone can recompute the chain."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col

from backend.api import ApiRouter
from backend.deps import DbSession
from backend.ledger import service
from backend.ledger.chain import HASHED_FIELDS
from backend.ledger.models import LedgerEntry
from backend.ledger.views import filtered

router = ApiRouter(prefix="/journal", tags=["journal"])
# The download linked from the journal page: the same export, outside the API's version.
download_router = APIRouter(include_in_schema=False)

FORMAT = "quartiers-participatifs/journal-1"


class JournalHeadPublic(BaseModel):
    entries: int = Field(description="Nombre d'entrées du journal.")
    head_hash: str = Field(
        description="Empreinte de la dernière entrée (celle de départ si le journal est vide)."
    )


class ChainHeadPublic(BaseModel):
    entries: int
    hash: str


class JournalEntryPublic(BaseModel):
    """One entry, with the fields its hash covers, as stored."""

    seq: int
    at: str
    actor_role: str
    actor_id: str
    action: str
    process: str
    object_type: str
    object_id: str
    territory: str | None
    reason: str
    payload: str = Field(description="JSON canonique, tel qu'il est haché.")
    prev_hash: str
    hash: str


class JournalExportPublic(BaseModel):
    format: str = Field(description=FORMAT)
    hash: str = Field(description="Comment chaque empreinte est calculée.")
    head: ChainHeadPublic
    entries: list[JournalEntryPublic]


@router.get("/tete")
def head(session: DbSession) -> JournalHeadPublic:
    """Number of entries and head hash, to compare with a published value."""
    count, head_hash = service.head(session)
    return JournalHeadPublic(entries=count, head_hash=head_hash)


def _stream(session: Session, process: str, territory: str, action: str) -> Iterator[str]:
    count, head_hash = service.head(session)
    yield (
        json.dumps(
            {
                "format": FORMAT,
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


@download_router.get("/journal.json")
@router.get("", response_class=StreamingResponse, responses={200: {"model": JournalExportPublic}})
def export(
    request: Request,
    session: DbSession,
    process: str = Query("", description="Seulement ce processus (ex. budget_participatif)."),
    territory: str = Query("", description="Seulement ce territoire (code du QPV)."),
    action: str = Query("", description="Seulement cette action (ex. budget.vote_closed)."),
    processus: str = Query("", include_in_schema=False),
    quartier: str = Query("", include_in_schema=False),
) -> StreamingResponse:
    """Every journal entry (optionally filtered) with its hash fields, oldest first.
    (``processus`` and ``quartier``, the names of the journal page's filters, are still understood.)"""
    # The body is produced after the request's session closes: read with a session of its own.
    own = request.app.state.sessionmaker()

    def body() -> Iterator[str]:
        try:
            yield from _stream(own, process or processus, territory or quartier, action)
        finally:
            own.close()

    return StreamingResponse(
        body(),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'inline; filename="journal.json"'},
    )
