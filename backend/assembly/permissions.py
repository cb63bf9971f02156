"""Who may do what in the assembly, in one place.

- COPIL members (role copil) whose grants cover the whole territory of the saisine create it, set
  its quotas and answer the avis;
- agents and administrators covering that territory run recruitment, the draw and the sessions;
- active panel members with an account vote on recommendations;
- the public reads everything that is not personal data.

`SaisineAccess(level)` is the one dependency routes use: it loads the saisine (404) and checks
the level (401/403), returning what the route needs to act and to journal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role
from backend.accounts.permissions import NEED_LOGIN, Principal, Refusal, enforce
from backend.assembly.models import Member, Saisine
from backend.assembly.service.common import get_saisine, territory_refs
from backend.assembly.service.work import active_member_for
from backend.deps import DbSession
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import QpvRef
from backend.territory.service import qpv_refs


class Level(StrEnum):
    public = "public"
    copil = "copil"
    staff = "staff"
    follow_up = "follow_up"  # COPIL or staff: the follow-up of the answers
    member = "member"


STAFF_ROLES = (Role.agent, Role.admin)
LEVEL_ROLES: dict[Level, tuple[str, ...]] = {
    Level.copil: (Role.copil,),
    Level.staff: STAFF_ROLES,
    Level.follow_up: (Role.copil, *STAFF_ROLES),
}


def covering_role(principal: Principal, roles: tuple[str, ...], refs: list[QpvRef]) -> str | None:
    """The first of `roles` whose grants cover every QPV of the territory (a saisine is one body)."""
    if not refs:
        return None
    for role in roles:
        if all(principal.covers(role, ref) for ref in refs):
            return role
    return None


def saisine_policy(
    principal: Principal, level: Level, refs: list[QpvRef], member: Member | None
) -> tuple[Refusal | None, str | None]:
    """(refusal or None, the role the person acts in)."""
    if level == Level.public:
        return None, None
    if principal.user is None:
        return NEED_LOGIN, None
    if level == Level.member:
        if member is None:
            return Refusal(_("Cette page est réservée aux membres du panel de cette assemblée.")), None
        return None, Role.resident
    role = covering_role(principal, LEVEL_ROLES[level], refs)
    if role is None:
        message = {
            Level.copil: _("Seuls les membres du COPIL de ce territoire peuvent faire cela."),
            Level.staff: _("Seuls les agents et administrateur·rices de ce territoire peuvent faire cela."),
            Level.follow_up: _("Seuls le COPIL et les agents de ce territoire peuvent faire cela."),
        }[level]
        return Refusal(message), None
    return None, role


def create_policy(principal: Principal, refs: list[QpvRef]) -> Refusal | None:
    """Creating a saisine on a commune: a COPIL grant covering all its QPV."""
    refusal, _role = saisine_policy(principal, Level.copil, refs, None)
    return refusal


def copil_communes(principal: Principal, session: DbSession) -> list[str]:
    """INSEE codes of the communes where this person may refer a question to the assembly."""
    if not principal.has_role(Role.copil):
        return []
    refs = list(qpv_refs(session).values())
    communes = sorted({code for ref in refs for code in ref.commune_insee})
    allowed = []
    for insee in communes:
        mine = [ref for ref in refs if insee in ref.commune_insee]
        if covering_role(principal, (Role.copil,), mine):
            allowed.append(insee)
    return allowed


@dataclass
class SaisineContext:
    """What a route gets: the saisine, who asks, in which role, and their seat if they have one."""

    saisine: Saisine
    principal: Principal
    role: str | None
    member: Member | None
    refs: list[QpvRef]

    @property
    def actor(self) -> ActorRef:
        return self.principal.actor(self.role)

    def can(self, level: Level) -> bool:
        refusal, _role = saisine_policy(self.principal, level, self.refs, self.member)
        return refusal is None


class SaisineAccess:
    """Dependency: load the saisine of the path's `saisine_id` and check the access level."""

    def __init__(self, level: Level) -> None:
        self.level = level

    def __call__(self, saisine_id: int, session: DbSession, principal: CurrentPrincipal) -> SaisineContext:
        saisine = get_saisine(session, saisine_id)
        refs = territory_refs(session, saisine.commune_insee)
        user_id = principal.user.id if principal.user else None
        member = active_member_for(session, saisine, user_id)
        refusal, role = saisine_policy(principal, self.level, refs, member)
        enforce(refusal)
        return SaisineContext(saisine, principal, role, member, refs)


PublicSaisine = Annotated[SaisineContext, Depends(SaisineAccess(Level.public))]
CopilSaisine = Annotated[SaisineContext, Depends(SaisineAccess(Level.copil))]
StaffSaisine = Annotated[SaisineContext, Depends(SaisineAccess(Level.staff))]
FollowUpSaisine = Annotated[SaisineContext, Depends(SaisineAccess(Level.follow_up))]
MemberSaisine = Annotated[SaisineContext, Depends(SaisineAccess(Level.member))]
