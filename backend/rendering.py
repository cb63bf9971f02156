"""HTML rendering: one Jinja environment, full pages or single blocks for htmx requests."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block
from markupsafe import Markup
from starlette.datastructures import QueryParams
from starlette.types import Scope

from backend import i18n
from backend.config import ROOT
from backend.formatting import (  # noqa: F401 - PARIS, NNBSP re-exported for the views
    NNBSP,
    PARIS,
    format_date,
    format_datetime,
    format_euros,
    format_number,
    format_percent,
)
from backend.i18n import N_

TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

# The Jinja filters keep their names (`int`, `eur`, `pct`, `date`); the formatting lives in
# `backend.formatting` so that services never import the web layer.
fmt_int = format_number
fmt_eur = format_euros
fmt_pct = format_percent


def fmt_date(value: date | datetime | str | None, with_time: bool = False) -> str:
    """The `date` filter: « 3 mars 2026 », or with the time « 3 mars 2026 à 14 h 05 »."""
    if with_time and isinstance(value, datetime | str):
        return format_datetime(value)
    return format_date(value)


# A URL naming a static file's current content can be kept a year; any other for a few minutes.
STATIC_VERSIONED_CACHE = "public, max-age=31536000, immutable"
STATIC_CACHE = "public, max-age=600"


@lru_cache(maxsize=256)
def _file_digest(file: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(file).read_bytes()).hexdigest()[:10]


def _static_hash(path: str) -> str:
    # Keyed on the file's mtime and size too, so that an edited file gets a new URL without a restart.
    file = STATIC_DIR / path
    try:
        stat = file.stat()
        return _file_digest(str(file), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return "0"


def static_url(path: str) -> str:
    """Static file URL with a content hash (``/static/css/app.css?v=1a2b3c4d5e``), so browsers
    can cache it for a year: a changed file gets a new URL."""
    return f"/static/{path}?v={_static_hash(path)}"


class VersionedStaticFiles(StaticFiles):
    """The static files; cached for a year when asked for by the URL :func:`static_url` gives."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            version = QueryParams(scope.get("query_string", b"")).get("v")
            fresh = version is not None and version == _static_hash(path)
            response.headers["Cache-Control"] = STATIC_VERSIONED_CACHE if fresh else STATIC_CACHE
        return response


def role_label(role: str) -> str:
    from backend.accounts.permissions import ROLE_LABELS

    labels = {str(key): label for key, label in ROLE_LABELS.items()}
    labels.update(system=N_("Plateforme (automatique)"), anonymous=N_("Anonyme"))
    return i18n.gettext(labels[role]) if role in labels else role


USER_TEXT = {
    "bdi": Markup('<bdi dir="auto" lang="{}">{}</bdi>'),
    "div": Markup('<div dir="auto" lang="{}">{}</div>'),
    "p": Markup('<p dir="auto" lang="{}">{}</p>'),
}
ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")
LATIN_LETTER = re.compile("[A-Za-z\u00c0-\u024f]")


def text_language(text: str) -> str:
    """The language a resident wrote in, as far as the letters tell: Arabic when Arabic letters
    outnumber Latin ones, else French (the platform's language). Marked with `lang` so that a
    screen reader reads it with the right voice whatever the page's language."""
    return "ar" if len(ARABIC_LETTER.findall(text)) > len(LATIN_LETTER.findall(text)) else "fr"


def user_text(value: object, tag: str = "bdi") -> Markup:
    """What a resident wrote (a title, a description, an avis, a comment), in an element that finds
    its own direction: Arabic written by a resident reads right to left inside a French page, and
    the reverse. `bdi` for a phrase, `tag="div"` for a text of several lines."""
    if value is None or value == "":
        return Markup("")
    return USER_TEXT[tag].format(text_language(str(value)), value)


def residence_label(status: str | None) -> str:
    """A residence status in French (« Résidence vérifiée »), never the raw value."""
    from backend.accounts.models import RESIDENCE_LABELS, ResidenceStatus

    if status not in set(ResidenceStatus):
        return status or "—"
    return i18n.gettext(RESIDENCE_LABELS[ResidenceStatus(status)])


def nav_links(request: Request) -> list[tuple[str, str]]:
    """Main menu: QPV, each process of the app's registry, the journal."""
    links = [("/quartiers", i18n.gettext("Quartiers"))]
    links += [
        (kind.url, i18n.gettext(kind.extra.get("nav_label", kind.label)))
        for kind in request.app.state.registry
    ]
    links.append(("/journal", i18n.gettext("Journal")))
    return links


def _unread_notifications(request: Request) -> int:
    from backend.notifications.views import unread_badge

    return unread_badge(request)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: i18n.gettext(s), ngettext=lambda s, p, n: i18n.ngettext(s, p, n), newstyle=True
    )
    env.globals.update(static_url=static_url, role_label=role_label, residence_label=residence_label)
    env.filters.update(
        user_text=user_text, int=fmt_int, num=format_number, eur=fmt_eur, pct=fmt_pct, date=fmt_date
    )
    return env


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def base_context(request: Request) -> dict[str, Any]:
    from backend.accounts.security import csrf_token, pop_flashes

    locale = i18n.get_locale()
    return {
        "request": request,
        "user": getattr(request.state, "user", None),
        "principal": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "locale": locale,
        "text_dir": i18n.text_direction(locale),
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "languages": list(i18n.LANGUAGE_NAMES.items()),
        "nav_links": lambda: nav_links(request),
        "unread_notifications": lambda: _unread_notifications(request),
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    block: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page; for an htmx request naming a block, render only that block."""
    ctx = base_context(request)
    ctx.update(context or {})
    env = environment()
    if block and is_htmx(request):
        content = render_block(env, template, block, ctx)
    else:
        content = env.get_template(template).render(ctx)
    return HTMLResponse(content, status_code=status_code, headers=headers)


def redirect(url: str, request: Request | None = None, status_code: int = 303) -> Response:
    """Post/redirect/get. htmx would follow a 303 inside its XHR, so it gets HX-Redirect instead."""
    if request is not None and is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=status_code)
