"""Who may do what with a fund and its applications, decided in one place.

A person's power over a fund comes from two sources, both required where it matters:
- their role grants, scoped to territories (admin; agent, moderator, fph_committee covering one of
  the fund's QPV) — so a committee member of one QPV never acts for another QPV's fund;
- their membership of the fund's committee (fph_member): voting resident, non-voting institution,
  or the managing association's staff. Membership says what they do in *this* fund's committee.

The dependencies below load the object (404 when missing), then check the actor (401/403).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session, select

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role
from backend.accounts.permissions import NEED_LOGIN, Principal, Refusal, enforce
from backend.deps import DbSession
from backend.errors import NotFound
from backend.fph.models import (
    AgendaItem,
    Application,
    ApplicationStatus,
    Attachment,
    Fund,
    FundQpv,
    Meeting,
    Member,
    MemberKind,
)
from backend.fph.service.applications import get_application, is_holder
from backend.fph.service.committee import get_item
from backend.fph.service.common import get_fund
from backend.fph.service.funds import get_meeting, membership
from backend.fph.service.payments import get_attachment
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import QpvRef
from backend.territory.service import qpv_refs


@dataclass(frozen=True)
class FundAccess:
    principal: Principal
    fund: Fund
    qpvs: tuple[QpvRef, ...]
    member: Member | None

    def _covers(self, role: str) -> bool:
        return any(self.principal.covers(role, q) for q in self.qpvs)

    @property
    def is_admin(self) -> bool:
        return self.principal.is_admin

    @property
    def is_agent(self) -> bool:
        return self._covers(Role.agent)

    @property
    def is_moderator(self) -> bool:
        return self._covers(Role.moderator)

    @property
    def is_committee(self) -> bool:
        return self._covers(Role.fph_committee)

    @property
    def can_configure(self) -> bool:
        """Rules, envelope and committee composition: administrators and the city's agents."""
        return self.is_admin or self.is_agent

    @property
    def can_manage(self) -> bool:
        """Meetings, agenda, payments, bilans: the managing association (and administrators)."""
        return self.is_admin or (
            self.member is not None and self.member.kind == MemberKind.gestionnaire and self.is_committee
        )

    @property
    def can_vote(self) -> bool:
        return self.member is not None and self.member.voting and self.is_committee

    @property
    def can_decide(self) -> bool:
        """Record the committee's outcome: its secretary (association) or a voting member."""
        return self.can_manage or self.can_vote

    @property
    def can_view_backoffice(self) -> bool:
        return self.can_configure or self.can_manage or self.is_committee or self.is_moderator

    @property
    def can_file_on_behalf(self) -> bool:
        return self.is_moderator or self.can_manage

    def actor(self, purpose: str) -> ActorRef:
        """How this person appears in the journal for this kind of act."""
        p = self.principal
        if purpose == "configure":
            return p.actor(Role.admin if self.is_admin else Role.agent)
        if purpose == "on_behalf" and self.is_moderator and not self.can_manage:
            return p.actor(Role.moderator)
        if self.is_committee:
            return p.actor(Role.fph_committee)
        return p.actor(Role.admin if self.is_admin else None)


def fund_access(session: Session, principal: Principal, fund: Fund) -> FundAccess:
    qpv_ids = list(session.exec(select(FundQpv.qpv_id).where(FundQpv.fund_id == fund.id)).all())
    refs = qpv_refs(session, qpv_ids)
    member = membership(session, fund.id, principal.user.id) if principal.user else None
    return FundAccess(principal=principal, fund=fund, qpvs=tuple(refs.values()), member=member)


# --- policies ------------------------------------------------------------------------------

Policy = Callable[[FundAccess], Refusal | None]


def _need(flag: bool, message: str) -> Refusal | None:
    return None if flag else Refusal(message)


def backoffice(a: FundAccess) -> Refusal | None:
    return _need(
        a.can_view_backoffice,
        _("Cette page est réservée au comité et à l'association gestionnaire de ce fonds."),
    )


def configure(a: FundAccess) -> Refusal | None:
    return _need(a.can_configure, _("Seuls l'administration et les agents de la ville règlent ce fonds."))


def manage(a: FundAccess) -> Refusal | None:
    return _need(a.can_manage, _("Cette action est réservée à l'association gestionnaire de ce fonds."))


def decide(a: FundAccess) -> Refusal | None:
    return _need(a.can_decide, _("Seuls les membres du comité de ce quartier peuvent faire cela."))


def on_behalf(a: FundAccess) -> Refusal | None:
    return _need(
        a.can_file_on_behalf,
        _("Seules la table de quartier et l'association gestionnaire déposent une demande pour quelqu'un."),
    )


def open_fund(principal: Principal, qpvs: Sequence[QpvRef]) -> Refusal | None:
    """Open a fund: administrators anywhere, agents only in quartiers their grant covers."""
    if principal.is_admin or all(principal.covers(Role.agent, q) for q in qpvs):
        return None
    return Refusal(_("Vous ne pouvez ouvrir un fonds que dans les quartiers dont vous avez la charge."))


def apply(a: FundAccess) -> Refusal | None:
    return None  # any logged-in person may write a draft; eligibility says if it can be sent


