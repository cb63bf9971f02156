"""Each domain's notice, committed and then sent by the worker through the real SMTP server:
the outbox is the one way these notices leave (in the person's language, with the details)."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage

from sqlalchemy import Engine

from backend.budget.models import ProposalStatus
from backend.budget.service import moderation
from backend.db import session_scope
from backend.fph.service import committee
from backend.ledger.service import SYSTEM, ActorRef
from backend.notifications.service import remember_language
from backend.notifications.worker import run
from backend.processes import Registry
from backend.results import service as results
from backend.sms import ConsoleSms
from tests.budget.helpers import CORO, make_edition, make_proposal
from tests.factories import make_user
from tests.fph.conftest import make_application, make_fund, make_meeting, make_voters, on_agenda
from tests.fph.conftest import vote_all as fph_vote_all
from tests.notifications.conftest import SmtpServer
from tests.notifications.test_worker import BASE, mailer
from tests.results.helpers import close, counted_edition


def send_all(engine: Engine, server: SmtpServer) -> int:
    return run(engine, Registry(()), mailer(server), ConsoleSms(), BASE, once=True).sent


def text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_request_for_changes_reaches_the_author_with_the_message(
    outbox: Engine, smtp_server: SmtpServer
) -> None:
    with session_scope(outbox) as session:
        edition = make_edition(session)
        author = make_user(session, identifier="autrice.bp@example.org", qpv=CORO)
        proposal = make_proposal(session, edition, author, status=ProposalStatus.submitted)
        moderation.request_changes(session, SYSTEM, proposal, "Précisez le lieu exact.")
        path = f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"
    assert send_all(outbox, smtp_server) >= 1  # others hear of their own steps too
    (mail,) = smtp_server.to("autrice.bp@example.org")
    assert mail["Subject"] == "Votre proposition : des modifications sont demandées"
    body = text(mail)
    assert "« Précisez le lieu exact. »" in body and "Modifiez-la, puis envoyez-la de nouveau." in body
    assert f"{BASE}{path}" in body


def test_a_grant_reaches_the_holder_in_their_language_with_the_amount(
    outbox: Engine, smtp_server: SmtpServer
) -> None:
    with session_scope(outbox) as session:
        fund = make_fund(session, quorum=3)
        meeting = make_meeting(session, fund)
        voters = make_voters(session, fund, 3)
        lead = make_user(session, identifier="porteuse.fph@example.org", qpv=CORO)
        remember_language(session, lead.id, "ar")
        application = make_application(session, fund, lead)
        item = on_agenda(session, meeting, application)
        fph_vote_all(session, item, voters, ["pour", "pour", "pour"])
        committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=45_000, reason="Utile.")
        title, app_id = application.title, application.id
    assert send_all(outbox, smtp_server) >= 1  # others hear of their own steps too
    (mail,) = smtp_server.to("porteuse.fph@example.org")
    body = text(mail)
    assert title in mail["Subject"] and not mail["Subject"].startswith("Votre demande")  # in Arabic
    assert "Utile." in body and "450" in body and f"{BASE}/fph/demandes/{app_id}" in body


def test_a_milestone_and_an_update_reach_the_follower(outbox: Engine, smtp_server: SmtpServer) -> None:
    agent = ActorRef(role="agent", id="agent-test")
    with session_scope(outbox) as session:
        edition, projects, _people = counted_edition(session)
        close(session, edition)
        realisation = results.open_realisation(session, agent, "bp", projects[CORO][0].id)
        follower = make_user(session, identifier="voisin.suivi@example.org")
        results.subscribe(session, realisation, follower)
        results.add_milestone(
            session,
            agent,
            realisation,
            happened_on=date(2026, 9, 1),
            title="Début des travaux",
            text="Clôture.",
        )
        results.update_realisation(session, agent, realisation, results.Update("travaux", 40, ""))
    assert send_all(outbox, smtp_server) >= 1  # others hear of their own steps too
    step, update = smtp_server.to("voisin.suivi@example.org")
    assert "Début des travaux" in step["Subject"] and "Clôture." in text(step)
    assert "Étape : Études → Travaux." in text(update) and "Avancement : 40 %." in text(update)
