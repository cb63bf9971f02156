"""Home page, language choice and health check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from backend import i18n
from backend.accounts.deps import CurrentPrincipal
from backend.deps import DbSession, get_registry
from backend.ledger import service as ledger
from backend.notifications.service import remember_language
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


LANG_COOKIE_AGE = 365 * 24 * 3600


def local_path(target: str | None) -> str:
    """`target` if it is a path on this site, else `/`: the language switch never sends anyone
    elsewhere (`//evil.example`, `/\\evil.example` and `https://…` are other sites to a browser)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if any(c in target for c in "\\\r\n\t"):
        return "/"
    return target


def _choose_language(
    request: Request, session: DbSession, principal: CurrentPrincipal, lang: str, target: str | None
) -> Response:
    """The cookie for the pages; for a signed-in person, also the language of their messages."""
    response = redirect(local_path(target), request)
    if lang in i18n.SUPPORTED:
        if principal.user is not None:
            remember_language(session, principal.user.id, lang)
        response.set_cookie(
            i18n.LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, samesite="lax", httponly=True, path="/"
        )
    return response


@router.get("/langue/{lang}")
def switch_language(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    lang: str,
    next: str = "/",  # noqa: A002 - the query's name
) -> Response:
    """The language switch of every page: a plain link, no JavaScript, no form."""
    return _choose_language(request, session, principal, lang, next)


@router.post("/langue")
def set_language(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    lang: Annotated[str, Form()] = "fr",
    suivant: Annotated[str, Form()] = "/",
) -> Response:
    return _choose_language(request, session, principal, lang, suivant)


@router.get("/healthz")
def health(session: DbSession) -> JSONResponse:
    session.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})
