"""Editions: administration screens, phase guards with the voting hook, personal data, demo."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts import personal_data as accounts
from backend.accounts.models import Role
from backend.budget.models import Edition, Proposal, ProposalStatus
from backend.budget.service import editions
from backend.errors import Conflict, Invalid
from backend.processes import PhaseHooks, Registry
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, make_edition, make_proposal, resident
from tests.factories import login, make_staff, post


@pytest.fixture
def ballots() -> PhaseHooks:
    """The budget's phase hooks, with seven ballots in every edition."""
    return replace(BP_HOOKS, ballot_count=lambda session, edition_id: 7)


def test_vote_opens_only_with_eligible_projects_in_every_envelope(session: Session) -> None:
    edition = make_edition(session, phase="instruction")
    make_proposal(session, edition, status=ProposalStatus.eligible)
    with pytest.raises(Conflict, match="Centre Ville 3e"):
        editions.change_phase(session, ADMIN, edition, "vote", hooks=BP_HOOKS)
    waiting = make_proposal(session, edition, qpv_code=CENTRE, status=ProposalStatus.published)
    with pytest.raises(Conflict, match="attendent encore"):
        editions.change_phase(session, ADMIN, edition, "vote", hooks=BP_HOOKS)
    waiting.status = ProposalStatus.eligible
    session.add(waiting)
    editions.change_phase(session, ADMIN, edition, "vote", hooks=BP_HOOKS)
    assert edition.phase == "vote"
    with pytest.raises(Invalid, match="Expliquez"):
        editions.change_phase(session, ADMIN, edition, "instruction", hooks=BP_HOOKS)


def test_no_phase_goes_backwards_once_ballots_exist(session: Session, ballots: PhaseHooks) -> None:
    edition = make_edition(session, phase="vote")
    with pytest.raises(Conflict, match="votes sont déjà enregistrés"):
        editions.change_phase(session, ADMIN, edition, "instruction", "Oubli d'un projet.", hooks=ballots)
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=ballots)


def test_rules_lock_once_proposals_exist(session: Session) -> None:
    edition = make_edition(session)
    make_proposal(session, edition)
    settings = editions.EditionSettings(
        name=edition.name, territory_kind="qpv", territory_codes=["QN01342I"], envelope_scope="qpv",
        themes=edition.themes, checklist=edition.checklist,
    )  # fmt: skip
    with pytest.raises(Conflict, match="territoire"):
        editions.update_edition(session, ADMIN, edition, settings)
    edition.phase = "vote"
    with pytest.raises(Conflict, match="ne changent plus"):
        editions.update_edition(session, ADMIN, edition, settings)


def test_admin_creates_an_edition_and_opens_the_depot(client: TestClient, session: Session) -> None:
    login(client, make_staff(session, Role.admin, "all"))
    assert client.get("/admin/budget-participatif/nouvelle").status_code == 200
    fields = {
        "name": "BP Nord 2027", "territory_kind": "secteur", "secteurs": ["nord-est", "nord-littoral"],
        "envelope_scope": "secteur", "default_amount": "400000", "themes": "Sport\nNature en ville",
        "criteria": ["competence", "faisable"], "extra_criteria": "Accessible aux personnes handicapées",
        "cost_cap": "150000", "operating_share_pct": "5", "min_voting_age": "9", "report_threshold": "3",
        "ballot_rule": "approval", "ballot_min": "2", "ballot_max": "5", "counting_rule": "greedy",
        "level_to_propose": "1", "level_to_support": "1", "level_to_vote": "3", "start-depot": "2027-01-10", "end-depot": "2026-12-01",
    }  # fmt: skip
    response = post(client, "/admin/budget-participatif/nouvelle", fields)
    assert (
        response.status_code == 422
        and "La fin d&#39;une phase" in response.text
        and "BP Nord 2027" in response.text
    )
    fields["end-depot"] = "2027-03-01"
    response = post(client, "/admin/budget-participatif/nouvelle", fields)
    assert response.status_code == 303, response.text
    edition = session.exec(select(Edition).where(Edition.slug == "bp-nord-2027")).one()
    assert sorted(e.scope_code for e in editions.envelopes(session, edition)) == ["nord-est", "nord-littoral"]
    assert [c["key"] for c in edition.checklist][-1] == "accessible-aux-personnes-handicapees"
    assert client.get("/budget-participatif/bp-nord-2027").status_code == 200  # admins see it in preparation
    post(client, "/admin/budget-participatif/bp-nord-2027/phase", {"target": "depot"})
    session.refresh(edition)
    assert edition.phase == "depot"
    page = client.get("/admin/budget-participatif/bp-nord-2027").text
    assert "Étude des idées" in page
    envelope = editions.envelopes(session, edition)[0]
    post(client, "/admin/budget-participatif/bp-nord-2027/enveloppes", {f"envelope-{envelope.id}": "450 000"})
    session.refresh(envelope)
    assert envelope.amount == 450_000
    api = client.get("/api/v1/budget/editions/bp-nord-2027").json()
    assert api["ballot_min"] == 2 and api["level_to_vote"] == 3 and len(api["envelopes"]) == 2


def test_counting_rule_must_match_ballot(client: TestClient, session: Session) -> None:
    with pytest.raises(Invalid, match="jugement majoritaire"):
        make_edition(session, ballot_rule="majority_judgment", counting_rule="greedy")
    with pytest.raises(Invalid, match="minimum"):
        make_edition(session, counting_rule="greedy-threshold")


def test_account_deletion_keeps_proposals_without_author(session: Session, registry: Registry) -> None:
    edition = make_edition(session)
    author = resident(session)
    sent = make_proposal(session, edition, author, status=ProposalStatus.published)
    draft = make_proposal(session, edition, author, status=ProposalStatus.draft)
    exported = accounts.export_personal_data(session, author, registry)["budget_participatif"]
    assert {p["numero"] for p in exported["propositions"]} == {sent.id, draft.id}
    accounts.delete_account(session, author, registry)
    session.refresh(sent)
    assert sent.author_id is None and sent.status == ProposalStatus.published
    assert session.get(Proposal, draft.id) is None


def test_demo_is_complete_and_idempotent(session: Session, registry: Registry) -> None:
    from backend.budget.demo import load_demo
    from backend.demo import load_people

    ctx: dict = {"registry": registry}  # type: ignore[type-arg]
    load_people(session, ctx)
    load_demo(session, ctx)
    load_demo(session, ctx)
    main = editions.get_edition(session, "marseille-2026")
    assert main.phase == "vote" and main.envelope_scope == "secteur"
    assert editions.edition_facts(session, main, BP_HOOKS).envelopes_without_projects == ()
    statuses = set(session.exec(select(Proposal.status)).all())
    assert statuses == set(ProposalStatus)
    assert session.exec(select(Proposal).where(Proposal.hidden_at.is_not(None))).first() is not None  # type: ignore[union-attr]
    assert len(session.exec(select(Edition)).all()) == 3
    # The vote's demo: voters in the 2026 vote, a closed 2025 edition with its results.
    from backend.budget.voting.results import results_of
    from backend.budget.voting.service import voter_count

    assert voter_count(session, main.id) == 120
    closed = editions.get_edition(session, "marseille-2025")
    assert closed.phase == "resultats" and len(results_of(session, closed)) == 4
