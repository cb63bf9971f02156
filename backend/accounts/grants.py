"""Roles given on a territory (grants): who holds which, giving and withdrawing them (journaled)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.accounts.journal import journal_user
from backend.accounts.models import Role, RoleGrant, ScopeKind, User
from backend.accounts.permissions import ROLE_LABELS
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Commune, Metropole, Qpv, Secteur


def active_grants(session: Session, user_id: int) -> list[RoleGrant]:
    return list(
        session.exec(
            select(RoleGrant)
            .where(RoleGrant.user_id == user_id, col(RoleGrant.revoked_at).is_(None))
            .order_by(col(RoleGrant.id))
        ).all()
    )


def _check_scope(session: Session, scope_kind: str, scope_code: str) -> str:
    """Validate a scope and return its human label."""
    if scope_kind == ScopeKind.all:
        return "tout le territoire"
    model, column, label = {
        ScopeKind.qpv: (Qpv, Qpv.code, "quartier"),
        ScopeKind.secteur: (Secteur, Secteur.slug, "secteur"),
        ScopeKind.commune: (Commune, Commune.insee, "commune"),
        ScopeKind.metropole: (Metropole, Metropole.code, "métropole"),
    }.get(ScopeKind(scope_kind), (None, None, None))
    if model is None:
        raise Invalid(_("Type de territoire inconnu."), field="scope_kind")
    obj = session.exec(select(model).where(column == scope_code)).first()  # type: ignore[arg-type]
    if obj is None:
        raise Invalid(
            _("Ce %(label)s n'existe pas : %(scope_code)s.") % {"label": label, "scope_code": scope_code},
            field="scope_code",
        )
    return f"{label} {obj.name}"


def grant_role(
    session: Session, actor: ActorRef, user: User, role: str, scope_kind: str, scope_code: str
) -> RoleGrant:
    """Give a role on a territory; journaled."""
    try:
        role = Role(role)
        scope_kind = ScopeKind(scope_kind)
    except ValueError as exc:
        raise Invalid(_("Rôle ou territoire inconnu.")) from exc
    if role == Role.resident:
        raise Invalid(_("Le rôle habitant·e est celui de tout compte : il ne s'attribue pas."))
    scope_code = "" if scope_kind == ScopeKind.all else scope_code.strip()
    where = _check_scope(session, scope_kind, scope_code)
    assert user.id is not None
    for g in active_grants(session, user.id):
        if (g.role, g.scope_kind, g.scope_code) == (role, scope_kind, scope_code):
            raise Conflict(_("Cette personne a déjà ce rôle sur ce territoire."))
    grant = RoleGrant(
        user_id=user.id, role=role, scope_kind=scope_kind, scope_code=scope_code, granted_by=actor.id
    )
    _save_and_journal(
        session, actor, user, grant, "role_granted", f"Rôle « {ROLE_LABELS[role]} » attribué ({where})."
    )
    return grant


def revoke_grant(session: Session, actor: ActorRef, grant: RoleGrant) -> None:
    if grant.revoked_at is not None:
        raise Conflict(_("Ce rôle a déjà été retiré."))
    user = session.get(User, grant.user_id)
    assert user is not None
    grant.revoked_at = utcnow()
    _save_and_journal(
        session, actor, user, grant, "role_revoked", f"Rôle « {ROLE_LABELS[Role(grant.role)]} » retiré."
    )


def _save_and_journal(
    session: Session, actor: ActorRef, user: User, grant: RoleGrant, action: str, reason: str
) -> None:
    """Save the grant and journal "accounts.<action>" about its holder, on the grant's territory."""
    session.add(grant)
    session.flush()
    journal_user(
        session,
        user,
        actor=actor,
        action=f"accounts.{action}",
        territory=grant.scope_code or None,
        reason=reason,
        payload={"grant_id": grant.id, **grant.model_dump(include={"role", "scope_kind", "scope_code"})},
    )
