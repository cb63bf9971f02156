"""Screens of the residence verification by post: agents print letters, residents type the code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.accounts import postal
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role
from backend.accounts.permissions import Principal, require_authenticated
from backend.deps import DbSession
from backend.errors import DomainError, Forbidden, Invalid
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import QpvRef
from backend.territory.service import qpv_refs
from backend.views_common import WholeForm, chosen_quartiers, done

router = APIRouter(include_in_schema=False)

# Letters carry residents' addresses: agents of the QPV and administrators print them.
POSTAL_ROLES = (Role.agent, Role.admin)


def _covered(session: DbSession, principal: Principal) -> list[QpvRef]:
    require_authenticated(principal)
    covered = [ref for ref in qpv_refs(session).values() if principal.covers_any(POSTAL_ROLES, ref)]
    if not covered:
        raise Forbidden(_("Seuls les agents du quartier et l'administration impriment ces courriers."))
    return sorted(covered, key=lambda r: r.name)


def _list_page(
    request: Request, session: DbSession, covered: list[QpvRef], qpv: str, error: DomainError | None = None
) -> Response:
    settings = request.app.state.settings
    rows = postal.waiting(session, settings.secret_key, [r.id for r in chosen_quartiers(covered, qpv)])
    ctx: dict[str, Any] = {"covered": covered, "qpv": qpv, "rows": rows, "error": error}
    return render(
        request, "accounts/postal_waiting.html", ctx, status_code=error.status_code if error else 200
    )


@router.get("/verification/courriers")
def letters_waiting(
    request: Request, session: DbSession, principal: CurrentPrincipal, qpv: str = ""
) -> Response:
    return _list_page(request, session, _covered(session, principal), qpv)


@router.post("/verification/courriers/imprimer")
def print_letters(
    request: Request, session: DbSession, principal: CurrentPrincipal, raw: WholeForm
) -> Response:
    covered = _covered(session, principal)
    qpv = raw.get("qpv")
    qpv = qpv if isinstance(qpv, str) else ""
    chosen = {int(v) for v in raw.getlist("personne") if isinstance(v, str) and v.isdigit()}
    settings = request.app.state.settings
    rows = [
        row
        for row in postal.waiting(
            session, settings.secret_key, [r.id for r in chosen_quartiers(covered, qpv)]
        )
        if row.user.id in chosen
    ]
    if not rows:
        return _list_page(
            request, session, covered, qpv, Invalid(_("Cochez au moins une personne."), field="personne")
        )
    role = next((r for r in POSTAL_ROLES if any(principal.covers(r, ref) for ref in covered)), Role.agent)
    letters = postal.issue_letters(session, settings.secret_key, principal.actor(role), rows)
    return render(
        request,
        "accounts/postal_letters.html",
        {"letters": letters, "account_url": str(request.base_url).rstrip("/") + "/compte"},
    )


@router.get("/compte/code-courrier")
def code_form(request: Request, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    return render(request, "accounts/postal_code.html", {"me": user, "code": "", "error": None})


@router.post("/compte/code-courrier")
def enter_code(
    request: Request, session: DbSession, principal: CurrentPrincipal, code: Annotated[str, Form()] = ""
) -> Response:
    user = require_authenticated(principal)
    settings = request.app.state.settings
    try:
        # No savepoint on purpose: a wrong code must count as an attempt even though it is refused.
        qpv = postal.verify_with_code(session, settings.secret_key, user, code[:40])
    except DomainError as exc:
        ctx = {"me": user, "code": code[:40], "error": exc}
        return render(request, "accounts/postal_code.html", ctx, status_code=exc.status_code)
    return done(
        request,
        "/compte#residence",
        _("Merci ! Votre adresse est vérifiée : vous habitez le quartier %(name)s.") % {"name": qpv.name},
    )