@dataclass(frozen=True)
class ApplicationAccess:
    fund: FundAccess
    application: Application
    is_holder: bool
    is_filer: bool  # typed it for residents met in person

    @property
    def can_view(self) -> bool:
        if self.application.status == ApplicationStatus.draft:  # a draft is private to its authors
            return self.is_holder or self.is_filer
        return self.is_holder or self.is_filer or self.fund.can_view_backoffice

    @property
    def can_edit(self) -> bool:
        # Editing implies seeing: a private draft is refused to the back office for both.
        return self.can_view and (self.is_holder or self.is_filer or self.fund.can_manage)

    @property
    def actor(self) -> ActorRef:
        if self.is_holder:
            return self.fund.principal.actor(Role.resident)
        return self.fund.actor("on_behalf")


def view_application(a: ApplicationAccess) -> Refusal | None:
    return _need(a.can_view, _("Cette demande n'est pas la vôtre."))


def edit_application(a: ApplicationAccess) -> Refusal | None:
    return view_application(a) or _need(
        a.can_edit, _("Seules les personnes qui portent la demande peuvent la modifier.")
    )


def manage_application(a: ApplicationAccess) -> Refusal | None:
    return manage(a.fund)


# --- dependencies --------------------------------------------------------------------------


def _login(principal: Principal) -> None:
    if principal.user is None:
        enforce(NEED_LOGIN)


def _allowed_on_fund(session: Session, principal: Principal, fund_id: int, policy: Policy) -> FundAccess:
    """The person's access to the fund (404 if it does not exist), refused unless ``policy`` allows."""
    fund = get_fund(session, fund_id)
    _login(principal)
    access = fund_access(session, principal, fund)
    enforce(policy(access))
    return access


def fund_dependency(policy: Policy) -> Callable[..., FundAccess]:
    def dependency(fund_id: int, session: DbSession, principal: CurrentPrincipal) -> FundAccess:
        return _allowed_on_fund(session, principal, fund_id, policy)

    return dependency


AppPolicy = Callable[[ApplicationAccess], Refusal | None]


def application_access(session: Session, principal: Principal, application: Application) -> ApplicationAccess:
    fund = get_fund(session, application.fund_id)
    user_id = principal.user.id if principal.user else None
    return ApplicationAccess(
        fund=fund_access(session, principal, fund),
        application=application,
        is_holder=bool(user_id and is_holder(session, application, user_id)),
        is_filer=bool(user_id and application.filed_by and application.created_by_user_id == user_id),
    )


def application_dependency(policy: AppPolicy) -> Callable[..., ApplicationAccess]:
    def dependency(application_id: int, session: DbSession, principal: CurrentPrincipal) -> ApplicationAccess:
        application = get_application(session, application_id)
        _login(principal)
        access = application_access(session, principal, application)
        enforce(policy(access))
        return access

    return dependency


@dataclass(frozen=True)
class MeetingAccess:
    fund: FundAccess
    meeting: Meeting


def meeting_dependency(policy: Policy) -> Callable[..., MeetingAccess]:
    def dependency(meeting_id: int, session: DbSession, principal: CurrentPrincipal) -> MeetingAccess:
        meeting = get_meeting(session, meeting_id)
        return MeetingAccess(
            fund=_allowed_on_fund(session, principal, meeting.fund_id, policy), meeting=meeting
        )

    return dependency


@dataclass(frozen=True)
class ItemAccess:
    fund: FundAccess
    meeting: Meeting
    item: AgendaItem


def item_dependency(policy: Policy) -> Callable[..., ItemAccess]:
    def dependency(
        meeting_id: int, item_id: int, session: DbSession, principal: CurrentPrincipal
    ) -> ItemAccess:
        meeting = get_meeting(session, meeting_id)
        item = get_item(session, item_id)
        if item.meeting_id != meeting.id:
            raise NotFound(_("Ce point de l'ordre du jour n'existe pas."))
        access = _allowed_on_fund(session, principal, meeting.fund_id, policy)
        return ItemAccess(fund=access, meeting=meeting, item=item)

    return dependency


def attachment_dependency(attachment_id: int, session: DbSession, principal: CurrentPrincipal) -> Attachment:
    """Receipts and photos are personal: holders and the fund's back office only."""
    attachment = get_attachment(session, attachment_id)
    _login(principal)
    application = get_application(session, attachment.application_id)
    enforce(view_application(application_access(session, principal, application)))
    return attachment


FundBackoffice = Annotated[FundAccess, Depends(fund_dependency(backoffice))]
FundConfigure = Annotated[FundAccess, Depends(fund_dependency(configure))]
FundManage = Annotated[FundAccess, Depends(fund_dependency(manage))]
FundOnBehalf = Annotated[FundAccess, Depends(fund_dependency(on_behalf))]
FundApply = Annotated[FundAccess, Depends(fund_dependency(apply))]
AppView = Annotated[ApplicationAccess, Depends(application_dependency(view_application))]
AppEdit = Annotated[ApplicationAccess, Depends(application_dependency(edit_application))]
AppManage = Annotated[ApplicationAccess, Depends(application_dependency(manage_application))]
MeetingBackoffice = Annotated[MeetingAccess, Depends(meeting_dependency(backoffice))]
MeetingManage = Annotated[MeetingAccess, Depends(meeting_dependency(manage))]
ItemDecide = Annotated[ItemAccess, Depends(item_dependency(decide))]
ItemBackoffice = Annotated[ItemAccess, Depends(item_dependency(backoffice))]
AttachmentView = Annotated[Attachment, Depends(attachment_dependency)]
