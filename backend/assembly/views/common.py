"""Form parsing and page helpers shared by the assembly's views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import Response
from sqlmodel import Session

from backend.assembly.models import Saisine
from backend.assembly.permissions import SaisineContext
from backend.assembly.service.common import errors_of
from backend.db import attempt
from backend.errors import DomainError, FormCheck, Problems
from backend.rendering import render
from backend.views_common import done, refused

T = TypeVar("T")


async def form_data(request: Request) -> dict[str, Any]:
    """Every field of the posted form (for forms whose fields depend on the saisine)."""
    form = await request.form()
    return {key: form.getlist(key) if len(form.getlist(key)) > 1 else form.get(key) for key in form}


def with_read_errors(check: FormCheck, exc: DomainError, order: Sequence[str] = ()) -> DomainError:
    """The problems of values that could not be read (`check`) with the service's problems on the
    other fields (a field is not reported twice), in the form's `order`."""
    unread = {e.field for e in check.errors}
    found = check.errors + [e for e in errors_of(exc) if e.field not in unread]
    found.sort(key=lambda e: order.index(e.field) if e.field in order else len(order))
    return found[0] if len(found) == 1 else Problems(found)


def upload_dir(request: Request) -> Path:
    return Path(request.app.state.settings.upload_dir)


def saisine_url(saisine: Saisine, suffix: str = "") -> str:
    return f"/assemblee/{saisine.id}{suffix}"


def one_click(
    request: Request,
    session: Session,
    action: Callable[[], T],
    *,
    back: str,
    then: str,
    message: Callable[[T], str],
) -> Response:
    """A one-button action in a savepoint: done, go on to `then` with its message; refused, say why
    on the page it came from (`back`)."""
    outcome = attempt(session, action)
    if isinstance(outcome, DomainError):
        return refused(request, back, outcome)
    return done(request, then, message(outcome))


def manage_url(ctx: SaisineContext, suffix: str = "") -> str:
    return saisine_url(ctx.saisine, "/gestion" + suffix)


def form_page(
    request: Request,
    ctx: SaisineContext,
    *,
    title: str,
    intro: str,
    action: str,
    fields: list[dict[str, Any]],
    submit: str,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    """One form on its own page (phone-first): on error it comes back with everything typed."""
    return render(
        request,
        "assembly/form.html",
        {
            "saisine": ctx.saisine,
            "title": title,
            "intro": intro,
            "action": action,
            "fields": fields,
            "submit": submit,
            "form": form or {},
            "error": error,
            "multipart": any(f.get("type") == "file" for f in fields),
        },
        status_code=error.status_code if error else 200,
    )
