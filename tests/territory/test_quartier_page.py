"""A quartier's page shows what is happening there: each process's section (through the registry's
`quartier_sections` hook), the next meetings of all of them, the table de quartier."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Role
from backend.assembly.models import Meeting as AssemblyMeeting
from backend.budget.models import EditionPhase, PhaseKey, ProposalStatus
from backend.processes import Registry
from backend.territory.service import get_qpv
from tests.assembly.helpers import make_saisine
from tests.budget.helpers import CORO, make_edition, make_proposal
from tests.factories import make_staff, page_text
from tests.fph.conftest import make_fund, make_meeting


def quartier(client: TestClient, code: str = CORO) -> str:
    """The quartier's page, entities decoded."""
    response = client.get(f"/quartiers/{code}")
    assert response.status_code == 200
    return page_text(response)


def test_the_budget_section_links_the_edition_its_vote_and_the_projects(
    client: TestClient, session: Session
) -> None:
    edition = make_edition(session, PhaseKey.instruction, name="Budget des quartiers 2027")
    session.add(
        EditionPhase(edition_id=edition.id, phase=PhaseKey.vote, starts_on=date.today() + timedelta(days=30))
    )
    proposal = make_proposal(session, edition, status=ProposalStatus.eligible, title="Des bancs à l'ombre")
    hidden = make_proposal(session, edition, status=ProposalStatus.draft, title="Brouillon secret")
    session.flush()
    html = text = quartier(client)
    assert "Budget participatif — Budget des quartiers 2027" in text
    assert f'href="/budget-participatif/{edition.slug}"' in html
    assert "Le vote ouvre le" in text
    assert f'href="/budget-participatif/{edition.slug}/propositions/{proposal.id}"' in html
    assert hidden.title not in text
    assert f"/propositions?quartier={CORO}" in html


def test_an_open_vote_is_said_and_linked(client: TestClient, session: Session) -> None:
    edition = make_edition(session, PhaseKey.vote)
    html = quartier(client)
    assert f'href="/budget-participatif/{edition.slug}/voter"' in html
    assert "Le vote est ouvert" in html


def test_an_edition_of_other_quartiers_is_not_shown(client: TestClient, session: Session) -> None:
    edition = make_edition(session, PhaseKey.depot, territory_codes=["QN01332M"])
    assert edition.slug not in quartier(client)


def test_the_fph_section_links_the_fund_the_application_and_the_committee(
    client: TestClient, session: Session
) -> None:
    fund = make_fund(session, name="FPH Malpassé Corot", association_contact="04 91 00 00 00")
    meeting = make_meeting(session, fund, days=10)
    html = text = quartier(client)
    assert "Fonds de participation des habitants (FPH)" in text
    assert f'href="/fph/fonds/{fund.id}"' in html
    assert f'href="/fph/fonds/{fund.id}/demander"' in html
    assert "Centre social — 04 91 00 00 00" in text
    meetings = text.split('id="meetings"')[-1]
    assert "Comité d'attribution" in meetings
    assert meeting.place in meetings
    assert "(Fonds de participation des habitants (FPH))" in meetings


def test_the_assembly_section_shows_the_call_and_the_sessions(client: TestClient, session: Session) -> None:
    saisine = make_saisine(
        session, title="Jeunes et emploi", registration_deadline=date.today() + timedelta(days=20)
    )
    session.add(
        AssemblyMeeting(
            saisine_id=saisine.id,
            title="Première séance",
            starts_at=datetime.now(UTC) + timedelta(days=40),
            place="Maison pour tous Corot",
            agenda="",
            summary="",
        )
    )
    session.flush()
    html = text = quartier(client)
    assert "Assemblée citoyenne des quartiers" in text
    assert f'href="/assemblee/{saisine.id}/participer"' in html
    assert "Devenez volontaire, jusqu'au" in text
    assert "Première séance" in text and "Maison pour tous Corot" in text
    meetings = html.split('id="meetings"')[1]
    assert "Première séance" in meetings


def test_the_table_de_quartier_is_named(client: TestClient, session: Session) -> None:
    make_staff(session, Role.moderator, "qpv", CORO, display_name="Table de quartier Corot")
    make_staff(session, Role.moderator, "qpv", "QN01332M", display_name="Table du Centre")
    text = quartier(client)
    assert "Table de quartier Corot" in text
    assert "Table du Centre" not in text


def test_a_quiet_quartier_says_so(client: TestClient) -> None:
    text = quartier(client)
    assert "Rien n'est ouvert dans ce quartier pour l'instant." in text
    assert "Pas encore de table de quartier sur la plateforme" in text


def test_the_registry_asks_every_process(session: Session, registry: Registry) -> None:
    make_edition(session, PhaseKey.depot)
    make_fund(session)
    make_saisine(session)
    sections = registry.quartier_sections(session, get_qpv(session, CORO))
    titles = [s.kicker or s.title for s in sections]
    assert titles == [
        "Budget participatif",
        "Fonds de participation des habitants (FPH)",
        "Assemblée citoyenne des quartiers",
    ]
