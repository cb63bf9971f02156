"""Request dependencies: who is asking (from the session cookie and its server-side session) and CSRF protection."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.accounts.permissions import Principal, admin_policy, enforce
from backend.accounts.security import CSRF_FIELD, CSRF_HEADER, csrf_valid
from backend.accounts.sessions import load_principal
from backend.deps import DbSession
from backend.errors import Forbidden
from backend.i18n import gettext as _

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def bearer_presented(request: Request) -> bool:
    """The client authenticates itself with an ``Authorization: Bearer`` header. Such a request
    is never authenticated by the session cookie, valid token or not: a cookie rides along with
    any request a browser sends, so only the token may speak for the caller."""
    scheme, _sep, _token = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer"


def current_principal(request: Request, session: DbSession) -> Principal:
    """Loaded once per request (FastAPI caches it) and exposed to templates."""
    if bearer_presented(request) or "session" not in request.scope:
        principal = Principal()
    else:
        data = request.session
        max_age_s = request.app.state.settings.session_max_age_s
        principal = load_principal(session, data.get("uid"), data.get("sid"), max_age_s)
        if principal.user is None and data.get("uid") is not None:
            # Ended session: logged out, password changed, account deleted or disabled, expired.
            for stale in ("uid", "sid", "sv"):
                data.pop(stale, None)
    request.state.user = principal.user
    request.state.principal = principal
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or header).

    JSON API calls with a bearer token need none: the cookie does not authenticate them (see
    `bearer_presented`), so a forged cross-site request gains nothing from it, and a junk
    token is refused by the route like no token at all."""
    if request.method in SAFE_METHODS:
        return
    if request.url.path.startswith("/api/") and bearer_presented(request):
        return
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not csrf_valid(request, token):
        raise Forbidden(
            _(
                "Cette page a expiré ou le formulaire ne vient pas de ce site. "
                "Revenez en arrière, rechargez la page, puis recommencez."
            )
        )


def require_admin(principal: CurrentPrincipal) -> Principal:
    enforce(admin_policy(principal))
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
