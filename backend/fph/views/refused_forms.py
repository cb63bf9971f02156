"""A staff form the service refused, shown again in its page with its error and what was typed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from backend.errors import DomainError
from backend.fph.views import page


@dataclass(frozen=True)
class Refused:
    """``where`` tells the page which of its forms was refused: a form's name, or an agenda item's id."""

    error: DomainError
    typed: dict[str, str]
    where: str | int


def page_with(
    request: Request, template: str, context: dict[str, Any], refusal: Refused | None, *, where_key: str
) -> Response:
    """``page``, with the refused form if there is one (under ``error``, ``form`` and ``where_key``)
    and the error's status."""
    if refusal is None:
        return page(request, template, {**context, "error": None, "form": {}, where_key: None})
    shown = {"error": refusal.error, "form": refusal.typed, where_key: refusal.where}
    return page(request, template, {**context, **shown}, status_code=refusal.error.status_code)
