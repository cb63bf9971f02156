"""Applications: drafts, eligibility, submission (which reserves the amount in the fund), withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete
from sqlmodel import Session, col

from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.formatting import format_money
from backend.forms import clean_text
from backend.fph.eligibility import blocking_failures
from backend.fph.models import (
    WAITING,
    Applicant,
    Application,
    ApplicationStatus,
    BudgetLine,
    Fund,
    HolderKind,
)
from backend.fph.service.checks import eligibility, facts, holder_history
from backend.fph.service.common import journal, lock_fund, move_money, touch
from backend.fph.service.queries import (
    applicants_of,
    applications_of_fund,
    applications_of_user,
    get_application,
    is_holder,
    is_overdue,
    lead_of,
    lines_of,
    totals,
)
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv

# Callers use `applications` as the one entry point for application questions too.
__all__ = [
    "ApplicationInput",
    "NotEligible",
    "OnBehalf",
    "PersonInput",
    "applicants_of",
    "applications_of_fund",
    "applications_of_user",
    "eligibility",
    "facts",
    "get_application",
    "holder_history",
    "is_holder",
    "is_overdue",
    "lead_of",
    "lines_of",
    "save_application",
    "submit",
    "totals",
    "withdraw",
]

MAX_PEOPLE = 3  # other people typed on the form (co-applicants, or everyone when filed on behalf)
MAX_LINES = 8


@dataclass
class PersonInput:
    identifier: str = ""
    name: str = ""  # only used when filing on behalf: registers someone met in person


@dataclass
class ApplicationInput:
    """What the form carries, already parsed (amounts in cents, dates as dates)."""

    holder_kind: str = HolderKind.group
    association_name: str = ""
    association_rna: str = ""
    title: str = ""
    description: str = ""
    audience: str = ""
    place: str = ""
    action_date: date | None = None
    action_end_date: date | None = None
    amount_cents: int = 0
    lines: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, label, cents)
    people: list[PersonInput] = field(default_factory=list)


@dataclass(frozen=True)
class OnBehalf:
    """Filing for residents met in person; `verifier` is set when the filer may verify residence
    (a moderator of the QPV who saw a proof of address)."""

    filer: ActorRef
    verifier: ActorRef | None = None
    proof_seen: bool = False


def _resolve_people(
    session: Session, fund: Fund, people: list[PersonInput], on_behalf: OnBehalf | None
) -> list[User]:
    """Find each typed person's account; when filing on behalf, register newcomers met in person."""
    users: list[User] = []
    for index, person in enumerate(people):
        ident = person.identifier.strip()
        if not ident:
            continue
        fieldname = f"person_{index}_identifier"
        try:
            user = accounts.find_by_identifier(session, ident)
        except Invalid as exc:
            raise Invalid(exc.message, field=fieldname) from exc
        if user is None and on_behalf is not None and person.name.strip():
            try:
                user = accounts.register(
                    session,
                    identifier=ident,
                    password=None,
                    display_name=person.name,
                    registered_by=on_behalf.filer.id,
                )
            except Invalid as exc:
                raise Invalid(
                    exc.message, field=f"person_{index}_name" if exc.field == "display_name" else fieldname
                ) from exc
            user.qpv_id = fund.qpv_id
            user.residence_status = ResidenceStatus.declared
            session.add(user)
            session.flush()
        if user is None:
            message = _(
                "Aucun compte avec « {ident} ». La personne peut créer un compte, ou la table de quartier peut l'inscrire."
            ).format(ident=ident)
            if on_behalf is not None:
                message = _("Aucun compte avec « {ident} ». Écrivez aussi son nom pour l'inscrire.").format(
                    ident=ident
                )
            raise Invalid(message, field=fieldname)
        if user not in users:
            users.append(user)
    if on_behalf is not None and on_behalf.proof_seen and on_behalf.verifier is not None:
        qpv = session.get(Qpv, fund.qpv_id)
        assert qpv is not None
        for user in users:
            if user.residence_status != ResidenceStatus.verified:
                accounts.verify_residence(
                    session, on_behalf.verifier, user, qpv, _("justificatif vu lors d'un dépôt FPH")
                )
    return users


