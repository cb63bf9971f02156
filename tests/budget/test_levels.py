"""Trust levels per edition: what each act needs, said before anyone starts, enforced the same way on
every path (ballot service, ballot page, API, proposal screens)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, Role
from backend.budget.models import Edition, Proposal, ProposalStatus
from backend.budget.voting.eligibility import VoterFacts, check_voter
from backend.budget.voting.models import Voter
from backend.budget.voting.service import NotEligible
from backend.db import utcnow
from tests.budget.helpers import CORO, make_edition, make_proposal, proposal_form, resident
from tests.budget.vote_helpers import ids, vote, vote_edition, voter
from tests.conftest import csrf
from tests.factories import login, make_staff, page_text, post


def test_an_account_only_cannot_vote_where_a_confirmed_contact_is_needed_then_can(session: Session) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.contact)
    throwaway = voter(session, residence_status=ResidenceStatus.declared)
    with pytest.raises(NotEligible, match="confirmez d'abord votre e-mail") as refused:
        vote(session, edition, throwaway, *ids(projects[CORO], 0))
    assert refused.value.refusal.code == "need_contact"
    assert refused.value.refusal.link == "/compte/confirmer"
    throwaway.email_confirmed_at = utcnow()
    session.add(throwaway)
    session.flush()
    vote(session, edition, throwaway, *ids(projects[CORO], 0))
    assert len(session.exec(select(Voter).where(Voter.edition_id == edition.id)).all()) == 1


def test_a_residence_declared_in_the_area_is_not_verified(session: Session) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.residence)
    in_area = voter(session, residence_status=ResidenceStatus.declared_in_area, email_confirmed_at=utcnow())
    with pytest.raises(NotEligible, match="adresse doit être vérifiée") as refused:
        vote(session, edition, in_area, *ids(projects[CORO], 0))
    assert (
        refused.value.refusal.code == "need_residence" and refused.value.refusal.link == "/compte#residence"
    )
    open_edition, open_projects = vote_edition(session, level_to_vote=Level.account)
    vote(session, open_edition, in_area, *ids(open_projects[CORO], 0))  # declared in the area: takes part


def test_the_territory_rule_still_holds_at_every_level(session: Session) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.account)
    with pytest.raises(NotEligible, match="indiquez d'abord votre quartier"):
        vote(session, edition, voter(session, qpv=None), *ids(projects[CORO], 0))
    with pytest.raises(NotEligible, match="d'autres quartiers"):
        vote(session, edition, voter(session, "QN01352M"), *ids(projects[CORO], 0))


def test_at_a_voting_point_the_identity_seen_stands_for_a_contact_not_for_a_residence() -> None:
    facts = VoterFacts(1990, 7, ResidenceStatus.declared)
    envelopes = {7: 70}
    assert (
        check_voter(facts, min_age=16, level=Level.contact, envelope_by_qpv=envelopes, year=2026, staff=True)[
            0
        ]
        == 70
    )
    _, refusal = check_voter(
        facts, min_age=16, level=Level.residence, envelope_by_qpv=envelopes, year=2026, staff=True
    )
    assert refusal is not None and "justificatif de domicile" in refusal.message
    _, online = check_voter(facts, min_age=16, level=Level.contact, envelope_by_qpv=envelopes, year=2026)
    assert online is not None and online.code == "need_contact"


def test_the_ballot_page_and_the_api_refuse_with_the_way_to_confirm(
    client: TestClient, session: Session
) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.contact)
    person = voter(session, residence_status=ResidenceStatus.declared)
    login(client, person)
    page = client.get(f"/budget-participatif/{edition.slug}/voter")
    text = page_text(page)
    assert page.status_code == 403 and "confirmez d'abord votre e-mail" in text
    assert 'href="/compte/confirmer"' in page.text
    assert "Pour voter, il faut avoir confirmé son e-mail ou son numéro de téléphone." in text
    api = client.post(
        f"/api/v1/budget/editions/{edition.slug}/bulletin",
        json={"projects": list(ids(projects[CORO], 0))},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert api.status_code == 403 and "confirmez d'abord" in api.json()["detail"]
    assert client.get(f"/api/v1/budget/editions/{edition.slug}").json()["level_to_vote"] == Level.contact


def test_proposing_needs_the_level_the_edition_sets(client: TestClient, session: Session) -> None:
    edition = make_edition(session, level_to_propose=Level.contact)
    person = resident(session, residence_status=ResidenceStatus.declared)
    login(client, person)
    base = f"/budget-participatif/{edition.slug}"
    page = client.get(base)
    assert "Pour proposer une idée, il faut avoir confirmé son e-mail" in page_text(page)
    assert 'href="/compte/confirmer"' in page.text and f'href="{base}/proposer"' not in page.text
    refused = client.get(f"{base}/proposer")
    assert refused.status_code == 403 and "confirmez d'abord" in page_text(refused)
    assert post(client, f"{base}/proposer", proposal_form()).status_code == 403
    assert session.exec(select(Proposal).where(Proposal.edition_id == edition.id)).first() is None

    person.email_confirmed_at = utcnow()
    session.add(person)
    session.flush()
    assert client.get(f"{base}/proposer").status_code == 200
    assert post(client, f"{base}/proposer", proposal_form()).status_code == 303
    proposal = session.exec(select(Proposal).where(Proposal.edition_id == edition.id)).one()
    assert proposal.status == ProposalStatus.submitted


def test_a_draft_is_kept_when_sending_is_refused_for_the_level(client: TestClient, session: Session) -> None:
    edition = make_edition(session)
    person = resident(session, residence_status=ResidenceStatus.declared)
    draft = make_proposal(session, edition, author=person, status=ProposalStatus.draft)
    edition.level_to_propose = Level.residence
    session.add(edition)
    session.flush()
    login(client, person)
    url = f"/budget-participatif/{edition.slug}/propositions/{draft.id}/modifier"
    response = post(client, url, proposal_form(title="Un titre changé pour des bancs à l'ombre"))
    assert response.status_code == 422 and "adresse doit être vérifiée" in page_text(response)
    session.refresh(draft)
    assert draft.status == ProposalStatus.draft and draft.title == "Un titre changé pour des bancs à l'ombre"


def test_the_admin_form_sets_the_levels_and_explains_a_bad_choice(
    client: TestClient, session: Session
) -> None:
    edition = make_edition(session, phase="preparation")
    login(client, make_staff(session, Role.admin, "all"))
    url = f"/admin/budget-participatif/{edition.slug}"
    page = page_text(client.get(url))
    assert "Avoir confirmé son e-mail ou son téléphone" in page and "Avoir une adresse vérifiée" in page
    fields = {
        "name": edition.name, "slug": edition.slug, "territory_kind": "qpv", "qpvs": edition.codes,
        "envelope_scope": "qpv", "themes": "Sport", "cost_cap": "50000", "operating_share_pct": "5",
        "min_voting_age": "16", "report_threshold": "2", "ballot_rule": "approval", "ballot_min": "1",
        "ballot_max": "3", "counting_rule": "greedy", "level_to_propose": "2", "level_to_support": "1",
        "level_to_vote": "9",
    }  # fmt: skip
    bad = post(client, url, fields)
    assert bad.status_code == 422 and "Choisissez ce qu'il faut pour participer" in page_text(bad)
    assert 'value="2" selected' in bad.text  # what was chosen is kept
    fields["level_to_vote"] = "3"
    assert post(client, url, fields).status_code == 303
    fresh = session.exec(select(Edition).where(Edition.id == edition.id)).one()
    session.refresh(fresh)
    assert (fresh.level_to_propose, fresh.level_to_support, fresh.level_to_vote) == (2, 1, 3)
