"""Applications: drafts, eligibility, submission (which reserves the amount in the fund), withdrawal."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, or_
from sqlmodel import Session, col, select

from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.db import utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.fph.eligibility import (
    ApplicantFacts,
    ApplicationFacts,
    Check,
    FundFacts,
    HolderHistory,
    blocking_failures,
    check_application,
)
from backend.fph.models import (
    GRANTED,
    WAITING,
    Applicant,
    Application,
    ApplicationStatus,
    BilanStatus,
    BudgetLine,
    Fund,
    FundQpv,
    HolderKind,
    LineKind,
)
from backend.fph.money import eur
from backend.fph.service.common import get_fund, journal, lock_fund, move_money, territory
from backend.fph.service.funds import meeting_day, next_meeting, qpv_names
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv

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


def get_application(session: Session, application_id: int) -> Application:
    application = session.get(Application, application_id)
    if application is None:
        raise NotFound(_("Cette demande n'existe pas."))
    return application


def applicants_of(session: Session, application_id: int) -> list[tuple[Applicant, User]]:
    rows = session.exec(
        select(Applicant, User)
        .join(User, col(User.id) == Applicant.user_id)
        .where(Applicant.application_id == application_id)
        .order_by(col(Applicant.is_lead).desc(), col(Applicant.id))
    ).all()
    return [(a, u) for a, u in rows]


def lead_of(session: Session, application_id: int) -> User | None:
    for applicant, user in applicants_of(session, application_id):
        if applicant.is_lead:
            return user
    return None


def lines_of(session: Session, application_id: int) -> list[BudgetLine]:
    return list(
        session.exec(
            select(BudgetLine)
            .where(BudgetLine.application_id == application_id)
            .order_by(col(BudgetLine.kind), col(BudgetLine.position))
        ).all()
    )


def totals(lines: list[BudgetLine]) -> tuple[int, int]:
    """(expenses, other resources) in cents."""
    expenses = sum(line.amount_cents for line in lines if line.kind == LineKind.expense)
    resources = sum(line.amount_cents for line in lines if line.kind == LineKind.resource)
    return expenses, resources


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


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
            _("Choisissez qui demande : un groupe d'habitant·es ou une association."), field="holder_kind"
        )
    if len(_clean(data.title, 120)) < 3:
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
        lead = (lead_of(session, application.id) if application is not None else None) or author  # type: ignore[arg-type]
        others = [u for u in people if u.id != lead.id]
    now = utcnow()
    if application is None:
        application = Application(
            fund_id=fund.id,  # type: ignore[arg-type]
            qpv_id=fund.qpv_id,
            created_by_user_id=author.id,  # type: ignore[arg-type]
            channel="in_person" if on_behalf else "online",
            filed_by=on_behalf.filer.id if on_behalf else None,
        )
    application.holder_kind = data.holder_kind
    application.association_name = (
        _clean(data.association_name, 200) if data.holder_kind == HolderKind.association else ""
    )
    application.association_rna = (
        data.association_rna.strip().upper()[:12] if data.holder_kind == HolderKind.association else ""
    )
    application.title = _clean(data.title, 120)
    application.description = data.description.strip()[:5000]
    application.audience = _clean(data.audience, 300)
    application.place = _clean(data.place, 200)
    application.action_date = data.action_date
    application.action_end_date = data.action_end_date
    application.amount_asked_cents = data.amount_cents
    application.updated_at = now
    session.add(application)
    session.flush()
    session.exec(delete(Applicant).where(col(Applicant.application_id) == application.id))  # type: ignore[call-overload]
    session.exec(delete(BudgetLine).where(col(BudgetLine.application_id) == application.id))  # type: ignore[call-overload]
    session.add(Applicant(application_id=application.id, user_id=lead.id, is_lead=True))  # type: ignore[arg-type]
    for user in others:
        if user.id != lead.id:
            session.add(Applicant(application_id=application.id, user_id=user.id))  # type: ignore[arg-type]
    for position, (kind, label, cents) in enumerate(data.lines[:MAX_LINES]):
        session.add(
            BudgetLine(
                application_id=application.id,  # type: ignore[arg-type]
                kind=kind,
                label=_clean(label, 200),
                amount_cents=cents,
                position=position,
            )  # type: ignore[arg-type]
        )
    session.flush()
    return application


# --- eligibility -----------------------------------------------------------------------------


def _association_key(app: Application) -> str:
    if app.association_rna:
        return app.association_rna.upper()
    return re.sub(r"[^a-z0-9]", "", app.association_name.lower())


def holder_history(session: Session, application: Application, fund: Fund, today: date) -> HolderHistory:
    """The same holder's other grants: a group shares a person, an association its RNA or name."""
    if application.holder_kind == HolderKind.association:
        key = _association_key(application)
        candidates = session.exec(
            select(Application, Fund.year)
            .join(Fund, col(Fund.id) == Application.fund_id)
            .where(
                Application.holder_kind == HolderKind.association,
                col(Application.status).in_(GRANTED),
                Application.id != application.id,
            )
        ).all()
        matches = [(a, y) for a, y in candidates if key and _association_key(a) == key]
    else:
        user_ids = [u.id for _a, u in applicants_of(session, application.id)]  # type: ignore[arg-type]
        rows = session.exec(
            select(Application, Fund.year)
            .join(Fund, col(Fund.id) == Application.fund_id)
            .join(Applicant, col(Applicant.application_id) == Application.id)
            .where(
                Application.holder_kind == HolderKind.group,
                col(Application.status).in_(GRANTED),
                Application.id != application.id,
                col(Applicant.user_id).in_(user_ids),
            )
        ).all()
        matches = list({a.id: (a, y) for a, y in rows}.values())
    overdue = sum(1 for a, _y in matches if is_overdue(a, today))
    this_year = sum(1 for _a, y in matches if y == fund.year)
    return HolderHistory(overdue_bilans=overdue, grants_this_year=this_year)


