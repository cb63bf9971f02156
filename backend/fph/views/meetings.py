"""Committee meetings: the agenda, votes (own or by show of hands), conflicts of interest,
decisions and the publication of the minutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select

from backend.accounts.grants import active_grants
from backend.accounts.models import Role, User
from backend.accounts.permissions import Grant
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Forbidden, NotFound
from backend.forms import parse_euros_to_cents
from backend.fph.forms import AgendaForm, DecisionForm, VoteForm
from backend.fph.models import WAITING, AgendaItem, Application, Decision, Meeting, Member
from backend.fph.permissions import FundAccess, ItemBackoffice, ItemDecide, MeetingBackoffice, MeetingManage
from backend.fph.service import applications as apps
from backend.fph.service import committee, funds
from backend.fph.service import minutes as minutes_service
from backend.fph.views.refused_forms import Refused, page_with
from backend.fph.votes import Tally
from backend.i18n import gettext as _
from backend.views_common import Posted, done, refused

router = APIRouter(prefix="/fph/gestion", include_in_schema=False)


@dataclass(frozen=True)
class ItemView:
    item: AgendaItem
    application: Application
    holder: str
    tally: Tally
    votes: dict[int, str]
    conflicted: set[int]
    decision: Any
    my_vote: str | None
    i_am_conflicted: bool


def _member_has_role(session: DbSession, member: Member, access: FundAccess) -> bool:
    if member.user_id is None:
        return False
    grants = active_grants(session, member.user_id)
    return any(
        Grant(g.role, g.scope_kind, g.scope_code).covers(q)
        for g in grants
        if g.role == Role.fph_committee
        for q in access.qpvs
    )


@router.get("/comites/{meeting_id}")
def meeting_page(request: Request, session: DbSession, access: MeetingBackoffice) -> Response:
    return meeting_response(request, session, access.fund, access.meeting)


def meeting_response(
    request: Request, session: DbSession, fa: FundAccess, meeting: Meeting, refusal: Refused | None = None
) -> Response:
    """The meeting screen; a refused decision is shown again in its item with what was typed."""
    items = []
    me = fa.member
    for item, application in committee.agenda(session, meeting.id):
        conflicted = committee.conflicted_member_ids(session, application)
        votes = committee.votes_of(session, item.id)
        items.append(
            ItemView(
                item=item,
                application=application,
                holder=minutes_service.holder_label(session, application),
                tally=committee.item_tally(session, item, fa.fund),
                votes=votes,
                conflicted=conflicted,
                decision=committee.decision_for(session, application.id, meeting.id),
                my_vote=votes.get(me.id) if me else None,
                i_am_conflicted=me is not None and me.id in conflicted,
            )
        )
    members = funds.active_members(session, fa.fund.id)
    voting = [m for m in members if m.voting]
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([m.user_id for m in voting if m.user_id]))
        ).all()
    }
    on_agenda = {i.application.id for i in items}
    waiting = [a for a in apps.applications_of_fund(session, fa.fund.id, WAITING) if a.id not in on_agenda]
    return page_with(
        request,
        "fph/meeting.html",
        {
            "meeting": meeting,
            "fund": fa.fund,
            "access": fa,
            "items": items,
            "voting": voting,
            "users": users,
            "waiting": waiting,
        },
        refusal,
        where_key="error_item",
    )


@router.post("/comites/{meeting_id}/ordre-du-jour")
def add_to_agenda(
    request: Request, session: DbSession, access: MeetingManage, posted: Posted[AgendaForm]
) -> Response:
    meeting_url = f"/fph/gestion/comites/{access.meeting.id}"

    def add() -> None:
        application = apps.get_application(session, posted.application_id)
        committee.add_to_agenda(
            session, access.fund.actor("manage"), access.meeting, application, invited=bool(posted.invited)
        )

    outcome = attempt(session, add)
    if isinstance(outcome, DomainError):
        return refused(request, meeting_url, outcome)
    return done(request, meeting_url, _("La demande est à l'ordre du jour."))


def _item_url(access: Any) -> str:
    return f"/fph/gestion/comites/{access.meeting.id}#point-{access.item.id}"


@router.post("/comites/{meeting_id}/points/{item_id}/vote")
def vote(request: Request, session: DbSession, access: ItemDecide, posted: Posted[VoteForm]) -> Response:
    fa = access.fund

    def record() -> None:
        if posted.member_id is not None and (fa.member is None or posted.member_id != fa.member.id):
            # Recording someone else's vote (show of hands): the association's secretary only.
            if not fa.can_manage:
                raise Forbidden(_("Vous ne pouvez enregistrer que votre propre vote."))
            member = session.get(Member, posted.member_id)
            if member is None or member.fund_id != fa.fund.id:
                raise NotFound(_("Ce membre n'existe pas."))
            has_role = _member_has_role(session, member, fa)
        else:
            if fa.member is None:
                raise Forbidden(_("Seuls les membres habitant·es du comité votent."))
            member, has_role = fa.member, fa.is_committee
        committee.record_vote(
            session,
            recorded_by=fa.actor("decide"),
            item=access.item,
            member=member,
            choice=posted.choice,
            has_committee_role=has_role,
        )

    outcome = attempt(session, record)
    if isinstance(outcome, DomainError):
        return refused(request, _item_url(access), outcome)
    return done(request, _item_url(access), _("Le vote est enregistré."))


@router.post("/comites/{meeting_id}/points/{item_id}/lien")
def declare_link(request: Request, session: DbSession, access: ItemBackoffice) -> Response:
    fa = access.fund
    member = fa.member
    if member is None:
        raise Forbidden(_("Seuls les membres du comité déclarent un lien avec un dossier."))
    outcome = attempt(
        session, lambda: committee.declare_conflict(session, fa.actor("decide"), member, access.item)
    )
    if isinstance(outcome, DomainError):
        return refused(request, _item_url(access), outcome)
    return done(request, _item_url(access), _("C'est noté : vous ne votez pas sur cette demande."), "info")


@router.post("/comites/{meeting_id}/points/{item_id}/decision")
def decide(
    request: Request, session: DbSession, access: ItemDecide, posted: Posted[DecisionForm]
) -> Response:
    fa = access.fund
    application = apps.get_application(session, access.item.application_id)

    def record() -> Decision:
        if fa.member is not None and fa.member.id in committee.conflicted_member_ids(session, application):
            raise Forbidden(
                _("Vous êtes lié·e à ce dossier : une autre personne du comité enregistre la décision.")
            )
        cents = parse_euros_to_cents(posted.amount, field="amount") if posted.outcome == "granted" else None
        return committee.decide(
            session,
            fa.actor("decide"),
            access.item,
            outcome=posted.outcome,
            amount_cents=cents,
            reason=posted.reason,
        )

    decision = attempt(session, record)
    if isinstance(decision, DomainError):
        refusal = Refused(decision, posted.typed(), access.item.id)
        return meeting_response(request, session, fa, access.meeting, refusal)
    return done(request, _item_url(access), _("La décision est enregistrée et écrite au journal public."))


@router.post("/comites/{meeting_id}/publier")
def publish(request: Request, session: DbSession, access: MeetingManage) -> Response:
    outcome = attempt(
        session, lambda: minutes_service.publish_minutes(session, access.fund.actor("manage"), access.meeting)
    )
    if isinstance(outcome, DomainError):
        return refused(request, f"/fph/gestion/comites/{access.meeting.id}", outcome)
    return done(request, f"/fph/comites/{access.meeting.id}/releve", _("Le relevé de décisions est publié."))
