"""Read-only questions about applications, shared by the services, permissions and views."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.db import get_or_not_found
from backend.fph.models import Applicant, Application, ApplicationStatus, BilanStatus, BudgetLine, LineKind
from backend.fph.service.common import all_of
from backend.i18n import gettext as _


def get_application(session: Session, application_id: int) -> Application:
    return get_or_not_found(session, Application, application_id, _("Cette demande n'existe pas."))


def applicants_of(session: Session, application_id: int) -> list[tuple[Applicant, User]]:
    return all_of(
        session,
        select(Applicant, User)
        .join(User, col(User.id) == Applicant.user_id)
        .where(Applicant.application_id == application_id)
        .order_by(col(Applicant.is_lead).desc(), col(Applicant.id)),
    )


def lead_of(session: Session, application_id: int) -> User | None:
    for applicant, user in applicants_of(session, application_id):
        if applicant.is_lead:
            return user
    return None


def lines_of(session: Session, application_id: int) -> list[BudgetLine]:
    return all_of(
        session,
        select(BudgetLine)
        .where(BudgetLine.application_id == application_id)
        .order_by(col(BudgetLine.kind), col(BudgetLine.position)),
    )


def totals(lines: list[BudgetLine]) -> tuple[int, int]:
    """(expenses, other resources) in cents."""
    expenses = sum(line.amount_cents for line in lines if line.kind == LineKind.expense)
    resources = sum(line.amount_cents for line in lines if line.kind == LineKind.resource)
    return expenses, resources


def applications_of_user(session: Session, user_id: int) -> list[Application]:
    """Applications a person holds or filed for others."""
    held = select(Applicant.application_id).where(Applicant.user_id == user_id)
    return all_of(
        session,
        select(Application)
        .where(or_(col(Application.id).in_(held), col(Application.created_by_user_id) == user_id))
        .order_by(col(Application.updated_at).desc()),
    )


def applications_of_fund(
    session: Session, fund_id: int, statuses: tuple[str, ...] | None = None
) -> list[Application]:
    query = select(Application).where(Application.fund_id == fund_id)
    if statuses:
        query = query.where(col(Application.status).in_(statuses))
    return all_of(session, query.order_by(col(Application.submitted_at), col(Application.id)))


def is_holder(session: Session, application: Application, user_id: int) -> bool:
    return (
        session.exec(
            select(Applicant.id).where(
                Applicant.application_id == application.id, Applicant.user_id == user_id
            )
        ).first()
        is not None
    )


def is_overdue(application: Application, today: date) -> bool:
    """Granted, bilan neither accepted nor waiting for review, and the deadline has passed."""
    return (
        application.status == ApplicationStatus.granted
        and application.bilan_status in (None, BilanStatus.returned)
        and application.bilan_due_on is not None
        and application.bilan_due_on < today
    )
