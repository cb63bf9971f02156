"""Back office of a fund: settings and committee (administration, agents), meetings, agenda,
votes and decisions (committee and managing association), things to do."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select

from backend.accounts import service as accounts
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import Role, User
from backend.accounts.permissions import Principal, enforce, staff_policy
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid, NotFound
from backend.forms import euros_input, parse_euros_to_cents, parse_int
from backend.fph import forms
from backend.fph.forms import MemberForm, ScheduleForm
from backend.fph.models import (
    WAITING,
    AgendaItem,
    ApplicationStatus,
    BilanStatus,
    Fund,
    Meeting,
    Member,
    Payment,
)
from backend.fph.permissions import (
    FundAccess,
    FundBackoffice,
    FundConfigure,
    FundManage,
    fund_access,
    open_fund,
)
from backend.fph.service import applications as apps
from backend.fph.service import funds, payments
from backend.fph.service.common import paris_today
from backend.fph.service.funds import FundSettings
from backend.fph.views import page
from backend.fph.views.refused_forms import Refused, page_with
from backend.i18n import gettext as _
from backend.territory.service import get_qpv, list_qpv, qpv_ref
from backend.views_common import Posted, WholeForm, done

router = APIRouter(prefix="/fph/gestion", include_in_schema=False)


def _visible_funds(session: DbSession, principal: Principal) -> list[tuple[Fund, FundAccess]]:
    pairs = [(f, fund_access(session, principal, f)) for f in funds.list_funds(session)]
    return [(f, a) for f, a in pairs if a.can_view_backoffice]


@router.get("")
def home(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    enforce(staff_policy(principal, Role.admin, Role.agent, Role.moderator, Role.fph_committee))
    visible = _visible_funds(session, principal)
    return page(
        request,
        "fph/manage_home.html",
        {
            "funds": [(f, a, funds.qpv_names(session, f)) for f, a in visible],
            "can_create": principal.has_role(Role.admin, Role.agent),
        },
    )


# --- funds: creation and settings -----------------------------------------------------------


SETTING_FIELDS = (
    "cap",
    "max_share_pct",
    "advance_pct",
    "bilan_deadline_days",
    "max_grants_per_holder",
    "quorum",
)


def _settings_from(values: dict[str, str]) -> FundSettings:
    def number(name: str, message: str, high: int = 1000) -> int:
        return parse_int(values.get(name, ""), name, max=high, message=message)

    return FundSettings(
        name=values.get("name", "").strip(),
        year=number("year", _("Indiquez l'année avec 4 chiffres."), high=2100),
        envelope_cents=parse_euros_to_cents(values.get("envelope", ""), field="envelope"),
        association_name=values.get("association_name", "").strip(),
        association_contact=values.get("association_contact", "").strip()[:200],
        cap_cents=parse_euros_to_cents(values.get("cap", ""), field="cap"),
        max_share_pct=number("max_share_pct", _("Indiquez un pourcentage entre 1 et 100.")),
        advance_pct=number("advance_pct", _("Indiquez un pourcentage entre 0 et 100.")),
        bilan_deadline_days=number("bilan_deadline_days", _("Indiquez un nombre de jours.")),
        max_grants_per_holder=number("max_grants_per_holder", _("Indiquez un nombre, par exemple 2.")),
        quorum=number("quorum", _("Indiquez un nombre de membres, par exemple 3.")),
    )


def _settings_values(fund: Fund | FundSettings) -> dict[str, str]:
    return {
        "name": fund.name,
        "year": str(fund.year),
        "envelope": euros_input(fund.envelope_cents),
        "association_name": fund.association_name,
        "association_contact": fund.association_contact,
        "cap": euros_input(fund.cap_cents),
        "max_share_pct": str(fund.max_share_pct),
        "advance_pct": str(fund.advance_pct),
        "bilan_deadline_days": str(fund.bilan_deadline_days),
        "max_grants_per_holder": str(fund.max_grants_per_holder),
        "quorum": str(fund.quorum),
    }


def _create_context(session: DbSession, values: dict[str, str], error: DomainError | None) -> dict[str, Any]:
    return {"values": values, "error": error, "qpvs": list_qpv(session), "fund": None}


@router.get("/fonds/nouveau")
def new_fund_form(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    enforce(staff_policy(principal, Role.admin, Role.agent))
    year = paris_today().year
    defaults = FundSettings(name=f"FPH {year}", year=year, envelope_cents=1_000_000, association_name="")
    return page(request, "fph/fund_settings.html", _create_context(session, _settings_values(defaults), None))


@router.post("/fonds/nouveau")
def create_fund(
    request: Request, session: DbSession, principal: CurrentPrincipal, form: WholeForm
) -> Response:
    enforce(staff_policy(principal, Role.admin, Role.agent))
    values = forms.raw(form)
    codes = [c for c in form.getlist("qpv_codes") if isinstance(c, str) and c]

    def create() -> Fund:
        refs = [qpv_ref(session, get_qpv(session, code).id) for code in codes]
        enforce(open_fund(principal, refs))
        actor = principal.actor(Role.admin if principal.is_admin else Role.agent)
        return funds.create_fund(session, actor, _settings_from(values), codes)

    fund = attempt(session, create)
    if isinstance(fund, DomainError):
        ctx = _create_context(session, values, fund)
        ctx["chosen"] = codes
        return page(request, "fph/fund_settings.html", ctx, status_code=fund.status_code)
    return done(
        request,
        f"/fph/gestion/fonds/{fund.id}",
        _("Le fonds est créé. Ajoutez maintenant les membres du comité et une date de comité."),
    )


@router.get("/fonds/{fund_id}/reglages")
def settings_form(request: Request, session: DbSession, access: FundConfigure) -> Response:
    ctx = {"values": _settings_values(access.fund), "error": None, "fund": access.fund}
    return page(request, "fph/fund_settings.html", ctx)


@router.post("/fonds/{fund_id}/reglages")
def update_settings(request: Request, session: DbSession, access: FundConfigure, form: WholeForm) -> Response:
    values = forms.raw(form)
    values["year"] = str(access.fund.year)
    outcome = attempt(
        session,
        lambda: funds.update_fund(session, access.actor("configure"), access.fund, _settings_from(values)),
    )
    if isinstance(outcome, DomainError):
        session.refresh(access.fund)
        ctx = {"values": values, "error": outcome, "fund": access.fund}
        return page(request, "fph/fund_settings.html", ctx, status_code=outcome.status_code)
    return done(request, f"/fph/gestion/fonds/{access.fund.id}", _("Les règles du fonds sont enregistrées."))


@router.post("/fonds/{fund_id}/membres")
def add_member(
    request: Request, session: DbSession, access: FundConfigure, posted: Posted[MemberForm]
) -> Response:

    def add() -> None:
        user = None
        if posted.identifier.strip():
            user = accounts.find_by_identifier(session, posted.identifier)
            if user is None:
                raise Invalid(
                    _("Aucun compte avec cet identifiant. La personne doit d'abord créer un compte."),
                    field="identifier",
                )
        funds.add_member(
            session, access.actor("configure"), access.fund, kind=posted.kind, user=user, label=posted.label
        )

    outcome = attempt(session, add)
    if isinstance(outcome, DomainError):
        return backoffice_response(request, session, access, Refused(outcome, posted.typed(), "member"))
    return done(request, f"/fph/gestion/fonds/{access.fund.id}#membres", _("Le membre est ajouté au comité."))


@router.post("/fonds/{fund_id}/membres/{member_id}/retirer")
def remove_member(request: Request, session: DbSession, access: FundConfigure, member_id: int) -> Response:
    member = session.get(Member, member_id)
    if member is None or member.fund_id != access.fund.id:
        raise NotFound(_("Ce membre n'existe pas."))
    funds.end_member(session, access.actor("configure"), access.fund, member)
    return done(
        request, f"/fph/gestion/fonds/{access.fund.id}#membres", _("Le membre a quitté le comité."), "info"
    )


# --- the fund's back office -----------------------------------------------------------------


@router.get("/fonds/{fund_id}")
def fund_backoffice(request: Request, session: DbSession, access: FundBackoffice) -> Response:
    return backoffice_response(request, session, access)


def backoffice_response(
    request: Request, session: DbSession, access: FundAccess, refusal: Refused | None = None
) -> Response:
    """The fund's back office; a refused form (new member, new meeting) comes back with its error
    and what was typed."""
    fund = access.fund
    today = paris_today()
    all_apps = apps.applications_of_fund(session, fund.id)
    on_agenda = set(
        session.exec(
            select(AgendaItem.application_id)
            .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
            .where(col(Meeting.minutes_published_at).is_(None), Meeting.fund_id == fund.id)
        ).all()
    )
    granted = [a for a in all_apps if a.status == ApplicationStatus.granted]
    members = funds.active_members(session, fund.id)
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([m.user_id for m in members if m.user_id]))
        ).all()
    }
    paid = session.exec(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(Payment.fund_id == fund.id)
    ).one()
    return page_with(
        request,
        "fph/manage_fund.html",
        {
            "fund": fund,
            "access": access,
            "qpv_names": funds.qpv_names(session, fund),
            "paid": int(paid),
            "to_schedule": [a for a in all_apps if a.status in WAITING and a.id not in on_agenda],
            "meetings": funds.open_meetings(session, fund.id),
            "published": funds.published_meetings(session, fund.id),
            "applications": [a for a in all_apps if a.status != ApplicationStatus.draft],
            "drafts": sum(1 for a in all_apps if a.status == ApplicationStatus.draft),
            "overdue": payments.overdue(session, [fund.id], today),
            "bilans_to_review": [a for a in granted if a.bilan_status == BilanStatus.submitted],
            "payments_due": [(a, d) for a in all_apps if (d := payments.payment_due(session, a, fund)).kind],
            "members": members,
            "users": users,
            "today": today,
        },
        refusal,
        where_key="form_name",
    )


@router.post("/fonds/{fund_id}/comites")
def schedule(
    request: Request, session: DbSession, access: FundManage, posted: Posted[ScheduleForm]
) -> Response:
    meeting = attempt(
        session,
        lambda: funds.schedule_meeting(
            session,
            access.actor("manage"),
            access.fund,
            forms.parse_when(posted.starts_on, posted.starts_time),
            posted.place,
        ),
    )
    if isinstance(meeting, DomainError):
        return backoffice_response(request, session, access, Refused(meeting, posted.typed(), "meeting"))
    return done(request, f"/fph/gestion/comites/{meeting.id}", _("Le comité est ajouté au calendrier."))
