"""After the grant: payments by the managing association, the bilan with its receipts and
photos, its review, and the private files."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid, NotFound
from backend.forms import parse_date, parse_euros_to_cents, parse_int
from backend.fph import forms
from backend.fph.forms import BilanReviewForm, PaymentForm
from backend.fph.models import ApplicationStatus, BilanStatus, Payment
from backend.fph.permissions import AppEdit, ApplicationAccess, AppManage, AttachmentView
from backend.fph.service import payments
from backend.fph.service.common import paris_today
from backend.fph.uploads import CleanFile, clean_upload, path_of
from backend.fph.views import page
from backend.fph.views.applications import application_page
from backend.fph.views.refused_forms import Refused
from backend.i18n import gettext as _
from backend.views_common import Posted, WholeForm, done

router = APIRouter(prefix="/fph", include_in_schema=False)


@router.post("/demandes/{application_id}/versements")
def record_payment(
    request: Request, session: DbSession, access: AppManage, posted: Posted[PaymentForm]
) -> Response:
    application = access.application

    def record() -> Payment:
        day = parse_date(posted.paid_on, "paid_on", required=True)
        return payments.record_payment(
            session,
            access.fund.actor("manage"),
            application,
            amount_cents=parse_euros_to_cents(posted.amount, field="amount"),
            paid_on=day,
            reference=posted.reference,
            today=paris_today(),
        )

    payment = attempt(session, record)
    if isinstance(payment, DomainError):
        session.refresh(application)
        return application_page(request, session, access, Refused(payment, posted.typed(), "payment"))
    return done(request, f"/fph/demandes/{application.id}#versements", _("Le versement est enregistré."))


def _bilan_context(
    access: ApplicationAccess, values: dict[str, str], error: DomainError | None
) -> dict[str, Any]:
    return {"a": access.application, "fund": access.fund.fund, "values": values, "error": error}


@router.get("/demandes/{application_id}/bilan")
def bilan_form(request: Request, access: AppEdit) -> Response:
    application = access.application
    if application.status != ApplicationStatus.granted or application.bilan_status not in (
        None,
        BilanStatus.returned,
    ):
        message = _("Il n'y a pas de bilan à envoyer pour cette demande.")
        return done(request, f"/fph/demandes/{application.id}", message, "info")
    return page(request, "fph/bilan.html", _bilan_context(access, {}, None))


def _clean_files(form: Any, name: str, allow_pdf: bool) -> list[CleanFile]:
    cleaned = []
    for filename, data in forms.read_files(form, name):
        try:
            cleaned.append(clean_upload(data, filename, allow_pdf=allow_pdf))
        except Invalid as exc:
            raise Invalid(exc.message, field=name) from exc
    return cleaned


@router.post("/demandes/{application_id}/bilan")
def bilan(request: Request, session: DbSession, access: AppEdit, form: WholeForm) -> Response:
    values = forms.raw(form)
    application = access.application

    def submit() -> None:
        participants = parse_int(
            values.get("participants", ""),
            "participants",
            max=1_000_000,
            message=_("Indiquez le nombre de participants avec des chiffres, par exemple 40."),
        )
        spent = parse_euros_to_cents(values.get("actual_expenses", ""), field="actual_expenses")
        receipts = _clean_files(form, "receipts", allow_pdf=True)
        photos = _clean_files(form, "photos", allow_pdf=False)
        payments.submit_bilan(
            session,
            access.actor,
            application,
            narrative=values.get("narrative", ""),
            participants=participants,
            actual_expenses_cents=spent,
            receipts=receipts,
            photos=photos,
            upload_dir=request.app.state.settings.upload_dir,
        )

    outcome = attempt(session, submit)
    if isinstance(outcome, DomainError):
        ctx = _bilan_context(access, values, outcome)
        return page(request, "fph/bilan.html", ctx, status_code=outcome.status_code)
    message = _("Merci ! Votre bilan est envoyé. L'association gestionnaire va le lire.")
    return done(request, f"/fph/demandes/{application.id}", message)


@router.post("/demandes/{application_id}/bilan/examen")
def review_bilan(
    request: Request, session: DbSession, access: AppManage, posted: Posted[BilanReviewForm]
) -> Response:
    application = access.application
    outcome = attempt(
        session,
        lambda: payments.review_bilan(
            session,
            access.fund.actor("manage"),
            application,
            accept=posted.decision == "accept",
            reason=posted.reason,
        ),
    )
    if isinstance(outcome, DomainError):
        session.refresh(application)
        return application_page(request, session, access, Refused(outcome, posted.typed(), "review"))
    return done(
        request,
        f"/fph/demandes/{application.id}#bilan",
        _("Le bilan est accepté.")
        if posted.decision == "accept"
        else _("Le bilan est renvoyé avec votre message."),
    )


@router.get("/fichiers/{attachment_id}")
def attachment(request: Request, attachment: AttachmentView) -> Response:
    path = path_of(request.app.state.settings.upload_dir, attachment.token)
    if not path.exists():
        raise NotFound(_("Ce fichier n'est plus disponible."))
    disposition = "attachment" if attachment.content_type == "application/pdf" else "inline"
    return FileResponse(
        path,
        media_type=attachment.content_type,
        filename=attachment.original_name,
        content_disposition_type=disposition,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
