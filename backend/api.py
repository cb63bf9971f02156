"""The JSON API's version, in one place: every JSON router is served under ``/api/v1`` and described
by the OpenAPI document there; until the next major version it also answers at its former ``/api``
path, the same handlers left out of the document. Aliases rather than redirects: a redirected POST
loses its body with many clients (a 301 or 302 even turns it into a GET)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, RedirectResponse

API_V1 = "/api/v1"
UNVERSIONED = "/api"  # the paths before v1: aliases, to remove in v2
OPENAPI_URL = f"{API_V1}/openapi.json"
DOCS_URL = f"{API_V1}/docs"


class ApiRouter(APIRouter):
    """JSON routes; the prefix is relative to the API's root (``/budget``, not ``/api/budget``)."""


def mount(app: FastAPI, router: APIRouter) -> None:
    """Include a router: a JSON one under ``/api/v1`` and under its unversioned alias."""
    if isinstance(router, ApiRouter):
        app.include_router(router, prefix=API_V1)
        app.include_router(router, prefix=UNVERSIONED, include_in_schema=False)
    else:
        app.include_router(router)


def install_unversioned_docs(app: FastAPI) -> None:
    """The former addresses of the OpenAPI document (the same document) and of its pages."""

    @app.get(f"{UNVERSIONED}/openapi.json", include_in_schema=False)
    def unversioned_openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get(f"{UNVERSIONED}/docs", include_in_schema=False)
    def unversioned_docs() -> RedirectResponse:
        return RedirectResponse(DOCS_URL, status_code=301)
