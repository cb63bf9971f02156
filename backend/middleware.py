"""Plain ASGI middleware (no BaseHTTPMiddleware: it costs a task and a stream per request)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import i18n

CSP_TEMPLATE = (
    "default-src 'self'; img-src 'self' data:{img_hosts}; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
CSP = CSP_TEMPLATE.format(img_hosts="")


def content_security_policy(img_hosts: tuple[str, ...] = ()) -> str:
    """The policy, with extra image origins (the map's tile server)."""
    return CSP_TEMPLATE.format(img_hosts="".join(f" {host}" for host in img_hosts))


NOSNIFF = ("X-Content-Type-Options", "nosniff")
SECURITY_HEADERS = (NOSNIFF, ("Referrer-Policy", "same-origin"), ("X-Frame-Options", "DENY"))
SUBRESOURCE_TYPES = ("text/css", "text/javascript", "application/javascript")


def _lang_cookie(cookie_header: str | None) -> str | None:
    if not cookie_header or i18n.LANG_COOKIE + "=" not in cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:  # noqa: BLE001 - a malformed cookie header only loses the language choice
        return None
    morsel = jar.get(i18n.LANG_COOKIE)
    return morsel.value if morsel else None


def add_security_headers(message: Message, locale: str = i18n.DEFAULT_LOCALE, csp: str = CSP) -> None:
    """Security headers on every response; HTML pages are personal, so never cached. A page's
    language follows the language cookie, else Accept-Language: caches are told so."""
    headers = MutableHeaders(scope=message)
    # A stylesheet or a script is no document: the policy and frame headers would only be ~250
    # bytes more on each of a page's files, on a slow network.
    subresource = headers.get("content-type", "").startswith(SUBRESOURCE_TYPES)
    if not subresource:
        headers.setdefault("Content-Security-Policy", csp)
    for name, value in (NOSNIFF,) if subresource else SECURITY_HEADERS:
        headers.setdefault(name, value)
    if headers.get("content-type", "").startswith("text/html"):
        headers.setdefault("Cache-Control", "no-store")
        headers.setdefault("Vary", "Accept-Language, Cookie, HX-Request")
        headers.setdefault("Content-Language", locale)


class LocaleAndSecurityHeaders:
    """Pick the request's language (cookie, then Accept-Language) and add security headers."""

    def __init__(self, app: ASGIApp, img_hosts: tuple[str, ...] = ()) -> None:
        self.app = app
        self.csp = content_security_policy(img_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        locale = i18n.negotiate(headers.get("accept-language"), _lang_cookie(headers.get("cookie")))
        i18n.set_locale(locale)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                add_security_headers(message, locale, self.csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Already compressed: PDF, and the spreadsheets (zip archives).
INCOMPRESSIBLE = (
    *DEFAULT_EXCLUDED_CONTENT_TYPES,
    "application/pdf",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)


class Compression(GZipMiddleware):
    """gzip responses of 1 KB or more (Starlette's GZipMiddleware, plain ASGI, streams chunk by chunk).

    Pages of a session are compressed too: their CSRF token is masked afresh in every response
    (``accounts.security.csrf_token``), so the size of a compressed page cannot reveal it (BREACH).
    """

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        super().__init__(app, minimum_size, compresslevel=6, exclude_content_types=INCOMPRESSIBLE)


class RenderServerErrors:
    """Answer an unexpected exception with the app's 500 page (or JSON) here, inside the stack.

    Left to Starlette's outermost ServerErrorMiddleware, the exception is re-raised after the answer
    is sent, and uvicorn then closes the connection: the client's next request on it fails. Added
    innermost, so the session, headers and any compression still wrap the 500 like any answer."""

    def __init__(self, app: ASGIApp, handler: Callable[[Request, Exception], Awaitable[Response]]) -> None:
        self.app = app
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            if started:
                raise  # half an answer is out: only closing the connection tells the client
            response = await self.handler(Request(scope, receive), exc)
            await response(scope, receive, send)
