"""Domain errors carry their HTTP status; one handler renders them for each kind of client."""

from __future__ import annotations

from typing import Any


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
