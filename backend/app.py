"""create_app(settings): the only place routers are mounted."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from backend.accounts.deps import csrf_protect, current_principal
from backend.api import DOCS_URL, OPENAPI_URL, install_unversioned_docs, mount
from backend.config import Settings
from backend.db import make_engine, make_sessionmaker
from backend.errors import DomainError, NotAuthenticated, error_responses
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.mail import make_mailer
from backend.middleware import Compression, LocaleAndSecurityHeaders, RenderServerErrors
from backend.registry import build_registry
from backend.rendering import STATIC_DIR, VersionedStaticFiles, is_htmx, redirect, render
from backend.sms import make_sms_sender
from backend.territory.geocoder import BanGeocoder

log = logging.getLogger("qp")

STATUS_TITLES = {
    400: N_("Demande incorrecte"),
    401: N_("Connexion nécessaire"),
    403: N_("Accès refusé"),
    404: N_("Page introuvable"),
    405: N_("Action impossible"),
    409: N_("Conflit"),
    413: N_("Fichier trop volumineux"),
    422: N_("Informations à corriger"),
    429: N_("Trop d'essais"),
    500: N_("Erreur du serveur"),
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        lifespan=_lifespan,
        title="Quartiers Participatifs",
        version="0.1.0",
        description="API de la plateforme de participation des quartiers prioritaires.",
        dependencies=[Depends(reject_nul_bytes), Depends(csrf_protect), Depends(current_principal)],
        responses=error_responses(400, 422),
        docs_url=DOCS_URL,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
    )
    registry = build_registry()
    registry.import_models()  # every table mapped before the first request
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.registry = registry
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.geocoder = (
        BanGeocoder(settings.ban_url, timeout_s=settings.ban_timeout_s, min_score=settings.ban_min_score)
        if settings.geocoder_enabled
        else None
    )
    app.state.mailer = make_mailer(settings)
    app.state.sms = make_sms_sender(settings)

    async def close_database() -> None:
        engine.dispose()  # the pooled connections; the engine opens new ones if used again

    app.state.closers = [close_database]  # async callables run at shutdown: the connection pools

    app.add_middleware(RenderServerErrors, handler=unexpected_error)
    tile_hosts = (settings.map_tile_origin,) if settings.map_tile_origin else ()
    app.add_middleware(LocaleAndSecurityHeaders, img_hosts=tile_hosts)
    # Outside the security headers, so that "Vary: Accept-Encoding" joins their Vary.
    app.add_middleware(Compression)
    # Added last so it runs first: the session is available to everything above.
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="qp_session",
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.secure_cookies,
    )

    app.mount("/static", VersionedStaticFiles(directory=STATIC_DIR), name="static")
    _install_error_handlers(app)
    install_unversioned_docs(app)

    from backend.accounts import activation_views as accounts_activation
    from backend.accounts import admin_views as accounts_admin
    from backend.accounts import postal_views
    from backend.accounts import recovery_views as accounts_recovery
    from backend.accounts import views as accounts_views
    from backend.ledger import api as ledger_api
    from backend.ledger import views as ledger_views
    from backend.legal import router as legal_router
    from backend.pages import router as pages_router
    from backend.territory import api as territory_api
    from backend.territory import views as territory_views

    for router in (
        pages_router,
        legal_router,
        territory_views.router,
        territory_api.router,
        accounts_views.router,
        accounts_recovery.router,
        accounts_activation.router,
        accounts_admin.router,
        postal_views.router,
        ledger_views.router,
        ledger_api.router,
        ledger_api.download_router,
    ):
        mount(app, router)
    for kind in registry.parts():
        for router in kind.routers():
            mount(app, router)
        if kind.middleware is not None:
            kind.middleware(app, settings)
    return app


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    outbox = None
    if settings.outbox_in_process:
        from backend.notifications.worker import InProcessWorker

        outbox = InProcessWorker(
            app.state.engine,
            app.state.registry,
            app.state.mailer,
            app.state.sms,
            settings.base_url,
            settings.outbox_interval_s,
        )
        outbox.start()
    app.state.outbox_worker = outbox
    try:
        yield
    finally:
        if outbox is not None:
            outbox.stop()
        for close in app.state.closers:
            await close()


def reject_nul_bytes(request: Request) -> None:
    """No path or query text may hold a NUL character: PostgreSQL refuses it in text (an error, or a
    truncated streamed answer). One guard for every route, answered as a 400 in the route's format."""
    if "\x00" in request.url.path:
        raise DomainError(_("L'adresse contient un caractère interdit."))
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            shown = name.replace("\x00", "")
            raise DomainError(
                _("Le paramètre « %(name)s » contient un caractère interdit.") % {"name": shown}, field=shown
            )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.endswith(".json")


def _error_response(
    request: Request,
    status: int,
    message: str,
    field: str | None = None,
    errors: list[dict[str, object]] | None = None,
) -> Response:
    if _wants_json(request):
        body: dict[str, object] = {"detail": message, "field": field}
        if errors is not None:
            body["errors"] = errors
        return JSONResponse(body, status_code=status)
    if status == 401 and request.method == "GET" and not is_htmx(request):
        from urllib.parse import quote

        from backend.accounts.security import flash

        flash(request, message, "info")
        return redirect(f"/connexion?suivant={quote(request.url.path)}")
    context = {"status": status, "title": _(STATUS_TITLES.get(status, N_("Erreur"))), "message": message}
    return render(request, "error.html", context, status_code=status, block="content")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, NotAuthenticated):
            return _error_response(request, 401, exc.message)
        return _error_response(request, exc.status_code, exc.message, exc.field)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {
            400: _("Cette demande est mal formée : son contenu n'a pas pu être lu."),
            404: "Cette page n'existe pas ou a été déplacée.",
            405: "Cette action n'est pas possible sur cette page.",
        }
        message = messages.get(exc.status_code) or str(exc.detail)
        return _error_response(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Only plain data goes back: a raw body (bytes) or an exception in "input"/"ctx" is not JSON.
        errors: list[dict[str, object]] = [
            {
                "loc": [p if isinstance(p, int) else str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        # A field is named by the last name in its location (not a list index or a JSON offset).
        named = ([str(p) for p in err.get("loc", ()) if not isinstance(p, int)] for err in exc.errors())
        fields = sorted({names[-1] for names in named if names})
        message = _("Certaines informations manquent ou ne sont pas au bon format") + (
            f" : {', '.join(fields)}." if fields else "."
        )
        return _error_response(request, 422, message, fields[0] if fields else None, errors)

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A number in a URL beyond the database's integers (PostgreSQL: above 2^31 in an integer
        # column; SQLite: above 2^63) names nothing that exists: one place for every route.
        if _out_of_range(exc):
            return _error_response(request, 404, _("Cette page n'existe pas ou a été déplacée."))
        if isinstance(exc, DataError) and "NUL" in str(exc.orig):
            return _error_response(request, 400, _("La demande contient un caractère interdit."))
        return await unexpected_error(request, exc)

    app.add_exception_handler(Exception, unexpected_error)


def _out_of_range(exc: Exception) -> bool:
    if isinstance(exc, DataError):
        return getattr(exc.orig, "sqlstate", None) == "22003"  # numeric_value_out_of_range
    return "too large to convert to SQLite INTEGER" in str(exc)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return _error_response(
        request,
        500,
        "Une erreur inattendue s'est produite. Rien n'a été enregistré. Réessayez dans un instant.",
    )
