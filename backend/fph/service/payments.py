"""Money and follow-up: the advance on decision, the bilan with receipts and photos, the balance
once the bilan is accepted, and overdue bilans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.db import get_or_not_found, utcnow
from backend.errors import Conflict, Invalid
from backend.formatting import format_date, format_money
from backend.fph.models import (
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    Bilan,
    BilanStatus,
    Fund,
    Payment,
    PaymentKind,
)
from backend.fph.money import share
from backend.fph.notify import tell_bilan_review, tell_payment
from backend.fph.service.applications import is_overdue
from backend.fph.service.common import all_of, journal, lock_fund, move_money, touch
from backend.fph.uploads import MAX_FILES, CleanFile, remove, store
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


def paid_total(session: Session, application_id: int, kind: str | None = None) -> int:
    query = select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
        Payment.application_id == application_id
    )
    if kind:
        query = query.where(Payment.kind == kind)
    return int(session.exec(query).one())


def payments_of(session: Session, application_id: int) -> list[Payment]:
    return all_of(
        session,
        select(Payment)
        .where(Payment.application_id == application_id)
        .order_by(col(Payment.paid_on), col(Payment.id)),
    )


@dataclass(frozen=True)
class Due:
    kind: str | None  # the payment that can be recorded now, if any
    amount_cents: int
    paid_cents: int


def payment_due(session: Session, application: Application, fund: Fund) -> Due:
    """What the association can pay now: the advance after the grant, the rest after the bilan."""
    paid = paid_total(session, application.id)
    granted = application.granted_cents or 0
    if application.status == ApplicationStatus.granted and application.bilan_status != BilanStatus.accepted:
        advance = share(granted, fund.advance_pct) - paid
        return Due(PaymentKind.advance if advance > 0 else None, max(advance, 0), paid)
    if application.bilan_status == BilanStatus.accepted:
        rest = granted - paid
        return Due(PaymentKind.balance if rest > 0 else None, max(rest, 0), paid)
    return Due(None, 0, paid)


def record_payment(
    session: Session,
    actor: ActorRef,
    application: Application,
    *,
    amount_cents: int,
    paid_on: date,
    reference: str,
    today: date,
) -> Payment:
    """Record a transfer or cheque. Under the fund lock, the total paid can never exceed what the
    rules allow at this stage (advance share, then the final grant). Journaled."""
    reference = " ".join(reference.split())
    if len(reference) < 2:
        raise Invalid(_("Indiquez la référence du virement ou le numéro du chèque."), field="reference")
    if paid_on > today:
        raise Invalid(_("La date du versement ne peut pas être dans le futur."), field="paid_on")
    fund = lock_fund(session, application.fund_id)
    session.refresh(application)
    due = payment_due(session, application, fund)
    if due.kind is None:
        raise Conflict(_("Il n'y a rien à verser pour cette demande en ce moment."))
    if amount_cents > due.amount_cents:
        what = _("l'avance") if due.kind == PaymentKind.advance else _("le solde")
        raise Invalid(
            _("Pour {what}, vous pouvez verser au plus {due}.").format(
                what=what, due=format_money(due.amount_cents)
            ),
            field="amount",
        )
    payment = Payment(
        application_id=application.id,
        fund_id=fund.id,
        kind=due.kind,
        amount_cents=amount_cents,
        paid_on=paid_on,
        reference=reference[:100],
        recorded_by=actor.id,
    )
    session.add(payment)
    session.flush()
    closes = due.kind == PaymentKind.balance and due.paid_cents + amount_cents >= (
        application.granted_cents or 0
    )
    if closes:
        application.status = ApplicationStatus.closed
        touch(session, application)
    label = _("Avance") if due.kind == PaymentKind.advance else _("Solde")
    journal(
        session,
        actor=actor,
        action="payment_recorded",
        subject=application,
        reason=_(
            "{label} de {amount} versé pour « {title} » le {date} par l'association gestionnaire."
        ).format(
            label=label, amount=format_money(amount_cents), title=application.title, date=format_date(paid_on)
        ),
        payload={
            "payment_id": payment.id,
            "kind": due.kind,
            "amount_cents": amount_cents,
            "paid_on": paid_on.isoformat(),
            "reference": payment.reference,
            "closed": closes,
        },
    )
    tell_payment(session, application, payment)
    return payment


# --- bilans ----------------------------------------------------------------------------------


def bilans_of(session: Session, application_id: int) -> list[Bilan]:
    return all_of(
        session,
        select(Bilan).where(Bilan.application_id == application_id).order_by(col(Bilan.submitted_at).desc()),
    )


def attachments_of(session: Session, bilan_id: int) -> list[Attachment]:
    return all_of(
        session, select(Attachment).where(Attachment.bilan_id == bilan_id).order_by(col(Attachment.id))
    )


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    return get_or_not_found(session, Attachment, attachment_id, _("Ce fichier n'existe pas."))


def submit_bilan(
    session: Session,
    actor: ActorRef,
    application: Application,
    *,
    narrative: str,
    participants: int,
    actual_expenses_cents: int,
    receipts: list[CleanFile],
    photos: list[CleanFile],
    upload_dir: Path,
) -> Bilan:
    """The holders report what happened, with receipts; files are stored only if all is valid."""
    if application.status != ApplicationStatus.granted:
        raise Conflict(_("Le bilan se fait pour une aide accordée."))
    if application.bilan_status in (BilanStatus.submitted, BilanStatus.accepted):
        raise Conflict(_("Le bilan a déjà été envoyé."))
    narrative = narrative.strip()
    if len(narrative) < 20:
        raise Invalid(_("Racontez en quelques phrases comment s'est passée l'action."), field="narrative")
    if not 0 <= participants <= 100_000:
        raise Invalid(_("Indiquez le nombre de participants, par exemple 40."), field="participants")
    if not receipts:
        raise Invalid(_("Ajoutez au moins un justificatif de dépense (facture ou ticket)."), field="receipts")
    if len(receipts) + len(photos) > MAX_FILES:
        raise Invalid(_("Vous pouvez envoyer {n} fichiers au plus.").format(n=MAX_FILES), field="receipts")
    bilan = Bilan(
        application_id=application.id,
        narrative=narrative[:5000],
        participants_count=participants,
        actual_expenses_cents=actual_expenses_cents,
        submitted_by=actor.id,
    )
    session.add(bilan)
    session.flush()
    tokens: list[str] = []
    try:
        for kind, files in ((AttachmentKind.receipt, receipts), (AttachmentKind.photo, photos)):
            for clean in files:
                token = store(upload_dir, clean)
                tokens.append(token)
                session.add(
                    Attachment(
                        application_id=application.id,
                        bilan_id=bilan.id,
                        kind=kind,
                        token=token,
                        original_name=clean.original_name,
                        content_type=clean.content_type,
                        size_bytes=len(clean.data),
                        sha256=clean.sha256,
                        uploaded_by=actor.id,
                    )
                )
        application.bilan_status = BilanStatus.submitted
        touch(session, application)
        journal(
            session,
            actor=actor,
            action="bilan_submitted",
            subject=application,
            reason=_("Bilan de « {title} » envoyé : {people} participants, {spent} dépensés.").format(
                title=application.title, people=participants, spent=format_money(actual_expenses_cents)
            ),
            payload={"bilan_id": bilan.id, "receipts": len(receipts), "photos": len(photos)},
        )
    except BaseException:
        for token in tokens:  # the database forgets them on rollback; the disk must too
            remove(upload_dir, token)
        raise
    return bilan


def final_amount(application: Application, fund: Fund, actual_expenses_cents: int) -> int:
    """The grant can only shrink at the bilan: at most the fund's share of what was really spent."""
    return min(application.granted_cents or 0, share(actual_expenses_cents, fund.max_share_pct))


