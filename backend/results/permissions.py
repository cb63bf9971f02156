"""Who sees the dashboard and who updates a realisation — in one place.

* The dashboard: COPIL members (and administrators), for the QPV their grants cover.
* A realisation: agents whose grant covers its QPV (and administrators) update it.

Open data (every dataset as CSV, JSON, ODS and XLSX) needs no account and no policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role
from backend.accounts.permissions import NEED_LOGIN, Principal, Refusal, enforce
from backend.deps import DbSession
from backend.errors import NotFound
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.results.models import Realisation
from backend.territory.models import QpvRef
from backend.territory.service import qpv_ref, qpv_refs

DASHBOARD_ROLES = (Role.copil, Role.admin)
FOLLOW_ROLES = (Role.agent, Role.admin)


def _roles_policy(principal: Principal, roles: tuple[str, ...], refusal: str) -> Refusal | None:
    """Logged in with one of ``roles``, anywhere; otherwise ``refusal``."""
    if principal.user is None:
        return NEED_LOGIN
    if not principal.has_role(*roles):
        return Refusal(refusal)
    return None


def dashboard_policy(principal: Principal) -> Refusal | None:
    return _roles_policy(
        principal,
        DASHBOARD_ROLES,
        _("Le tableau de bord est réservé aux membres du comité de pilotage (COPIL)."),
    )


def follow_policy(principal: Principal, qpv: QpvRef | None) -> Refusal | None:
    """Agents covering the realisation's QPV, or administrators."""
    if principal.user is None:
        return NEED_LOGIN
    if principal.is_admin:
        return None
    if qpv is not None and principal.covers(Role.agent, qpv):
        return None
    return Refusal(_("Vous ne pouvez suivre que les projets des quartiers dont vous avez la charge."))


def follow_any_policy(principal: Principal) -> Refusal | None:
    return _roles_policy(
        principal, FOLLOW_ROLES, _("Le suivi des réalisations est réservé aux agents de la collectivité.")
    )


def covered_qpv_ids(principal: Principal, refs: dict[int, QpvRef], roles: tuple[str, ...]) -> set[int]:
    return {qpv_id for qpv_id, ref in refs.items() if principal.covers_any(roles, ref)}


def actor_role(principal: Principal, qpv: QpvRef | None) -> str:
    if qpv is not None and principal.covers(Role.agent, qpv):
        return Role.agent
    return Role.admin


# --- dependencies -----------------------------------------------------------------------------


def require_dashboard(principal: CurrentPrincipal, session: DbSession) -> set[int]:
    """The QPV ids this COPIL member may see figures for."""
    enforce(dashboard_policy(principal))
    return covered_qpv_ids(principal, qpv_refs(session), DASHBOARD_ROLES)


DashboardScope = Annotated[set[int], Depends(require_dashboard)]


def require_follow_any(principal: CurrentPrincipal) -> Principal:
    enforce(follow_any_policy(principal))
    return principal


FollowerPrincipal = Annotated[Principal, Depends(require_follow_any)]


@dataclass(frozen=True)
class RealisationAccess:
    realisation: Realisation
    qpv: QpvRef | None
    principal: Principal

    @property
    def actor(self) -> ActorRef:
        return self.principal.actor(actor_role(self.principal, self.qpv))


def load_realisation(realisation_id: int, session: DbSession) -> Realisation:
    realisation = session.get(Realisation, realisation_id)
    if realisation is None:
        raise NotFound(_("Ce suivi de réalisation n'existe pas."))
    return realisation


RealisationDep = Annotated[Realisation, Depends(load_realisation)]


def require_follow(
    realisation: RealisationDep, session: DbSession, principal: CurrentPrincipal
) -> RealisationAccess:
    """Load the realisation (404), then check this person follows its QPV (403)."""
    qpv = qpv_ref(session, realisation.qpv_id) if realisation.qpv_id else None
    enforce(follow_policy(principal, qpv))
    return RealisationAccess(realisation, qpv, principal)


Followed = Annotated[RealisationAccess, Depends(require_follow)]
