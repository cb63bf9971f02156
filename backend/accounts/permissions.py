"""Who may do what, where. Policies return None when allowed, or a Refusal saying why.

Roles are granted on a territory scope: everything, a métropole, a commune, a secteur or
one QPV. A grant on a wider scope covers every QPV inside it. Every domain asks
`Principal.covers(role, qpv)` instead of comparing ids itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.accounts.models import Role, ScopeKind, User
from backend.errors import Forbidden, NotAuthenticated, NotFound
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import QpvRef

ROLE_LABELS = {
    Role.resident: N_("Habitant ou habitante"),
    Role.moderator: N_("Table de quartier (modération)"),
    Role.agent: N_("Agent de la collectivité"),
    Role.fph_committee: N_("Comité d'attribution FPH"),
    Role.copil: N_("Membre du COPIL"),
    Role.admin: N_("Administration"),
}
SCOPE_LABELS = {
    ScopeKind.all: N_("tout le territoire"),
    ScopeKind.metropole: N_("métropole"),
    ScopeKind.commune: N_("commune"),
    ScopeKind.secteur: N_("secteur"),
    ScopeKind.qpv: N_("quartier"),
}


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused; 401 asks to log in, 403 says it is not yours to do."""

    message: str
    status: int = 403


NEED_LOGIN = Refusal(_("Connectez-vous pour continuer."), 401)


@dataclass(frozen=True)
class Grant:
    role: str
    scope_kind: str
    scope_code: str = ""

    def covers(self, qpv: QpvRef) -> bool:
        kind = self.scope_kind
        if kind == ScopeKind.all:
            return True
        if kind == ScopeKind.qpv:
            return qpv.code == self.scope_code
        if kind == ScopeKind.secteur:
            return qpv.secteur_slug is not None and qpv.secteur_slug == self.scope_code
        if kind == ScopeKind.commune:
            return self.scope_code in qpv.commune_insee
        if kind == ScopeKind.metropole:
            return qpv.metropole_code is not None and qpv.metropole_code == self.scope_code
        return False


@dataclass
class Principal:
    """The person making the request (or nobody) and their active grants."""

    user: User | None = None
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def roles(self) -> set[str]:
        roles = {g.role for g in self.grants}
        if self.user is not None:
            roles.add(Role.resident)
        return roles

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def covers(self, role: str, qpv: QpvRef) -> bool:
        """Does one of this person's grants of `role` include this QPV?"""
        return any(g.role == role and g.covers(qpv) for g in self.grants)

    def covers_any(self, roles: Iterable[str], qpv: QpvRef) -> str | None:
        """The first role (in the order given) whose grant covers the QPV."""
        for role in roles:
            if self.covers(role, qpv):
                return role
        return None

    def grants_of(self, role: str) -> list[Grant]:
        return [g for g in self.grants if g.role == role]

    def actor(self, role: str | None = None) -> ActorRef:
        """How this person appears in the journal when acting in `role`."""
        if self.user is None:
            return ActorRef(role="anonymous", id="anonymous")
        return ActorRef(role=role or Role.resident, id=self.user.public_id)

    @property
    def is_admin(self) -> bool:
        return any(g.role == Role.admin for g in self.grants)


def require_authenticated(principal: Principal) -> User:
    if principal.user is None:
        raise NotAuthenticated(_("Connectez-vous pour continuer."))
    return principal.user


# --- policies of the accounts domain -------------------------------------------------------

VERIFIER_ROLES = (Role.agent, Role.moderator)


def verify_residence_policy(principal: Principal, qpv: QpvRef | None) -> Refusal | None:
    """Agents and moderators verify residence, only for the QPV their grants cover."""
    if principal.user is None:
        return NEED_LOGIN
    if qpv is None:
        return Refusal(_("Cette personne n'a pas déclaré de quartier."))
    if principal.covers_any(VERIFIER_ROLES, qpv) is None:
        return Refusal(_("Vous ne pouvez vérifier que les habitants des quartiers dont vous avez la charge."))
    return None


def admin_policy(principal: Principal) -> Refusal | None:
    if principal.user is None:
        return NEED_LOGIN
    if not principal.is_admin:
        return Refusal(_("Cette page est réservée à l'équipe d'administration."))
    return None


def staff_policy(principal: Principal, *roles: str) -> Refusal | None:
    """Has at least one of these roles somewhere (the screen then lists only covered QPV)."""
    if principal.user is None:
        return NEED_LOGIN
    if not principal.has_role(*roles):
        return Refusal(_("Cette page est réservée aux personnes qui ont ce rôle."))
    return None


def enforce(refusal: Refusal | None) -> None:
    """Turn a policy's refusal into the matching domain error."""
    if refusal is None:
        return
    # Translated when raised, in the request's language (module-level refusals are built at import).
    if refusal.status == 401:
        raise NotAuthenticated(_(refusal.message))
    if refusal.status == 404:
        raise NotFound(_(refusal.message))
    raise Forbidden(_(refusal.message))