def review_bilan(
    session: Session, actor: ActorRef, application: Application, *, accept: bool, reason: str
) -> Bilan:
    """Accept the bilan (the final grant follows the real expenses and the unused part goes back to
    the fund) or return it with a reason. Journaled."""
    reason = " ".join(reason.split())
    if not accept and len(reason) < 5:
        raise Invalid(
            _("Expliquez ce qui manque dans le bilan : les personnes recevront ce message."), field="reason"
        )
    fund = lock_fund(session, application.fund_id)
    session.refresh(application)
    if application.status != ApplicationStatus.granted or application.bilan_status != BilanStatus.submitted:
        raise Conflict(_("Il n'y a pas de bilan en attente pour cette demande."))
    bilan = bilans_of(session, application.id)[0]
    bilan.reviewed_at = utcnow()
    bilan.reviewed_by = actor.id
    bilan.review_reason = reason[:2000]
    payload: dict[str, object] = {"bilan_id": bilan.id}
    if accept:
        rule_final = final_amount(application, fund, bilan.actual_expenses_cents)
        paid = paid_total(session, application.id)
        # Money already paid stays counted as granted until it is paid back: releasing it now
        # would show the fund richer than its bank account.
        final = max(rule_final, min(paid, application.granted_cents or 0))
        refund_due = final - rule_final
        released = (application.granted_cents or 0) - final
        if released:
            fund = move_money(session, fund.id, granted=-released)
        application.granted_cents = final
        bilan.status = BilanStatus.accepted
        application.bilan_status = BilanStatus.accepted
        if paid >= final:
            application.status = ApplicationStatus.closed
        text = _("Bilan de « {title} » accepté. Aide définitive : {final}.").format(
            title=application.title, final=format_money(final)
        )
        if released:
            text += " " + _("{released} non utilisés reviennent au fonds.").format(
                released=format_money(released)
            )
        if refund_due:
            text += " " + _("Trop versé : {refund}, à rembourser à l'association gestionnaire.").format(
                refund=format_money(refund_due)
            )
        if reason:
            text += " " + reason
        payload.update(
            {
                "final_cents": final,
                "released_cents": released,
                "paid_cents": paid,
                "refund_due_cents": refund_due,
            }
        )
    else:
        bilan.status = BilanStatus.returned
        application.bilan_status = BilanStatus.returned
        text = _("Bilan de « {title} » renvoyé aux personnes qui portent le projet : {reason}").format(
            title=application.title, reason=reason
        )
    session.add(bilan)
    touch(session, application)
    journal(
        session,
        actor=actor,
        action="bilan_accepted" if accept else "bilan_returned",
        subject=application,
        reason=text,
        payload=payload,
    )
    tell_bilan_review(session, application, accepted=accept, reason=reason)
    return bilan


def overdue(session: Session, fund_ids: list[int], today: date) -> list[Application]:
    """Granted applications whose bilan is late, oldest deadline first."""
    rows = session.exec(
        select(Application)
        .where(
            col(Application.fund_id).in_(fund_ids),
            Application.status == ApplicationStatus.granted,
            col(Application.bilan_due_on) < today,
        )
        .order_by(col(Application.bilan_due_on))
    ).all()
    return [a for a in rows if is_overdue(a, today)]
