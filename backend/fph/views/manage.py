"""Back office of a fund: settings and committee (administration, agents), meetings, agenda,
votes and decisions (committee and managing association), things to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select

from backend.accounts import service as accounts
from backend.accounts.deps import CurrentPrincipal, DbSession
from backend.accounts.models import Role, User
from backend.accounts.permissions import Grant, Principal, enforce, staff_policy
from backend.accounts.security import flash
from backend.errors import DomainError, Forbidden, Invalid, NotFound
from backend.fph import forms
from backend.fph.models import (
    WAITING,
    AgendaItem,
    Application,
    ApplicationStatus,
    BilanStatus,
    Fund,
    Meeting,
    Member,
    Payment,
)
from backend.fph.money import euros_input, parse_eur
from backend.fph.notify import decision_message, invitation_message, send_to_holders
from backend.fph.permissions import (
    FundAccess,
    FundBackoffice,
    FundConfigure,
    FundManage,
    ItemBackoffice,
    ItemDecide,
    MeetingBackoffice,
    MeetingManage,
    fund_access,
)
from backend.fph.service import applications as apps
from backend.fph.service import committee, funds, payments
from backend.fph.service.common import paris_today
from backend.fph.service.funds import FundSettings
from backend.fph.views import page
from backend.fph.votes import Tally
from backend.i18n import gettext as _
from backend.territory.service import get_qpv, list_qpv, qpv_ref
from backend.web import redirect

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
        return forms.parse_int(values.get(name, ""), name, message, high=high)

    return FundSettings(
        name=values.get("name", "").strip(),
        year=number("year", _("Indiquez l'année avec 4 chiffres."), high=2100),
        envelope_cents=parse_eur(values.get("envelope", ""), field="envelope"),
        association_name=values.get("association_name", "").strip(),
        association_contact=values.get("association_contact", "").strip()[:200],
        cap_cents=parse_eur(values.get("cap", ""), field="cap"),
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
async def create_fund(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    enforce(staff_policy(principal, Role.admin, Role.agent))
    form = await request.form()
    values = forms.raw(form)
    codes = [c for c in form.getlist("qpv_codes") if isinstance(c, str) and c]
    try:
        for code in codes:  # an agent opens funds only where their grant reaches
            ref = qpv_ref(session, get_qpv(session, code).id)  # type: ignore[arg-type]
            if not principal.is_admin and not principal.covers(Role.agent, ref):
                raise Forbidden(
                    _("Vous ne pouvez ouvrir un fonds que dans les quartiers dont vous avez la charge.")
                )
        actor = principal.actor(Role.admin if principal.is_admin else Role.agent)
        with session.begin_nested():
            fund = funds.create_fund(session, actor, _settings_from(values), codes)
    except DomainError as exc:
        ctx = _create_context(session, values, exc)
        ctx["chosen"] = codes
        return page(request, "fph/fund_settings.html", ctx, status_code=exc.status_code)
    flash(
        request,
        _("Le fonds est créé. Ajoutez maintenant les membres du comité et une date de comité."),
        "success",
    )
    return redirect(f"/fph/gestion/fonds/{fund.id}", request)


@router.get("/fonds/{fund_id}/reglages")
def settings_form(request: Request, session: DbSession, access: FundConfigure) -> Response:
    ctx = {"values": _settings_values(access.fund), "error": None, "fund": access.fund}
    return page(request, "fph/fund_settings.html", ctx)


@router.post("/fonds/{fund_id}/reglages")
async def update_settings(request: Request, session: DbSession, access: FundConfigure) -> Response:
    values = forms.raw(await request.form())
    values["year"] = str(access.fund.year)
    try:
        with session.begin_nested():
            funds.update_fund(session, access.actor("configure"), access.fund, _settings_from(values))
    except DomainError as exc:
        session.refresh(access.fund)
        ctx = {"values": values, "error": exc, "fund": access.fund}
        return page(request, "fph/fund_settings.html", ctx, status_code=exc.status_code)
    flash(request, _("Les règles du fonds sont enregistrées."), "success")
    return redirect(f"/fph/gestion/fonds/{access.fund.id}", request)


@router.post("/fonds/{fund_id}/membres")
def add_member(
    request: Request,
    session: DbSession,
    access: FundConfigure,
    kind: Annotated[str, Form()] = "",
    identifier: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
) -> Response:
    try:
        user = None
        if identifier.strip():
            user = accounts.find_by_identifier(session, identifier)
            if user is None:
                raise Invalid(
                    _("Aucun compte avec cet identifiant. La personne doit d'abord créer un compte."),
                    field="identifier",
                )
        with session.begin_nested():
            funds.add_member(
                session, access.actor("configure"), access.fund, kind=kind, user=user, label=label
            )
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/fph/gestion/fonds/{access.fund.id}#membres", request)
    flash(request, _("Le membre est ajouté au comité."), "success")
    return redirect(f"/fph/gestion/fonds/{access.fund.id}#membres", request)


@router.post("/fonds/{fund_id}/membres/{member_id}/retirer")
def remove_member(request: Request, session: DbSession, access: FundConfigure, member_id: int) -> Response:
    member = session.get(Member, member_id)
    if member is None or member.fund_id != access.fund.id:
        raise NotFound(_("Ce membre n'existe pas."))
    funds.end_member(session, access.actor("configure"), access.fund, member)
    flash(request, _("Le membre a quitté le comité."), "info")
    return redirect(f"/fph/gestion/fonds/{access.fund.id}#membres", request)


# --- the fund's back office -----------------------------------------------------------------


@router.get("/fonds/{fund_id}")
def fund_backoffice(request: Request, session: DbSession, access: FundBackoffice) -> Response:
    fund = access.fund
    today = paris_today()
    all_apps = apps.applications_of_fund(session, fund.id)  # type: ignore[arg-type]
    on_agenda = set(
        session.exec(
            select(AgendaItem.application_id)
            .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
            .where(col(Meeting.minutes_published_at).is_(None), Meeting.fund_id == fund.id)
        ).all()
    )
    granted = [a for a in all_apps if a.status == ApplicationStatus.granted]
    members = funds.active_members(session, fund.id)  # type: ignore[arg-type]
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([m.user_id for m in members if m.user_id]))
        ).all()
    }
    paid = session.exec(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(Payment.fund_id == fund.id)
    ).one()
    return page(
        request,
        "fph/manage_fund.html",
        {
            "fund": fund,
            "access": access,
            "qpv_names": funds.qpv_names(session, fund),
            "paid": int(paid),
            "to_schedule": [a for a in all_apps if a.status in WAITING and a.id not in on_agenda],
            "meetings": committee.open_meetings(session, fund.id),  # type: ignore[arg-type]
            "published": committee.published_meetings(session, fund.id),  # type: ignore[arg-type]
            "applications": [a for a in all_apps if a.status != ApplicationStatus.draft],
            "drafts": sum(1 for a in all_apps if a.status == ApplicationStatus.draft),
            "overdue": payments.overdue(session, [fund.id], today),  # type: ignore[list-item]
            "bilans_to_review": [a for a in granted if a.bilan_status == BilanStatus.submitted],
            "payments_due": [(a, d) for a in all_apps if (d := payments.payment_due(session, a, fund)).kind],
            "members": members,
            "users": users,
            "today": today,
        },
    )


@router.post("/fonds/{fund_id}/comites")
def schedule(
    request: Request,
    session: DbSession,
    access: FundManage,
    starts_on: Annotated[str, Form()] = "",
    starts_time: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
) -> Response:
    try:
        with session.begin_nested():
            meeting = funds.schedule_meeting(
                session, access.actor("manage"), access.fund, forms.parse_when(starts_on, starts_time), place
            )
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/fph/gestion/fonds/{access.fund.id}#comites", request)
    flash(request, _("Le comité est ajouté au calendrier."), "success")
    return redirect(f"/fph/gestion/comites/{meeting.id}", request)


# --- meetings ----------------------------------------------------------------------------------


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
    grants = accounts.active_grants(session, member.user_id)
    return any(
        Grant(g.role, g.scope_kind, g.scope_code).covers(q)
        for g in grants
        if g.role == Role.fph_committee
        for q in access.qpvs
    )


@router.get("/comites/{meeting_id}")
def meeting_page(request: Request, session: DbSession, access: MeetingBackoffice) -> Response:
    meeting, fa = access.meeting, access.fund
    items = []
    me = fa.member
    for item, application in committee.agenda(session, meeting.id):  # type: ignore[arg-type]
        conflicted = committee.conflicted_member_ids(session, application)
        votes = committee.votes_of(session, item.id)  # type: ignore[arg-type]
        items.append(
            ItemView(
                item=item,
                application=application,
                holder=committee.holder_label(session, application),
                tally=committee.item_tally(session, item, fa.fund),
                votes=votes,
                conflicted=conflicted,
                decision=committee.decision_for(session, application.id, meeting.id),  # type: ignore[arg-type]
                my_vote=votes.get(me.id) if me else None,  # type: ignore[arg-type]
                i_am_conflicted=me is not None and me.id in conflicted,
            )
        )
    members = funds.active_members(session, fa.fund.id)  # type: ignore[arg-type]
    voting = [m for m in members if m.voting]
    users = {
        u.id: u
        for u in session.exec(
            select(User).where(col(User.id).in_([m.user_id for m in voting if m.user_id]))
        ).all()
    }
    on_agenda = {i.application.id for i in items}
    waiting = [
        a
        for a in apps.applications_of_fund(session, fa.fund.id, WAITING)  # type: ignore[arg-type]
        if a.id not in on_agenda
    ]
    return page(
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
    )


@router.post("/comites/{meeting_id}/ordre-du-jour")
def add_to_agenda(
    request: Request,
    session: DbSession,
    access: MeetingManage,
    background: BackgroundTasks,
    application_id: Annotated[int, Form()] = 0,
    invited: Annotated[str, Form()] = "",
) -> Response:
    try:
        application = apps.get_application(session, application_id)
        with session.begin_nested():
            committee.add_to_agenda(
                session, access.fund.actor("manage"), access.meeting, application, invited=bool(invited)
            )
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/fph/gestion/comites/{access.meeting.id}", request)
    if invited:
        subject, body = invitation_message(application, access.meeting)
        send_to_holders(request, background, session, application, subject, body)
    flash(request, _("La demande est à l'ordre du jour."), "success")
    return redirect(f"/fph/gestion/comites/{access.meeting.id}", request)


def _item_url(access: Any) -> str:
    return f"/fph/gestion/comites/{access.meeting.id}#point-{access.item.id}"


@router.post("/comites/{meeting_id}/points/{item_id}/vote")
def vote(
    request: Request,
    session: DbSession,
    access: ItemDecide,
    choice: Annotated[str, Form()] = "",
    member_id: Annotated[int | None, Form()] = None,
) -> Response:
    fa = access.fund
    try:
        if member_id is not None and (fa.member is None or member_id != fa.member.id):
            # Recording someone else's vote (show of hands): the association's secretary only.
            if not fa.can_manage:
                raise Forbidden(_("Vous ne pouvez enregistrer que votre propre vote."))
            member = session.get(Member, member_id)
            if member is None or member.fund_id != fa.fund.id:
                raise NotFound(_("Ce membre n'existe pas."))
            has_role = _member_has_role(session, member, fa)
        else:
            if fa.member is None:
                raise Forbidden(_("Seuls les membres habitant·es du comité votent."))
            member, has_role = fa.member, fa.is_committee
        with session.begin_nested():
            committee.record_vote(
                session,
                recorded_by=fa.actor("decide"),
                item=access.item,
                member=member,
                choice=choice,
                has_committee_role=has_role,
            )
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(_item_url(access), request)
    flash(request, _("Le vote est enregistré."), "success")
    return redirect(_item_url(access), request)


@router.post("/comites/{meeting_id}/points/{item_id}/lien")
def declare_link(request: Request, session: DbSession, access: ItemBackoffice) -> Response:
    fa = access.fund
    if fa.member is None:
        raise Forbidden(_("Seuls les membres du comité déclarent un lien avec un dossier."))
    try:
        with session.begin_nested():
            committee.declare_conflict(session, fa.actor("decide"), fa.member, access.item)
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(_item_url(access), request)
    flash(request, _("C'est noté : vous ne votez pas sur cette demande."), "info")
    return redirect(_item_url(access), request)


@router.post("/comites/{meeting_id}/points/{item_id}/decision")
def decide(
    request: Request,
    session: DbSession,
    access: ItemDecide,
    background: BackgroundTasks,
    outcome: Annotated[str, Form()] = "",
    amount: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    fa = access.fund
    application = apps.get_application(session, access.item.application_id)
    try:
        if fa.member is not None and fa.member.id in committee.conflicted_member_ids(session, application):
            raise Forbidden(
                _("Vous êtes lié·e à ce dossier : une autre personne du comité enregistre la décision.")
            )
        cents = parse_eur(amount, field="amount") if outcome == "granted" else None
        with session.begin_nested():
            decision = committee.decide(
                session, fa.actor("decide"), access.item, outcome=outcome, amount_cents=cents, reason=reason
            )
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(_item_url(access), request)
    subject, body = decision_message(application, decision, access.meeting)
    send_to_holders(request, background, session, application, subject, body)
    flash(request, _("La décision est enregistrée et écrite au journal public."), "success")
    return redirect(_item_url(access), request)


@router.post("/comites/{meeting_id}/publier")
def publish(request: Request, session: DbSession, access: MeetingManage) -> Response:
    try:
        with session.begin_nested():
            committee.publish_minutes(session, access.fund.actor("manage"), access.meeting)
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/fph/gestion/comites/{access.meeting.id}", request)
    flash(request, _("Le relevé de décisions est publié."), "success")
    return redirect(f"/fph/comites/{access.meeting.id}/releve", request)
