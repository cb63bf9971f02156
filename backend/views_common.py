"""What the views of every domain share: the posted form (as a form model, or whole), and the flash
and the redirect after a form or a button."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import FormData

from backend.accounts.security import flash
from backend.errors import DomainError, NotFound
from backend.i18n import gettext as _
from backend.rendering import redirect
from backend.territory.models import QpvRef

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class FormFields(BaseModel):
    """The fields of a posted form, read together (``form: Posted[MyForm]``): declare each field
    ``name: str = ""``. A field left out or empty reads as its default, as a lone ``Form()``
    parameter did; fields the form model does not declare are ignored. Views parse the text with
    :mod:`backend.forms`, and show it again as typed when the form is refused."""

    model_config = ConfigDict(frozen=True)

    def typed(self, *names: str) -> dict[str, Any]:
        """The text typed in these fields (all of them when none is named), to fill the form again."""
        return {name: value for name, value in self.model_dump().items() if not names or name in names}


class DecisionReasonForm(FormFields):
    """A decision on a page's object (the key its button posts) and the reason typed for it."""

    decision: str = ""
    reason: str = ""


F = TypeVar("F", bound=FormFields)
Posted = Annotated[F, Form()]


async def whole_form(request: Request) -> FormData:
    """The whole posted form (fields and uploaded files), for a form whose fields depend on the data
    (one per criterion, per project). Read here without blocking the event loop, so that the routes
    stay plain `def`: their SQL is synchronous and FastAPI runs them in a thread."""
    return await request.form()


WholeForm = Annotated[FormData, Depends(whole_form)]

D = TypeVar("D", bound="DataclassInstance")


def posted_into(kind: type[D]) -> Callable[[FormData], D]:
    """A dependency that reads a service's input (a dataclass of text fields) straight from the
    posted form, each field as typed and "" when left out, so that its fields are listed once:
    ``Annotated[MyInput, Depends(posted_into(MyInput))]``."""

    def read(form: WholeForm) -> D:
        values = {f.name: form.get(f.name) for f in fields(kind)}
        return kind(**{name: value if isinstance(value, str) else "" for name, value in values.items()})

    return read


def done(request: Request, url: str, message: str, kind: str = "success") -> Response:
    """The action is done: say so on the next page."""
    flash(request, message, kind)
    return redirect(url, request)


def refused(request: Request, url: str, problem: DomainError) -> Response:
    """A one-button action was refused: say why on the page it came from (nothing was typed)."""
    flash(request, problem.message, "error")
    return redirect(url, request)


def chosen_quartiers(covered: list[QpvRef], code: str) -> list[QpvRef]:
    """The quartiers in one's charge that a list is filtered on: the one with this code, or all of
    them when no code is given. A code outside one's charge is a 404, never an empty list."""
    if not code:
        return covered
    chosen = [r for r in covered if r.code == code]
    if not chosen:
        raise NotFound(_("Ce quartier n'existe pas ou n'est pas dans votre périmètre."))
    return chosen


def page_count(total: int, size: int) -> int:
    """How many pages `total` rows fill, `size` a page: one at least, even for an empty list."""
    return max(1, -(-total // size))
