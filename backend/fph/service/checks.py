"""Gathering the facts an application is checked against (fund, next committee, the holder's
history) and running the pure rules of backend.fph.eligibility on them."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import Session, col, select

from backend.fph.eligibility import (
    ApplicantFacts,
    ApplicationFacts,
    Check,
    FundFacts,
    HolderHistory,
    check_application,
)
from backend.fph.models import GRANTED, Applicant, Application, Fund, FundQpv, HolderKind
from backend.fph.service.common import get_fund
from backend.fph.service.funds import meeting_day, next_meeting, qpv_names
from backend.fph.service.queries import applicants_of, is_overdue, lines_of, totals


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
        user_ids = [u.id for _a, u in applicants_of(session, application.id)]
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


# The facts that are the application's own fields, under the same names.
FACTS_AS_IS = {
    "holder_kind",
    "association_name",
    "association_rna",
    "title",
    "description",
    "audience",
    "place",
    "action_date",
}


def facts(
    session: Session, application: Application, fund: Fund, today: date
) -> tuple[ApplicationFacts, FundFacts]:
    lines = lines_of(session, application.id)
    expenses, resources = totals(lines)
    applicants = tuple(
        ApplicantFacts(name=u.display_name, qpv_id=u.qpv_id, residence_status=u.residence_status)
        for _a, u in applicants_of(session, application.id)
    )
    qpv_ids = frozenset(session.exec(select(FundQpv.qpv_id).where(FundQpv.fund_id == fund.id)).all())
    meeting = next_meeting(session, fund.id, today)
    app_facts = ApplicationFacts(
        **application.model_dump(include=FACTS_AS_IS),
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
