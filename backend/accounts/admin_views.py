"""Administration of users and role grants."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from backend.accounts import service
from backend.accounts.deps import AdminPrincipal
from backend.accounts.forms import GrantForm
from backend.accounts.grants import active_grants, grant_role, revoke_grant
from backend.accounts.models import Role, RoleGrant, ScopeKind
from backend.accounts.permissions import ROLE_LABELS, SCOPE_LABELS
from backend.db import attempt
from backend.deps import DbSession, get_registry
from backend.errors import DomainError, NotFound
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import Commune
from backend.territory.service import list_qpv, metropoles, secteurs
from backend.views_common import Posted, done

router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("")
def admin_home(request: Request, principal: AdminPrincipal) -> Response:
    return render(request, "admin/home.html", {"processes": list(get_registry(request))})


@router.get("/utilisateurs")
def users(request: Request, session: DbSession, principal: AdminPrincipal, q: str = "") -> Response:
    return render(
        request, "admin/users.html", {"q": q, "users": service.search_users(session, q)}, block="results"
    )


def _scope_choices(session: DbSession) -> dict[str, list[tuple[str, str]]]:
    return {
        ScopeKind.qpv: [(q.code, f"{q.name} ({q.code})") for q in list_qpv(session)],
        ScopeKind.secteur: [(s.slug, s.name) for s in secteurs(session)],
        ScopeKind.commune: [
            (c.insee, c.name) for c in session.exec(select(Commune).order_by(Commune.name)).all()
        ],
        ScopeKind.metropole: [(m.code, m.name) for m in metropoles(session)],
    }


def _user_page(
    request: Request, session: DbSession, user_id: int, error: DomainError | None = None
) -> Response:
    user = service.get_user(session, user_id)
    grants = active_grants(session, user_id)
    return render(
        request,
        "admin/user.html",
        {
            "target": user,
            "grants": grants,
            "roles": [r for r in Role if r != Role.resident],
            "role_labels": ROLE_LABELS,
            "scope_labels": SCOPE_LABELS,
            "scope_choices": _scope_choices(session),
            "error": error,
        },
        status_code=error.status_code if error else 200,
    )


@router.get("/utilisateurs/{user_id}")
def user_detail(request: Request, session: DbSession, principal: AdminPrincipal, user_id: int) -> Response:
    return _user_page(request, session, user_id)


@router.post("/utilisateurs/{user_id}/roles")
def grant(
    request: Request, session: DbSession, principal: AdminPrincipal, user_id: int, posted: Posted[GrantForm]
) -> Response:
    user = service.get_user(session, user_id)
    # One select lists every territory as "kind:code", grouped by kind.
    scope_kind, _sep, scope_code = posted.scope.partition(":")
    outcome = attempt(
        session,
        lambda: grant_role(session, principal.actor(Role.admin), user, posted.role, scope_kind, scope_code),
    )
    if isinstance(outcome, DomainError):
        return _user_page(request, session, user_id, outcome)
    return done(
        request,
        f"/admin/utilisateurs/{user_id}",
        _("Rôle « %(role)s » attribué à %(name)s.")
        % {"role": _(ROLE_LABELS[Role(posted.role)]), "name": user.display_name},
    )


@router.post("/roles/{grant_id}/retirer")
def revoke(request: Request, session: DbSession, principal: AdminPrincipal, grant_id: int) -> Response:
    grant_row = session.get(RoleGrant, grant_id)
    if grant_row is None:
        raise NotFound(_("Ce rôle n'existe pas."))
    revoke_grant(session, principal.actor(Role.admin), grant_row)
    return done(request, f"/admin/utilisateurs/{grant_row.user_id}", _("Rôle retiré."))
