"""The notification centre (`/notifications`) and the preferences (`/compte/notifications`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import inspect

from backend import i18n
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import require_authenticated
from backend.accounts.security import flash
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.i18n import gettext as _
from backend.notifications import service
from backend.notifications.models import Channel
from backend.rendering import redirect, render
from backend.views_common import FormFields, Posted

router = APIRouter(include_in_schema=False)

CHANNEL_LABELS = {Channel.email: "Par e-mail", Channel.sms: "Par SMS"}
LANGUAGE_LABELS = {"fr": "Français", "en": "English", "ar": "العربية"}


def unread_badge(request: Request) -> int:
    """The header's count: one indexed query, only for a logged-in person on a page with a session."""
    user = getattr(request.state, "user", None)
    session = getattr(request.state, "db", None)
    # An error page is rendered after the request's session has ended (its objects detached): no count.
    if user is None or session is None or inspect(user).detached:
        return 0
    return service.unread_count(session, user.id)


def _local(path: str, default: str = "/notifications") -> str:
    return path if path.startswith("/") and not path.startswith("//") else default


@router.get("/notifications")
def centre(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    items = service.latest(session, user.id)
    return render(
        request,
        "notifications/list.html",
        {"items": items, "unread": sum(1 for n in items if n.read_at is None)},
    )


@router.post("/notifications/{notification_id}/lue")
def mark_read(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    notification_id: int,
    ouvrir: Annotated[str, Form()] = "",
) -> Response:
    """Mark one notice read; with `ouvrir`, go on to the page it is about."""
    user = require_authenticated(principal)
    notification = service.mark_read(session, user.id, notification_id)
    return redirect(_local(notification.url) if ouvrir else "/notifications", request)


@router.post("/notifications/toutes-lues")
def mark_all_read(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    service.mark_all_read(session, user.id)
    flash(request, _("Toutes vos notifications sont lues."), "success")
    return redirect("/notifications", request)


def _preferences_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, error: DomainError | None = None
) -> Response:
    user = require_authenticated(principal)
    grid, language = service.preference_grid(session, user)
    return render(
        request,
        "notifications/preferences.html",
        {
            "grid": grid,
            "language": language,
            "reachable": service.reachable(user),
            "channels": [(c.value, CHANNEL_LABELS[c]) for c in Channel],
            "languages": [(code, LANGUAGE_LABELS.get(code, code)) for code in i18n.SUPPORTED],
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/compte/notifications")
def preferences(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    return _preferences_page(request, session, principal)


class PreferencesForm(FormFields):
    canal: list[str] = []
    langue: str = "fr"


@router.post("/compte/notifications")
def save_preferences(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[PreferencesForm]
) -> Response:
    """Checkboxes named `canal`, valued `<kind>:<channel>`."""
    user = require_authenticated(principal)
    chosen: dict[str, list[str]] = {}
    for value in posted.canal:
        kind, _sep, channel = value.partition(":")
        chosen.setdefault(kind, []).append(channel)
    outcome = attempt(session, lambda: service.save_preferences(session, user, chosen, posted.langue))
    if isinstance(outcome, DomainError):
        return _preferences_page(request, session, principal, outcome)
    flash(request, _("Vos choix sont enregistrés."), "success")
    return redirect("/compte/notifications", request)
