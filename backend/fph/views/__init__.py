"""HTML routes of the FPH: public pages, applications, back office."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from backend.formatting import format_money
from backend.forms import euros_input
from backend.fph.labels import labels
from backend.rendering import render


def page(request: Request, template: str, context: dict[str, Any], **kwargs: Any) -> HTMLResponse:
    """render() with what every FPH template uses: labels and money in cents."""
    return render(
        request,
        template,
        {"labels": labels(), "cents": format_money, "euros_input": euros_input, **context},
        **kwargs,
    )