def save_application(
    session: Session,
    *,
    fund: Fund,
    author: User,
    data: ApplicationInput,
    application: Application | None = None,
    on_behalf: OnBehalf | None = None,
) -> Application:
    """Create or update a draft (a postponed application can also be completed). Nothing is
    checked beyond the form's shape: a draft may be incomplete."""
    if application is not None and application.status not in (
        ApplicationStatus.draft,
        ApplicationStatus.postponed,
    ):
        raise Conflict(_("Cette demande a déjà été envoyée : elle ne peut plus être modifiée."))
    if data.holder_kind not in (HolderKind.group, HolderKind.association):
        raise Invalid(
            _("Choisissez qui demande : un groupe d'habitants ou une association."), field="holder_kind"
        )
    if len(clean_text(data.title, 120)) < 3:
        raise Invalid(_("Donnez au moins un titre à votre projet pour l'enregistrer."), field="title")
    people = _resolve_people(session, fund, data.people[:MAX_PEOPLE], on_behalf)
    if on_behalf is not None:
        if not people:
            raise Invalid(
                _("Indiquez le téléphone ou l'e-mail de la personne qui porte le projet."),
                field="person_0_identifier",
            )
        lead, others = people[0], people[1:]
    else:
        # Whoever edits, the lead stays the lead (a co-applicant may complete the draft).
        lead = (lead_of(session, application.id) if application is not None else None) or author
        others = [u for u in people if u.id != lead.id]
    now = utcnow()
    if application is None:
        application = Application(
            fund_id=fund.id,
            qpv_id=fund.qpv_id,
            created_by_user_id=author.id,
            channel="in_person" if on_behalf else "online",
            filed_by=on_behalf.filer.id if on_behalf else None,
        )
    application.holder_kind = data.holder_kind
    application.association_name = (
        clean_text(data.association_name, 200) if data.holder_kind == HolderKind.association else ""
    )
    application.association_rna = (
        data.association_rna.strip().upper()[:12] if data.holder_kind == HolderKind.association else ""
    )
    application.title = clean_text(data.title, 120)
    application.description = data.description.strip()[:5000]
    application.audience = clean_text(data.audience, 300)
    application.place = clean_text(data.place, 200)
    application.action_date = data.action_date
    application.action_end_date = data.action_end_date
    application.amount_asked_cents = data.amount_cents
    application.updated_at = now
    session.add(application)
    session.flush()
    session.exec(delete(Applicant).where(col(Applicant.application_id) == application.id))
    session.exec(delete(BudgetLine).where(col(BudgetLine.application_id) == application.id))
    session.add(Applicant(application_id=application.id, user_id=lead.id, is_lead=True))
    for user in others:
        if user.id != lead.id:
            session.add(Applicant(application_id=application.id, user_id=user.id))
    for position, (kind, label, cents) in enumerate(data.lines[:MAX_LINES]):
        session.add(
            BudgetLine(
                application_id=application.id,
                kind=kind,
                label=clean_text(label, 200),
                amount_cents=cents,
                position=position,
            )
        )
    session.flush()
    return application


class NotEligible(Invalid):
    """Submission refused; `extra["checks"]` lists every failed check for the form."""


# What the journal keeps of an application as it is sent to the committee.
SUBMITTED_FIELDS = {"amount_asked_cents", "holder_kind", "channel", "filed_by"}


def submit(session: Session, actor: ActorRef, application: Application, today: date) -> Application:
    """Send to the committee: every blocking check must pass; the amount asked is reserved in
    the fund under its lock, so concurrent submissions cannot overdraw it. Journaled."""
    if application.status not in (ApplicationStatus.draft, ApplicationStatus.postponed):
        raise Conflict(_("Cette demande a déjà été envoyée."))
    # Lock first, then check against the fund as it is now (a concurrent submission may have
    # just taken the last euros).
    fund = lock_fund(session, application.fund_id)
    checks = eligibility(session, application, today)
    failed = blocking_failures(checks)
    if failed:
        raise NotEligible(failed[0].message, field=failed[0].field, extra={"checks": failed})
    delta = application.amount_asked_cents - application.reserved_cents
    fund = move_money(session, fund.id, pending=delta)
    again = application.status == ApplicationStatus.postponed
    application.reserved_cents = application.amount_asked_cents
    application.status = ApplicationStatus.submitted
    application.submitted_at = utcnow()
    session.add(application)
    session.flush()
    reason = (
        _("Demande « {title} » complétée et renvoyée au comité : {amount} demandés.")
        if again
        else _("Demande « {title} » envoyée au comité : {amount} demandés.")
    ).format(title=application.title, amount=format_money(application.amount_asked_cents))
    journal(
        session,
        actor=actor,
        action="application_submitted",
        subject=application,
        reason=reason,
        payload={
            **application.model_dump(include=SUBMITTED_FIELDS),
            "fund_id": fund.id,
            "warnings": [c.rule for c in checks if not c.ok and not c.blocking],
        },
    )
    return application


def withdraw(session: Session, actor: ActorRef, application: Application) -> Application:
    """The holder gives up before a decision; the reserved amount goes back to the fund."""
    if application.status not in (ApplicationStatus.draft, *WAITING):
        raise Conflict(_("Cette demande ne peut plus être retirée."))
    fund = move_money(session, application.fund_id, pending=-application.reserved_cents)
    was_draft = application.status == ApplicationStatus.draft
    application.reserved_cents = 0
    application.status = ApplicationStatus.withdrawn
    touch(session, application)
    if not was_draft:
        journal(
            session,
            actor=actor,
            action="application_withdrawn",
            subject=application,
            reason=_("Demande « {title} » retirée avant la décision du comité.").format(
                title=application.title
            ),
            payload={"fund_id": fund.id},
        )
    return application
