"""Each kind of notice, emitted by its domain at the end of the service function."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from backend.assembly.service import draws, work
from backend.budget.models import EditionPhase, PhaseKey, ProposalStatus
from backend.budget.notify import remind_voters
from backend.budget.service import moderation
from backend.db import utcnow
from backend.fph.service import committee
from backend.ledger.service import SYSTEM, ActorRef
from backend.processes import Registry
from backend.results import service as results
from tests.assembly.helpers import AGENT as ASSEMBLY_AGENT
from tests.assembly.helpers import drawn_saisine
from tests.budget.helpers import CORO, make_edition, make_proposal, resident
from tests.budget.vote_helpers import vote, vote_edition
from tests.factories import make_user
from tests.fph.conftest import make_application, make_fund, make_meeting, make_voters, on_agenda
from tests.fph.conftest import vote_all as fph_vote_all
from tests.notifications.conftest import confirmed_phone, notices, queued
from tests.results.helpers import close, counted_edition

OTHER_QPV = "QN01354M"  # La Castellane: not in the test editions


def test_a_status_change_tells_the_phone_only_author_by_sms(session: Session) -> None:
    edition = make_edition(session)
    author = confirmed_phone(session, "06 70 80 90 01", qpv=CORO)
    proposal = make_proposal(session, edition, author, status=ProposalStatus.submitted)
    assert notices(session, author.id) == []  # sending one's own proposal is not news
    moderation.publish(session, SYSTEM, proposal)
    (notice,) = notices(session, author.id, "proposal_status")
    assert notice.title == "Votre proposition est publiée"
    assert notice.url == f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"
    (sms,) = queued(session, author.id)
    assert sms.channel == "sms" and sms.recipient == "+33670809001" and len(sms.body) <= 160
    assert "Votre proposition est publiée" in sms.body


def test_the_vote_opening_tells_the_residents_of_the_edition(session: Session) -> None:
    inside = resident(session, CORO)
    outside = make_user(session, qpv=OTHER_QPV)
    edition, _projects = vote_edition(session)
    (notice,) = notices(session, inside.id, "vote_open")
    assert edition.name in notice.title and notice.url == f"/budget-participatif/{edition.slug}"
    assert notices(session, outside.id, "vote_open") == []


def test_the_reminder_goes_once_to_residents_who_have_not_voted(session: Session, registry: Registry) -> None:
    assert remind_voters in registry.reminders()
    voted, waiting = resident(session, CORO), resident(session, CORO)
    edition, projects = vote_edition(session)
    vote(session, edition, voted, str(projects[CORO][0].id))
    row = session.exec(
        select(EditionPhase).where(EditionPhase.edition_id == edition.id, EditionPhase.phase == PhaseKey.vote)
    ).first() or EditionPhase(edition_id=edition.id, phase=PhaseKey.vote, starts_on=date.today())
    now = utcnow()
    row.ends_on = now.date() + timedelta(days=10)
    session.add(row)
    session.flush()
    assert remind_voters(session, now) == 0  # not yet the last days
    row.ends_on = now.date() + timedelta(days=2)
    session.add(row)
    session.flush()
    assert remind_voters(session, now) > 0
    assert len(notices(session, waiting.id, "vote_reminder")) == 1
    assert notices(session, voted.id, "vote_reminder") == []
    assert remind_voters(session, now) == 0  # the worker runs it again: nobody is told twice
    assert len(notices(session, waiting.id, "vote_reminder")) == 1


def test_a_committee_decision_tells_the_applicants(session: Session) -> None:
    fund = make_fund(session, quorum=3)
    meeting = make_meeting(session, fund)
    voters = make_voters(session, fund, 3)
    lead = make_user(session, qpv=CORO)
    application = make_application(session, fund, lead)
    item = on_agenda(session, meeting, application)
    fph_vote_all(session, item, voters, ["contre", "contre", "contre"])
    committee.decide(session, SYSTEM, item, outcome="refused", amount_cents=None, reason="Hors du quartier.")
    (notice,) = notices(session, lead.id, "fph_decision")
    assert application.title in notice.title and "pas d'aide" in notice.title
    assert "Hors du quartier." in notice.body and notice.url == f"/fph/demandes/{application.id}"
    assert [m.channel for m in queued(session, lead.id)] == ["email"]


def test_a_milestone_tells_the_followers(session: Session) -> None:
    edition, projects, _people = counted_edition(session)
    close(session, edition)
    agent = ActorRef(role="agent", id="agent-test")
    realisation = results.open_realisation(session, agent, "bp", projects[CORO][0].id)
    follower, other = make_user(session), make_user(session)
    results.subscribe(session, realisation, follower)
    results.add_milestone(
        session, agent, realisation, happened_on=date(2026, 9, 1), title="Début des travaux"
    )
    (notice,) = notices(session, follower.id, "milestone")
    assert "Début des travaux" in notice.title and "1 septembre 2026" in notice.body
    assert notice.url == f"/resultats/realisations/{realisation.id}"
    assert notices(session, other.id, "milestone") == []


def test_a_planned_session_convenes_the_panel(session: Session) -> None:
    saisine = drawn_saisine(session)
    member = draws.members(session, saisine)[0]
    member.user_id = make_user(session).id
    session.add(member)
    session.flush()
    when = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
    meeting = work.plan_meeting(
        session, ASSEMBLY_AGENT, saisine, title="Séance 1", starts_at=when, place="Mairie 13/14", agenda=""
    )
    (notice,) = notices(session, member.user_id, "convocation")
    assert notice.title == "Séance de l'assemblée : Séance 1"
    assert "14 mars 2026" in notice.body and "Mairie 13/14" in notice.body
    assert notice.url == f"/assemblee/{saisine.id}/seances/{meeting.id}"
