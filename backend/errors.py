"""Domain errors carry their HTTP status; one handler renders them for each kind of client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, Field

from backend.i18n import gettext as _

T = TypeVar("T")


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


class Problems(Invalid):
    """Several field errors at once, in the order of the form: every form lists all its problems
    (each next to its field, with a summary at the top). The status is the first error's: 409 when
    the form's first problem is an identifier already taken, 422 otherwise."""

    def __init__(self, errors: Sequence[DomainError]):
        first = errors[0]
        message = (
            first.message if len(errors) == 1 else _("%(n)d points sont à corriger.") % {"n": len(errors)}
        )
        super().__init__(message, field=first.field)
        self.errors = list(errors)
        self.status_code = first.status_code

    @staticmethod
    def of(exc: DomainError) -> list[DomainError]:
        """The problems to list on a form: each of a Problems, or the one error."""
        return exc.errors if isinstance(exc, Problems) else [exc]

    def by_field(self) -> dict[str, DomainError]:
        found: dict[str, DomainError] = {}
        for error in self.errors:
            found.setdefault(error.field or "", error)
        return found


@dataclass
class FormCheck:
    """Runs a form's checks one after another and keeps every field problem, not just the first."""

    errors: list[DomainError] = field(default_factory=list)

    def __call__(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except Problems as exc:
            self.errors.extend(exc.errors)
        except DomainError as exc:
            if exc.field is None:  # not about a field (closed, not allowed): stop there
                raise
            self.errors.append(exc)
        return None

    def fail(self, message: str, field: str) -> None:
        self.errors.append(Invalid(message, field=field))

    def done(self) -> None:
        """Raise every problem found, if any (a single one as it is, keeping its status)."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise Problems(self.errors)


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
