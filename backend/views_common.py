"""What the views of every domain share after a form or a button: the flash and the redirect."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from backend.accounts.security import flash
from backend.errors import DomainError
from backend.rendering import redirect


def done(request: Request, url: str, message: str, kind: str = "success") -> Response:
    """The action is done: say so on the next page."""
    flash(request, message, kind)
    return redirect(url, request)


def refused(request: Request, url: str, problem: DomainError) -> Response:
    """A one-button action was refused: say why on the page it came from (nothing was typed)."""
    flash(request, problem.message, "error")
    return redirect(url, request)
