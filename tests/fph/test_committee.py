"""Meetings: agenda, quorum, conflicts of interest, decisions moving money, journal entries,
minutes without personal data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.errors import Conflict, Forbidden, Invalid
from backend.fph.models import ApplicationStatus, Fund, Meeting, Member, MemberKind, Vote
from backend.fph.service import committee, funds
from backend.fph.service import minutes as minutes_service
from backend.ledger.models import LedgerEntry
from backend.ledger.service import SYSTEM, verify_ledger
from tests.fph.conftest import (
    actor,
    make_application,
    make_meeting,
    make_voters,
    on_agenda,
    resident,
    vote_all,
)
from tests.fph.open_fund import open_fund

Setup = tuple[Fund, Meeting, list[tuple[User, Member]]]


@pytest.fixture
def setup(session: Session) -> Setup:
    fund, meeting = open_fund(session, quorum=3)
    voters = make_voters(session, fund, 4)
    return fund, meeting, voters


def fph_entries(session: Session, action: str) -> list[LedgerEntry]:
    return list(
        session.exec(
            select(LedgerEntry).where(LedgerEntry.action == action).order_by(col(LedgerEntry.seq))
        ).all()
    )


def test_voting_members_get_the_committee_role_on_the_fund_qpv(session: Session, setup: Setup) -> None:
    from backend.accounts.grants import active_grants

    _fund, _meeting, voters = setup
    user, member = voters[0]
    assert member.voting and member.kind == MemberKind.resident
    assert [(g.role, g.scope_kind, g.scope_code) for g in active_grants(session, user.id)] == [
        ("fph_committee", "qpv", "QN01342I")
    ]


def test_institutions_never_vote(session: Session, setup: Setup) -> None:
    fund, meeting, _voters = setup
    institution = funds.add_member(session, SYSTEM, fund, kind="institution", label="13 Habitat")
    assert not institution.voting
    item = on_agenda(session, meeting, make_application(session, fund))
    with pytest.raises(Forbidden) as exc:
        committee.record_vote(
            session, recorded_by=SYSTEM, item=item, member=institution, choice="pour", has_committee_role=True
        )
    assert "institutionnels ne votent pas" in exc.value.message


def test_a_member_without_the_role_on_this_qpv_cannot_vote(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    item = on_agenda(session, meeting, make_application(session, fund))
    with pytest.raises(Forbidden):
        committee.record_vote(
            session,
            recorded_by=SYSTEM,
            item=item,
            member=voters[0][1],
            choice="pour",
            has_committee_role=False,
        )


def test_grant_needs_quorum(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    item = on_agenda(session, meeting, make_application(session, fund))
    vote_all(session, item, voters[:2], ["pour", "pour"])
    with pytest.raises(Invalid) as exc:
        committee.decide(
            session, SYSTEM, item, outcome="granted", amount_cents=50_000, reason="Bon projet de quartier."
        )
    assert "quorum n'est pas atteint : 2 membre(s)" in exc.value.message
    decision = committee.decide(
        session, SYSTEM, item, outcome="postponed", amount_cents=None, reason="le devis du traiteur"
    )
    assert decision.outcome == "postponed"


def test_granting_moves_the_reservation_and_may_give_less_than_asked(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    application = make_application(session, fund, amount_cents=50_000)
    item = on_agenda(session, meeting, application)
    vote_all(session, item, voters, ["pour", "pour", "contre", "abstention"])
    decision = committee.decide(
        session,
        SYSTEM,
        item,
        outcome="granted",
        amount_cents=40_000,
        reason="Les jeux peuvent coûter moins cher.",
    )
    session.refresh(fund)
    assert (fund.granted_cents, fund.pending_cents) == (40_000, 0)
    assert application.status == ApplicationStatus.granted and application.granted_cents == 40_000
    assert application.action_date is not None
    assert application.bilan_due_on == application.action_date + timedelta(days=60)
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (2, 1, 1)
    entry = fph_entries(session, "fph.application_granted")[-1]
    assert entry.seq == decision.ledger_seq
    assert entry.reason == (
        "Aide de 400\u202f€ accordée à « Fête des voisins » (500\u202f€ demandés). Votes : 2 pour, 1 contre, "
        "1 abstention(s). Motif : Les jeux peuvent coûter moins cher."
    )
    assert verify_ledger(session).ok


def test_refusal_needs_a_majority_against_and_releases_the_money(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    application = make_application(session, fund)
    item = on_agenda(session, meeting, application)
    vote_all(session, item, voters, ["pour", "pour", "pour", "contre"])
    with pytest.raises(Invalid):
        committee.decide(
            session, SYSTEM, item, outcome="refused", amount_cents=None, reason="Pas prioritaire."
        )
    vote_all(session, item, voters, ["contre", "contre", "pour", "contre"])
    committee.decide(
        session,
        SYSTEM,
        item,
        outcome="refused",
        amount_cents=None,
        reason="Ce sont des frais de fonctionnement.",
    )
    session.refresh(fund)
    assert (fund.granted_cents, fund.pending_cents) == (0, 0)
    assert application.status == ApplicationStatus.refused
    assert "refusée" in fph_entries(session, "fph.application_refused")[-1].reason


def test_every_decision_needs_a_public_reason_and_cannot_exceed_what_was_asked(
    session: Session, setup: Setup
) -> None:
    fund, meeting, voters = setup
    item = on_agenda(session, meeting, make_application(session, fund, amount_cents=50_000))
    vote_all(session, item, voters, ["pour"] * 4)
    with pytest.raises(Invalid) as exc:
        committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=50_000, reason="")
    assert exc.value.field == "reason"
    with pytest.raises(Invalid) as exc:
        committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=60_000, reason="Très bien.")
    assert "plus que le montant demandé" in exc.value.message


def test_one_decision_per_application_and_meeting(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    item = on_agenda(session, meeting, make_application(session, fund))
    vote_all(session, item, voters, ["pour"] * 3)
    committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=50_000, reason="Très bien.")
    with pytest.raises(Conflict):
        committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=50_000, reason="Encore.")
    with pytest.raises(Conflict):
        vote_all(session, item, voters[3:], ["pour"])


def test_a_declared_conflict_removes_the_vote_and_blocks_voting(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    application = make_application(session, fund)
    item = on_agenda(session, meeting, application)
    vote_all(session, item, voters[:3], ["pour", "pour", "pour"])
    user, member = voters[0]
    committee.declare_conflict(session, actor(user, "fph_committee"), member, item)
    assert (
        session.exec(select(Vote).where(Vote.item_id == item.id, Vote.member_id == member.id)).first() is None
    )
    assert committee.item_tally(session, item, fund).voters == 2
    with pytest.raises(Forbidden) as exc:
        vote_all(session, item, voters[:1], ["pour"])
    assert "lié·e à ce dossier" in exc.value.message
    entry = fph_entries(session, "fph.conflict_declared")[-1]
    assert user.display_name not in entry.reason and "ne vote pas" in entry.reason
    # Quorum is now missing: only a postponement is possible.
    with pytest.raises(Invalid):
        committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=50_000, reason="Très bien.")


def test_a_member_who_holds_the_application_is_conflicted_automatically(
    session: Session, setup: Setup
) -> None:
    fund, meeting, voters = setup
    holder_user, holder_member = voters[0]
    application = make_application(session, fund, holder_user)
    item = on_agenda(session, meeting, application)
    assert holder_member.id in committee.conflicted_member_ids(session, application)
    with pytest.raises(Forbidden):
        vote_all(session, item, voters[:1], ["pour"])


def test_agenda_rules(session: Session, setup: Setup) -> None:
    fund, meeting, _voters = setup
    draft = make_application(session, fund, submit=False)
    with pytest.raises(Conflict):
        on_agenda(session, meeting, draft)
    application = make_application(session, fund)
    on_agenda(session, meeting, application)
    later = make_meeting(session, fund, days=40)
    with pytest.raises(Conflict) as exc:
        on_agenda(session, later, application)
    assert "déjà à l'ordre du jour" in exc.value.message


def test_postponed_application_can_be_completed_and_heard_again(session: Session, setup: Setup) -> None:
    from backend.fph.service import applications as apps
    from tests.fph.conftest import TODAY, application_input

    fund, meeting, voters = setup
    lead = resident(session)
    application = make_application(session, fund, lead, amount_cents=50_000)
    item = on_agenda(session, meeting, application)
    committee.decide(session, SYSTEM, item, outcome="postponed", amount_cents=None, reason="le devis du car")
    assert application.status == ApplicationStatus.postponed and application.reserved_cents == 50_000
    others = [u for a, u in apps.applicants_of(session, application.id) if not a.is_lead]
    apps.save_application(
        session, fund=fund, author=lead, application=application,
        data=application_input(amount_cents=40_000, others=others),
    )  # fmt: skip
    apps.submit(session, actor(lead), application, TODAY)
    session.refresh(fund)
    assert application.status == ApplicationStatus.submitted
    assert application.reserved_cents == fund.pending_cents == 40_000
    assert "complétée et renvoyée" in fph_entries(session, "fph.application_submitted")[-1].reason


def test_minutes_are_published_once_every_item_is_decided_and_hold_no_names(
    session: Session, setup: Setup
) -> None:
    fund, meeting, voters = setup
    lead = resident(session, display_name="Amina Benali")
    first = on_agenda(session, meeting, make_application(session, fund, lead, title="Fête des voisins"))
    second = on_agenda(session, meeting, make_application(session, fund, holder_kind="association",
                                                          association_name="Corot Musique", title="Concert"))  # fmt: skip
    vote_all(session, first, voters, ["pour"] * 4)
    committee.decide(
        session, SYSTEM, first, outcome="granted", amount_cents=50_000, reason="Action ouverte à tous."
    )
    with pytest.raises(Conflict) as exc:
        minutes_service.publish_minutes(session, SYSTEM, meeting)
    assert "« Concert »" in exc.value.message
    committee.decide(
        session, SYSTEM, second, outcome="postponed", amount_cents=None, reason="le budget détaillé"
    )
    minutes = minutes_service.publish_minutes(session, SYSTEM, meeting)
    assert [(i.title, i.holder, i.outcome) for i in minutes.items] == [
        ("Fête des voisins", "Groupe de 2 habitant·es", "granted"),
        ("Concert", "Corot Musique", "postponed"),
    ]
    assert minutes.voters == 4 and minutes.granted_cents == 50_000
    text = repr(minutes.items)
    assert "Amina" not in text and "Benali" not in text
    assert meeting.is_closed
    make_meeting(session, fund, days=20)
    with pytest.raises(Conflict):
        on_agenda(session, meeting, make_application(session, fund))
    assert "1 aide(s) accordée(s) pour 500\u202f€" in fph_entries(session, "fph.minutes_published")[-1].reason


def test_each_decision_kind_is_journaled(session: Session, setup: Setup) -> None:
    fund, meeting, voters = setup
    outcomes = {"granted": ["pour"] * 3, "refused": ["contre"] * 3, "postponed": []}
    for outcome, votes in outcomes.items():
        item = on_agenda(session, meeting, make_application(session, fund))
        vote_all(session, item, voters, votes)
        committee.decide(session, SYSTEM, item, outcome=outcome, amount_cents=50_000 if outcome == "granted" else None,
                         reason="Raison publique.")  # fmt: skip
        entry = fph_entries(session, f"fph.application_{outcome}")[-1]
        assert (
            entry.process == "fph"
            and entry.object_type == "fph_application"
            and entry.territory == "QN01342I"
        )
