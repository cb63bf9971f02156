"""Home page, language choice and health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from backend import i18n
from backend.deps import DbSession, get_registry
from backend.ledger import service as ledger
from backend.rendering import redirect, render
from backend.territory.service import territory_quartiers

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request, session: DbSession) -> Response:
    count, head_hash = ledger.head(session)
    return render(
        request,
        "home.html",
        {
            "processes": list(get_registry(request)),
            "scope": territory_quartiers(session),
            "journal_count": count,
            "journal_head": head_hash,
        },
    )


@router.post("/langue")
def set_language(
    request: Request, lang: Annotated[str, Form()] = "fr", suivant: Annotated[str, Form()] = "/"
) -> Response:
    target = suivant if suivant.startswith("/") and not suivant.startswith("//") else "/"
    response = redirect(target, request)
    if lang in i18n.SUPPORTED:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response


@router.get("/healthz")
def health(session: DbSession) -> JSONResponse:
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