def is_overdue(application: Application, today: date) -> bool:
    """Granted, bilan neither accepted nor waiting for review, and the deadline has passed."""
    return (
        application.status == ApplicationStatus.granted
        and application.bilan_status in (None, BilanStatus.returned)
        and application.bilan_due_on is not None
        and application.bilan_due_on < today
    )


def facts(
    session: Session, application: Application, fund: Fund, today: date
) -> tuple[ApplicationFacts, FundFacts]:
    lines = lines_of(session, application.id)  # type: ignore[arg-type]
    expenses, resources = totals(lines)
    applicants = tuple(
        ApplicantFacts(name=u.display_name, qpv_id=u.qpv_id, residence_status=u.residence_status)
        for _a, u in applicants_of(session, application.id)  # type: ignore[arg-type]
    )
    qpv_ids = frozenset(session.exec(select(FundQpv.qpv_id).where(FundQpv.fund_id == fund.id)).all())
    meeting = next_meeting(session, fund.id, today)  # type: ignore[arg-type]
    app_facts = ApplicationFacts(
        holder_kind=application.holder_kind,
        association_name=application.association_name,
        association_rna=application.association_rna,
        title=application.title,
        description=application.description,
        audience=application.audience,
        place=application.place,
        action_date=application.action_date,
        amount_cents=application.amount_asked_cents,
        expenses_cents=expenses,
        resources_cents=resources,
        applicants=applicants,
    )
    fund_facts = FundFacts(
        cap_cents=fund.cap_cents,
        max_share_pct=fund.max_share_pct,
        # What this application already holds is available to itself.
        balance_cents=fund.balance_cents + application.reserved_cents,
        max_grants_per_holder=fund.max_grants_per_holder,
        qpv_ids=qpv_ids,
        qpv_names=qpv_names(session, fund),
        next_meeting=meeting_day(meeting) if meeting else None,
    )
    return app_facts, fund_facts


def eligibility(session: Session, application: Application, today: date) -> list[Check]:
    """Every check with its French message, for the holder's screen and for submission."""
    fund = get_fund(session, application.fund_id)
    app_facts, fund_facts = facts(session, application, fund, today)
    return check_application(app_facts, fund_facts, holder_history(session, application, fund, today))


class NotEligible(Invalid):
    """Submission refused; `extra["checks"]` lists every failed check for the form."""


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
    fund = move_money(session, fund.id, pending=delta)  # type: ignore[arg-type]
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
    ).format(title=application.title, amount=eur(application.amount_asked_cents))
    journal(
        session,
        actor=actor,
        action="application_submitted",
        object_type="fph_application",
        object_id=application.id,  # type: ignore[arg-type]
        territory=territory(session, fund),
        reason=reason,
        payload={
            "fund_id": fund.id,
            "amount_asked_cents": application.amount_asked_cents,
            "holder_kind": application.holder_kind,
            "channel": application.channel,
            "filed_by": application.filed_by,
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
    application.updated_at = utcnow()
    session.add(application)
    session.flush()
    if not was_draft:
        journal(
            session,
            actor=actor,
            action="application_withdrawn",
            object_type="fph_application",
            object_id=application.id,  # type: ignore[arg-type]
            territory=territory(session, fund),
            reason=_("Demande « {title} » retirée par les personnes qui la portent.").format(
                title=application.title
            ),
            payload={"fund_id": fund.id},
        )
    return application


def applications_of_user(session: Session, user_id: int) -> list[Application]:
    """Applications a person holds or filed for others."""
    held = select(Applicant.application_id).where(Applicant.user_id == user_id)
    return list(
        session.exec(
            select(Application)
            .where(or_(col(Application.id).in_(held), col(Application.created_by_user_id) == user_id))
            .order_by(col(Application.updated_at).desc())
        ).all()
    )


def applications_of_fund(
    session: Session, fund_id: int, statuses: tuple[str, ...] | None = None
) -> list[Application]:
    query = select(Application).where(Application.fund_id == fund_id)
    if statuses:
        query = query.where(col(Application.status).in_(statuses))
    return list(session.exec(query.order_by(col(Application.submitted_at), col(Application.id))).all())


def is_holder(session: Session, application: Application, user_id: int) -> bool:
    return (
        session.exec(
            select(Applicant.id).where(
                Applicant.application_id == application.id, Applicant.user_id == user_id
            )
        ).first()
        is not None
    )
