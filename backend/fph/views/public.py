"""Public FPH pages: the funds, one fund's figures and granted projects, published minutes; and
a resident's own applications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import require_authenticated
from backend.deps import DbSession
from backend.errors import NotFound
from backend.fph.models import GRANTED, Application, Decision, Fund, Meeting, Member, MemberKind, Outcome
from backend.fph.permissions import fund_access
from backend.fph.service import funds
from backend.fph.service import minutes as minutes_service
from backend.fph.service.applications import applications_of_user
from backend.fph.service.common import fund_qpvs, get_fund, paris_today
from backend.fph.service.payments import paid_total
from backend.fph.views import page
from backend.i18n import gettext as _

router = APIRouter(prefix="/fph", include_in_schema=False)


@dataclass(frozen=True)
class FundCard:
    fund: Fund
    qpv_names: str
    next_meeting: Meeting | None


def fund_cards(session: DbSession, fund_list: list[Fund]) -> list[FundCard]:
    today = paris_today()
    cards = []
    for f in fund_list:
        assert f.id is not None
        cards.append(FundCard(f, funds.qpv_names(session, f), funds.next_meeting(session, f.id, today)))
    return cards


@router.get("")
def index(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    all_funds = funds.list_funds(session)
    year = paris_today().year
    current = [f for f in all_funds if f.year >= year]
    older = [f for f in all_funds if f.year < year]
    staff = principal.user is not None and any(
        fund_access(session, principal, f).can_view_backoffice for f in current or all_funds
    )
    return page(
        request,
        "fph/index.html",
        {"cards": fund_cards(session, current), "older": fund_cards(session, older), "staff": staff},
    )


@dataclass(frozen=True)
class GrantedProject:
    application: Application
    holder: str
    paid_cents: int
    decided_on: datetime | None  # the meeting that granted it


@router.get("/fonds/{fund_id}")
def fund_page(request: Request, session: DbSession, principal: CurrentPrincipal, fund_id: int) -> Response:
    fund = get_fund(session, fund_id)
    today = paris_today()
    granted = session.exec(
        select(Application)
        .where(Application.fund_id == fund.id, col(Application.status).in_(GRANTED))
        .order_by(col(Application.decided_at).desc())
    ).all()
    meeting_of = {
        d.application_id: m.starts
        for d, m in session.exec(
            select(Decision, Meeting)
            .join(Meeting, col(Meeting.id) == Decision.meeting_id)
            .where(Meeting.fund_id == fund.id, Decision.outcome == Outcome.granted)
        ).all()
    }
    projects = [
        GrantedProject(
            a, minutes_service.holder_label(session, a), paid_total(session, a.id), meeting_of.get(a.id)
        )
        for a in granted
    ]
    members = funds.active_members(session, fund.id)
    access = fund_access(session, principal, fund) if principal.user else None
    return page(
        request,
        "fph/fund.html",
        {
            "fund": fund,
            "qpvs": fund_qpvs(session, fund),
            "projects": projects,
            "upcoming": funds.upcoming_meetings(session, fund.id, today),
            "published": funds.published_meetings(session, fund.id),
            "voting_count": sum(1 for m in members if m.voting),
            "institutions": [m.label for m in members if m.kind == MemberKind.institution],
            "staff": access is not None and access.can_view_backoffice,
        },
    )


@router.get("/comites/{meeting_id}/releve")
def minutes_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, meeting_id: int
) -> Response:
    meeting = funds.get_meeting(session, meeting_id)
    fund = get_fund(session, meeting.fund_id)
    preview = False
    if not meeting.is_closed:
        # Unpublished minutes exist only as a preview for the committee.
        if principal.user is None or not fund_access(session, principal, fund).can_view_backoffice:
            raise NotFound(_("Ce relevé de décisions n'est pas encore publié."))
        preview = True
    return page(
        request, "fph/minutes.html", {"m": minutes_service.minutes(session, meeting), "preview": preview}
    )


@router.get("/mes-demandes")
def my_applications(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    apps = applications_of_user(session, user.id)
    fund_by_id = {f.id: f for f in funds.list_funds(session)}
    memberships = session.exec(
        select(Member).where(Member.user_id == user.id, col(Member.ended_at).is_(None))
    ).all()
    return page(
        request,
        "fph/my_applications.html",
        {
            "applications": apps,
            "fund_by_id": fund_by_id,
            "committee_funds": [fund_by_id[m.fund_id] for m in memberships if m.fund_id in fund_by_id],
        },
    )
