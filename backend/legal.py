"""The pages a French public body publishes: mentions légales, données personnelles (what is kept,
why, how long, and how to exercise one's rights) and the accessibility statement (RGAA)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/mentions-legales")
def legal_notice(request: Request) -> Response:
    return render(request, "legal/mentions.html", {})


@router.get("/donnees-personnelles")
def personal_data(request: Request) -> Response:
    settings = request.app.state.settings
    return render(
        request,
        "legal/donnees.html",
        {
            "code_days": settings.code_retention_days,
            "document_days": settings.document_retention_days,
            "contest_days": settings.contest_period_days,
        },
    )


@router.get("/accessibilite")
def accessibility(request: Request) -> Response:
    return render(request, "legal/accessibilite.html", {})
