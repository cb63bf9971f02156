"""Applications through the service: drafts, submission reserves money, rules that need the
database (holder history, residence from accounts), withdrawal, on-behalf filing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, func, select

from backend.accounts.models import ResidenceStatus
from backend.errors import Conflict, Invalid
from backend.fph.models import Application, ApplicationStatus, Fund
from backend.fph.service import applications as apps
from backend.fph.service.applications import NotEligible, OnBehalf, PersonInput
from backend.ledger.models import LedgerEntry
from backend.ledger.service import SYSTEM
from tests.factories import make_user
from tests.fph.conftest import (
    OTHER_QPV,
    TODAY,
    actor,
    application_input,
    make_application,
    make_fund,
    make_meeting,
    resident,
)


def pending_invariant(session: Session, fund: Fund) -> None:
    """The fund's pending total is always the sum of what its applications reserve."""
    session.refresh(fund)
    total = session.exec(
        select(func.coalesce(func.sum(Application.reserved_cents), 0)).where(Application.fund_id == fund.id)
    ).one()
    assert fund.pending_cents == total
    assert fund.balance_cents >= 0


def test_a_draft_is_kept_even_when_incomplete_and_reserves_nothing(session: Session) -> None:
    fund = make_fund(session)
    lead = resident(session)
    draft = apps.save_application(
        session, fund=fund, author=lead, data=application_input(description="", amount_cents=0)
    )
    assert draft.status == ApplicationStatus.draft and draft.reserved_cents == 0
    assert [u.id for _a, u in apps.applicants_of(session, draft.id)] == [lead.id]
    pending_invariant(session, fund)


def test_a_draft_needs_at_least_a_title(session: Session) -> None:
    fund = make_fund(session)
    with pytest.raises(Invalid) as exc:
        apps.save_application(session, fund=fund, author=resident(session), data=application_input(title=""))
    assert exc.value.field == "title"


def test_submission_reserves_the_amount_and_is_journaled(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    application = make_application(session, fund, amount_cents=45_000)
    assert application.status == ApplicationStatus.submitted and application.reserved_cents == 45_000
    session.refresh(fund)
    assert (fund.pending_cents, fund.balance_cents) == (45_000, 1_000_000 - 45_000)
    entry = session.exec(select(LedgerEntry).order_by(col(LedgerEntry.seq).desc())).first()
    assert entry is not None and entry.action == "fph.application_submitted" and entry.process == "fph"
    assert entry.reason == "Demande « Fête des voisins » envoyée au comité : 450\u202f€ demandés."
    assert entry.territory == "QN01342I"
    pending_invariant(session, fund)


def test_submission_is_refused_with_every_failed_rule(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    lead = resident(session)
    application = make_application(session, fund, lead, submit=False, others=[], amount_cents=200_000)
    with pytest.raises(NotEligible) as exc:
        apps.submit(session, actor(lead), application, TODAY)
    rules = {c.rule for c in exc.value.extra["checks"]}
    assert rules == {"cap", "share", "budget", "group_size"}
    assert application.status == ApplicationStatus.draft
    pending_invariant(session, fund)


def test_applicants_living_elsewhere_are_named(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    outsider = make_user(session, qpv=OTHER_QPV, display_name="Karim T.")
    application = make_application(session, fund, others=[outsider], submit=False)
    failed = {c.rule: c.message for c in apps.eligibility(session, application, TODAY) if not c.ok}
    assert "Karim T." in failed["residence"]


def test_the_balance_rule_counts_other_pending_applications(session: Session) -> None:
    fund = make_fund(session, envelope_cents=100_000)
    make_meeting(session, fund)
    make_application(session, fund, amount_cents=60_000, lines=[("expense", "Car", 80_000)])
    second = make_application(
        session, fund, submit=False, amount_cents=50_000, lines=[("expense", "Car", 80_000)]
    )
    failed = {c.rule: c.message for c in apps.eligibility(session, second, TODAY) if not c.ok}
    assert failed == {
        "balance": "Il reste 400\u202f€ dans le fonds cette année. Demandez au plus ce montant."
    }


def test_action_date_before_the_next_committee(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund, days=20)
    application = make_application(session, fund, submit=False, action_date=TODAY + timedelta(days=10))
    failed = {c.rule for c in apps.eligibility(session, application, TODAY) if not c.ok}
    assert failed == {"date"}


def test_withdrawal_gives_the_reservation_back(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    lead = resident(session)
    application = make_application(session, fund, lead)
    apps.withdraw(session, actor(lead), application)
    assert application.status == ApplicationStatus.withdrawn and application.reserved_cents == 0
    pending_invariant(session, fund)
    assert fund.pending_cents == 0
    with pytest.raises(Conflict):
        apps.withdraw(session, actor(lead), application)


def test_a_submitted_application_cannot_be_edited(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    lead = resident(session)
    application = make_application(session, fund, lead)
    with pytest.raises(Conflict):
        apps.save_application(
            session, fund=fund, author=lead, data=application_input(), application=application
        )


def test_coapplicant_must_have_an_account(session: Session) -> None:
    fund = make_fund(session)
    data = application_input(people=[PersonInput(identifier="06 00 00 00 01")])
    with pytest.raises(Invalid) as exc:
        apps.save_application(session, fund=fund, author=resident(session), data=data)
    assert exc.value.field == "person_0_identifier"
    assert "table de quartier peut l'inscrire" in exc.value.message


def test_filing_on_behalf_registers_people_met_in_person(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    moderator = make_user(session, qpv="QN01342I")
    behalf = OnBehalf(
        filer=actor(moderator, "moderator"), verifier=actor(moderator, "moderator"), proof_seen=True
    )
    data = application_input(
        people=[PersonInput("06 11 11 11 11", "Fatima Z."), PersonInput("06 22 22 22 22", "Omar B.")]
    )
    application = apps.save_application(session, fund=fund, author=moderator, data=data, on_behalf=behalf)
    people = apps.applicants_of(session, application.id)
    assert [(a.is_lead, u.display_name) for a, u in people] == [(True, "Fatima Z."), (False, "Omar B.")]
    assert all(u.registered_by == moderator.public_id for _a, u in people)
    assert all(u.residence_status == ResidenceStatus.verified for _a, u in people)
    assert application.channel == "in_person" and application.filed_by == moderator.public_id
    apps.submit(session, actor(moderator, "moderator"), application, TODAY)
    assert application.status == ApplicationStatus.submitted


def test_filing_on_behalf_without_proof_leaves_residence_declared(session: Session) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    secretary = make_user(session)
    data = application_input(
        people=[PersonInput("06 33 33 33 33", "Rania"), PersonInput("06 44 44 44 44", "Paul")]
    )
    application = apps.save_application(
        session,
        fund=fund,
        author=secretary,
        data=data,
        on_behalf=OnBehalf(filer=actor(secretary, "fph_committee")),
    )
    checks = apps.eligibility(session, application, TODAY)
    warning = next(c for c in checks if c.rule == "residence_verified")
    assert not warning.blocking and "Rania" in warning.message
    apps.submit(session, SYSTEM, application, TODAY)  # a warning does not block


def test_group_fund_accepts_residents_of_each_of_its_qpv(session: Session) -> None:
    fund = make_fund(session, qpvs=("QN01342I", OTHER_QPV))
    make_meeting(session, fund)
    other = make_user(session, qpv=OTHER_QPV)
    application = make_application(session, fund, others=[other])
    assert application.status == ApplicationStatus.submitted
