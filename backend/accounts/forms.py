"""Account forms report every problem at once: each check runs, its error is kept, and the
form is shown again with all of them listed, each next to its field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from backend.errors import DomainError, Invalid, Problems
from backend.forms import parse_year
from backend.i18n import gettext as _
from backend.views_common import FormFields

T = TypeVar("T")


class Checks:
    """Collects the errors of several checks: `with checks: ...` or `checks.value(fn, ...)`."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def __enter__(self) -> Checks:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, DomainError):
            self.errors.extend(Problems.of(exc))
            return True
        return False

    def value(self, check: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """The result of `check`, or None when it refused the value (its error is kept)."""
        try:
            return check(*args, **kwargs)
        except DomainError as exc:
            self.errors.extend(Problems.of(exc))
            return None

    def add(self, message: str, field: str) -> None:
        self.errors.append(Invalid(message, field=field))

    def has(self, field: str) -> bool:
        return any(e.field == field for e in self.errors)

    def raise_any(self) -> None:
        if self.errors:
            raise Problems(self.errors)


@contextmanager
def collecting() -> Iterator[Checks]:
    """`with collecting() as checks:` runs the checks, then raises every problem found at once."""
    checks = Checks()
    yield checks
    checks.raise_any()


def read_birth_year(value: str, *, required: bool = False) -> int | None:
    """The birth year typed by a person (`backend.forms.parse_year`); its range is the service's rule."""
    if not value.strip():
        if required:
            raise Invalid(
                _(
                    "Indiquez votre année de naissance, par exemple 1985. Elle sert à vérifier l'âge minimum du vote."
                ),
                field="birth_year",
            )
        return None
    return parse_year(
        value, "birth_year", message=_("L'année de naissance s'écrit avec 4 chiffres, par exemple 1985.")
    )


# --- the forms of the account pages, each read in one piece (`Posted[...]`) -----------------------


class NewPasswordForm(FormFields):
    """A form that sets a password: typed twice, the same both times."""

    password: str = ""
    password_confirm: str = ""

    def check_confirm(self) -> None:
        if self.password != self.password_confirm:
            raise Invalid(_("Les deux mots de passe ne sont pas identiques."), field="password_confirm")


class ResetCodeForm(NewPasswordForm):
    """A new password, with the code received to set it."""

    code: str = ""


class ActivationForm(ResetCodeForm):
    contact: str = ""


class PasswordChangeForm(NewPasswordForm):
    current_password: str = ""


class PersonForm(FormFields):
    """Who one is, as signing up and the profile ask it."""

    display_name: str = ""
    birth_year: str = ""


class SignupForm(NewPasswordForm, PersonForm):
    identifier: str = ""
    consent: str = ""


class NextPageForm(FormFields):
    """A form that leads back, once done, to the page it was opened from (checked by the view)."""

    suivant: str = ""


class ProfileForm(PersonForm, NextPageForm):
    """The profile: who one is, then back to where one was."""


class LoginForm(NextPageForm):
    identifier: str = ""
    password: str = ""


class ResidenceForm(NextPageForm):
    address: str = ""
    qpv_code: str = ""


class DeleteAccountForm(FormFields):
    password: str = ""
    confirm: str = ""


class DocumentForm(FormFields):
    document_kind: str = ""
    document_number: str = ""


class ContactForm(FormFields):
    email: str = ""
    phone: str = ""


class GrantForm(FormFields):
    role: str = ""
    scope: str = ""
