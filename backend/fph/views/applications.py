"""Applying (online, or on behalf of residents met in person), following an application,
its payments and its bilan."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from backend.accounts.models import Role
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.fph import forms
from backend.fph.eligibility import Check
from backend.fph.models import WAITING, Application, ApplicationStatus, BilanStatus, Fund
from backend.fph.permissions import AppEdit, ApplicationAccess, AppView, FundAccess, FundApply, FundOnBehalf
from backend.fph.service import applications as apps
from backend.fph.service import committee, funds, payments
from backend.fph.service.common import paris_today
from backend.fph.views import page
from backend.fph.views.refused_forms import Refused, page_with
from backend.i18n import gettext as _
from backend.ledger.service import entries_for
from backend.views_common import WholeForm, done, refused

router = APIRouter(prefix="/fph", include_in_schema=False)


def _form_context(
    session: DbSession,
    fund: Fund,
    access: FundAccess,
    *,
    values: dict[str, str],
    on_behalf: bool,
    form_action: str,
    application: Application | None = None,
    error: DomainError | None = None,
    checks: list[Check] | None = None,
) -> dict[str, Any]:
    meeting = funds.next_meeting(session, fund.id, paris_today())
    return {
        "fund": fund,
        "qpv_names": funds.qpv_names(session, fund),
        "next_meeting": meeting,
        "values": values,
        "rows": forms.line_rows(values),
        "people_rows": list(range(apps.MAX_PEOPLE)),
        "on_behalf": on_behalf,
        "can_verify": on_behalf and access.is_moderator,
        "form_action": form_action,
        "application": application,
        **forms.form_errors(error, checks or []),
        "checks": checks or [],
        "draft_saved": False,
    }


def _people_values(session: DbSession, application: Application, on_behalf: bool) -> list[tuple[str, str]]:
    people = apps.applicants_of(session, application.id)
    if not on_behalf:
        people = [(a, u) for a, u in people if not a.is_lead]
    return [(u.email or u.phone or "", u.display_name if on_behalf else "") for _a, u in people]


def _save_and_maybe_submit(
    request: Request,
    session: DbSession,
    access: FundAccess,
    form: FormData,
    *,
    application: Application | None,
    on_behalf: bool,
    actor_access: ApplicationAccess | None = None,
) -> Response:
    """Save the draft (always, so nothing typed is lost), then submit it if asked."""
    fund = access.fund
    values = forms.raw(form)
    action = values.get("action", "draft")
    principal = access.principal
    user = principal.user
    assert user is not None
    behalf = None
    if on_behalf:
        behalf = apps.OnBehalf(
            filer=access.actor("on_behalf"),
            verifier=principal.actor(Role.moderator) if access.is_moderator else None,
            proof_seen=bool(values.get("proof_seen")),
        )
    default_action = f"/fph/demandes/{application.id}/modifier" if application else request.url.path
    editing = application

    def save() -> Application:
        data = forms.parse_application(values, on_behalf=on_behalf)
        return apps.save_application(
            session, fund=fund, author=user, data=data, application=editing, on_behalf=behalf
        )

    saved = attempt(session, save)
    if isinstance(saved, DomainError):
        ctx = _form_context(
            session, fund, access, values=values, on_behalf=on_behalf, form_action=default_action,
            application=application, error=saved,
        )  # fmt: skip
        return page(request, "fph/apply.html", ctx, status_code=saved.status_code)
    application = saved
    if action != "submit":
        return done(
            request,
            f"/fph/demandes/{application.id}",
            _("Votre brouillon est enregistré. Vous pouvez le reprendre plus tard."),
        )
    is_holder = apps.is_holder(session, application, user.id)
    actor = principal.actor(Role.resident) if is_holder and not on_behalf else access.actor("on_behalf")
    outcome = attempt(session, lambda: apps.submit(session, actor, application, paris_today()))
    if isinstance(outcome, DomainError):
        checks = outcome.extra.get("checks") or []
        ctx = _form_context(
            session, fund, access, values=values, on_behalf=on_behalf,
            form_action=f"/fph/demandes/{application.id}/modifier", application=application, error=outcome, checks=checks,
        )  # fmt: skip
        ctx["draft_saved"] = True
        return page(request, "fph/apply.html", ctx, status_code=outcome.status_code)
    return _sent(request, application)


def _blank_form(request: Request, session: DbSession, access: FundAccess, *, on_behalf: bool) -> Response:
    ctx = _form_context(
        session,
        access.fund,
        access,
        values={"holder_kind": "group"},
        on_behalf=on_behalf,
        form_action=request.url.path,
    )
    return page(request, "fph/apply.html", ctx)


@router.get("/fonds/{fund_id}/demander")
def apply_form(request: Request, session: DbSession, access: FundApply) -> Response:
    return _blank_form(request, session, access, on_behalf=False)


@router.post("/fonds/{fund_id}/demander")
def apply(request: Request, session: DbSession, access: FundApply, form: WholeForm) -> Response:
    return _save_and_maybe_submit(request, session, access, form, application=None, on_behalf=False)


@router.get("/gestion/fonds/{fund_id}/deposer")
def on_behalf_form(request: Request, session: DbSession, access: FundOnBehalf) -> Response:
    return _blank_form(request, session, access, on_behalf=True)


@router.post("/gestion/fonds/{fund_id}/deposer")
def on_behalf_apply(request: Request, session: DbSession, access: FundOnBehalf, form: WholeForm) -> Response:
    return _save_and_maybe_submit(request, session, access, form, application=None, on_behalf=True)


def _sent(request: Request, application: Application) -> Response:
    """Back to the application, now sent to the committee (by the form or by its own button)."""
    message = _("Votre demande est envoyée au comité. Vous recevrez sa décision.")
    return done(request, f"/fph/demandes/{application.id}", message)


def _on_behalf_mode(a: ApplicationAccess) -> bool:
    return bool(a.application.filed_by) and not a.is_holder


@router.get("/demandes/{application_id}/modifier")
def edit_form(request: Request, session: DbSession, access: AppEdit) -> Response:
    application = access.application
    if application.status not in (ApplicationStatus.draft, ApplicationStatus.postponed):
        message = _("Cette demande a déjà été envoyée : elle ne peut plus être modifiée.")
        return done(request, f"/fph/demandes/{application.id}", message, "info")
    on_behalf = _on_behalf_mode(access)
    values = forms.application_values(
        application, apps.lines_of(session, application.id), _people_values(session, application, on_behalf)
    )
    ctx = _form_context(
        session, access.fund.fund, access.fund, values=values, on_behalf=on_behalf, form_action=request.url.path,
        application=application, checks=[c for c in apps.eligibility(session, application, paris_today()) if not c.ok],
    )  # fmt: skip
    return page(request, "fph/apply.html", ctx)


@router.post("/demandes/{application_id}/modifier")
def edit(request: Request, session: DbSession, access: AppEdit, form: WholeForm) -> Response:
    return _save_and_maybe_submit(
        request, session, access.fund, form, application=access.application, on_behalf=_on_behalf_mode(access)
    )


def application_page(
    request: Request, session: DbSession, access: ApplicationAccess, refusal: Refused | None = None
) -> Response:
    """The application's page; a refused staff form (payment, bilan review) is shown again with
    its error and what was typed."""
    application = access.application
    fund = access.fund.fund
    today = paris_today()
    lines = apps.lines_of(session, application.id)
    expenses, resources = apps.totals(lines)
    bilans = payments.bilans_of(session, application.id)
    editable = application.status in (ApplicationStatus.draft, ApplicationStatus.postponed)
    return page_with(
        request,
        "fph/application.html",
        {
            "a": application,
            "access": access,
            "fund": fund,
            "qpv_names": funds.qpv_names(session, fund),
            "applicants": apps.applicants_of(session, application.id),
            "lines": lines,
            "expenses": expenses,
            "resources": resources,
            "checks": apps.eligibility(session, application, today) if editable else [],
            "editable": editable and access.can_edit,
            "waiting": application.status in WAITING,
            "decisions": committee.decisions_of(session, application.id),
            "payments": payments.payments_of(session, application.id),
            "due": payments.payment_due(session, application, fund),
            "bilans": [(b, payments.attachments_of(session, b.id)) for b in bilans],
            "overdue": apps.is_overdue(application, today),
            "can_bilan": application.status == ApplicationStatus.granted
            and application.bilan_status in (None, BilanStatus.returned),
            "open_meetings": funds.open_meetings(session, fund.id) if access.fund.can_manage else [],
            "history": entries_for(session, "fph_application", application.id),
            "today": today.isoformat(),
        },
        refusal,
        where_key="form_name",
    )


@router.get("/demandes/{application_id}")
def detail(request: Request, session: DbSession, access: AppView) -> Response:
    return application_page(request, session, access)


@router.post("/demandes/{application_id}/envoyer")
def submit(request: Request, session: DbSession, access: AppEdit) -> Response:
    """Send a saved draft as it is; if something is missing, the form says what."""
    application = access.application
    outcome = attempt(session, lambda: apps.submit(session, access.actor, application, paris_today()))
    if isinstance(outcome, DomainError):
        return refused(request, f"/fph/demandes/{application.id}/modifier", outcome)
    return _sent(request, application)


@router.post("/demandes/{application_id}/retirer")
def withdraw(request: Request, session: DbSession, access: AppEdit) -> Response:
    actor = access.actor
    apps.withdraw(session, actor, access.application)
    return done(request, f"/fph/demandes/{access.application.id}", _("La demande est retirée."), "info")
