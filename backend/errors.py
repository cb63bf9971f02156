"""Domain errors carry their HTTP status; one handler renders them for each kind of client."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class DomainError(Exception):
    """A rule refused the action. `message` is shown to the user (French, plain words)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class Invalid(DomainError):
    status_code = 422


class NotAuthenticated(DomainError):
    status_code = 401


class Forbidden(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class TooManyRequests(DomainError):
    status_code = 429


class Unavailable(DomainError):
    """An outside service (mail server, SMS provider) failed; nothing the person typed is lost."""

    status_code = 503


class FieldProblem(BaseModel):
    """One rule a request's field broke (from validation), as FastAPI locates it."""

    loc: list[str | int]
    msg: str
    type: str


class ApiError(BaseModel):
    """The body of every error answered under `/api` (and `/journal.json`)."""

    detail: str = Field(description="Ce qui ne va pas, en français simple, à montrer à la personne.")
    field: str | None = Field(default=None, description="Le champ ou paramètre en cause, s'il y en a un.")
    errors: list[FieldProblem] | None = Field(
        default=None, description="Pour une demande mal formée : chaque champ refusé et pourquoi."
    )


ERROR_DESCRIPTIONS = {
    400: "Demande mal formée (caractère interdit, corps illisible)",
    401: "Pas connecté·e, ou jeton invalide ou expiré",
    403: "Action refusée (sans jeton : cookie de session et en-tête X-CSRF-Token manquants ou périmés)",
    404: "Introuvable",
    409: "Conflit avec l'état actuel",
    422: "Informations manquantes ou pas au bon format",
    429: "Trop d'essais",
}


def error_responses(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for error statuses, all answered with `ApiError`; a keyword `e404="..."`
    overrides a status's description."""
    return {
        status: {"model": ApiError, "description": described.get(f"e{status}", ERROR_DESCRIPTIONS[status])}
        for status in statuses
    }
