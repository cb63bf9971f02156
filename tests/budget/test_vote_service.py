"""Casting ballots: every ballot rule's valid and invalid ballots, age and residence refusals,
envelope scoping, one ballot per person whatever the channel, revote keeps only the last."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus
from backend.budget.service import editions
from backend.budget.voting import service
from backend.budget.voting.context import Choice
from backend.budget.voting.models import Ballot, Voter
from backend.budget.voting.secrecy import receipt_hash, slot_key
from backend.budget.voting.service import BallotRefused, NotEligible
from backend.db import utcnow
from backend.errors import Conflict
from backend.processes import Registry
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO
from tests.budget.vote_helpers import BALLOT_COLUMNS, count, ids, paper, vote, vote_edition, voter
from tests.conftest import TEST_SECRET


def test_approval_ballot_valid_and_invalid(session: Session) -> None:
    edition, projects = vote_edition(session, ballot_min=2, ballot_max=3)
    person = voter(session)
    coro = projects[CORO]
    with pytest.raises(BallotRefused, match="Vous avez choisi 1 projet : le minimum est 2."):
        vote(session, edition, person, *ids(coro, 0))
    with pytest.raises(BallotRefused, match="Vous avez choisi 4 projets : le maximum est 3."):
        vote(session, edition, person, *ids(coro, 0, 1, 2, 3))
    with pytest.raises(BallotRefused, match="Vous n'avez choisi aucun projet."):
        vote(session, edition, person)
    with pytest.raises(BallotRefused, match="ne fait pas partie de ce vote"):
        vote(
            session, edition, person, *ids(coro, 0), str(projects[CENTRE][0].id)
        )  # another envelope's project
    assert count(session, Voter, edition.id) == 0
    result = vote(session, edition, person, *ids(coro, 0, 2))
    assert len(result.receipt) == 14 and not result.revote
    assert count(session, Voter, edition.id) == count(session, Ballot, edition.id) == 1
    stored = session.execute(
        select(Ballot).where(col(Ballot.receipt_hash) == receipt_hash(result.receipt))
    ).scalar_one()
    assert stored.choices == " ".join(sorted(ids(coro, 0, 2), key=int))


def test_knapsack_ballot_stays_within_the_envelope(session: Session) -> None:
    edition, projects = vote_edition(session, ballot_rule="knapsack", ballot_min=1, ballot_max=None)
    coro = projects[CORO]  # 40 000 + 30 000 + 20 000 + 10 000 = 100 000 € = the envelope
    vote(session, edition, voter(session), *ids(coro, 0, 1, 2, 3))  # exactly the envelope: valid
    coro[3].services_cost = 10_001
    session.add(coro[3])
    session.flush()
    person = voter(session)
    with pytest.raises(
        BallotRefused,
        match="Votre choix coûte 100\u202f001\u00a0€ : il dépasse l'enveloppe de 100\u202f000\u00a0€",
    ):
        vote(session, edition, person, *ids(coro, 0, 1, 2, 3))
    with pytest.raises(BallotRefused, match="Vous n'avez choisi aucun projet"):
        vote(session, edition, person)
    assert vote(session, edition, person, *ids(coro, 0, 1, 2)).envelope.code == CORO


def test_majority_judgment_ballot_needs_a_grade_for_every_project(session: Session) -> None:
    edition, projects = vote_edition(
        session, ballot_rule="majority_judgment", counting_rule="majority-judgment", ballot_max=None
    )
    person = voter(session)
    coro = [str(p.id) for p in projects[CORO]]
    with pytest.raises(BallotRefused, match="il en manque 2"):
        vote(session, edition, person, grades={coro[0]: 3, coro[1]: 0})
    with pytest.raises(BallotRefused, match="n'existe pas"):
        vote(session, edition, person, grades={coro[0]: 4, coro[1]: 0, coro[2]: 1, coro[3]: 2})
    vote(session, edition, person, grades={coro[0]: 3, coro[1]: 0, coro[2]: 1, coro[3]: 2})
    assert count(session, Ballot, edition.id) == 1


def test_age_and_residence_refusals(session: Session) -> None:
    edition, projects = vote_edition(session, min_voting_age=16, level_to_vote=Level.residence)
    choice = ids(projects[CORO], 0)
    year = utcnow().year
    with pytest.raises(NotEligible, match="au moins 16 ans"):
        vote(session, edition, voter(session, birth_year=year - 15), *choice)
    vote(session, edition, voter(session, birth_year=year - 16), *choice)  # 16 during the year: votes
    with pytest.raises(NotEligible, match="année de naissance"):
        vote(session, edition, voter(session, birth_year=None), *choice)
    with pytest.raises(NotEligible, match="adresse doit être vérifiée"):
        vote(session, edition, voter(session, residence_status=ResidenceStatus.declared), *choice)
    with pytest.raises(NotEligible, match="indiquez d'abord votre quartier"):
        vote(session, edition, voter(session, qpv=None), *choice)
    with pytest.raises(NotEligible, match="d'autres quartiers que le vôtre"):
        vote(session, edition, voter(session, "QN01352M"), *choice)  # Saint-Barthélémy: not in this edition
    assert count(session, Voter, edition.id) == 1


def test_declared_residence_is_enough_when_the_edition_says_so(session: Session) -> None:
    edition, projects = vote_edition(session, level_to_vote=Level.account)
    assert count(session, Ballot, edition.id) == 0
    vote(session, edition, voter(session, residence_status=ResidenceStatus.declared), *ids(projects[CORO], 0))
    assert count(session, Ballot, edition.id) == count(session, Voter, edition.id) == 1


def test_each_voter_sees_and_votes_only_in_their_envelope(session: Session) -> None:
    edition, projects = vote_edition(session)
    centre = voter(session, CENTRE)
    with pytest.raises(BallotRefused, match="ne fait pas partie de ce vote"):
        vote(session, edition, centre, *ids(projects[CORO], 0))
    result = vote(session, edition, centre, *ids(projects[CENTRE], 1))
    assert result.envelope.code == CENTRE
    assert [p.id for p in result.envelope.projects] == [str(p.id) for p in projects[CENTRE]]


def test_secteur_envelopes_group_the_qpv_of_a_secteur(session: Session) -> None:
    edition, projects = vote_edition(
        session, territory_kind="commune", territory_codes=["13055"], envelope_scope="secteur",
        costs={CORO: (10_000,), CENTRE: (20_000,), "QN01354M": (30_000,), "QN01338I": (15_000,)},
    )  # fmt: skip
    # Frais Vallon (QN01344M) is in Nord-Est like Malpassé Corot: same envelope, same projects.
    result = vote(session, edition, voter(session, "QN01344M"), *ids(projects[CORO], 0))
    assert result.envelope.code == "nord-est"


def test_online_after_paper_is_refused_with_an_explanation(session: Session) -> None:
    edition, projects = vote_edition(session)
    person = voter(session)
    paper(session, edition, person, *ids(projects[CORO], 0), point="Centre social Malpassé")
    with pytest.raises(
        Conflict,
        match="Vous avez déjà voté au bureau de vote « Centre social Malpassé » le .* : vous ne pouvez pas voter en ligne.",
    ):
        vote(session, edition, person, *ids(projects[CORO], 1))
    assert count(session, Ballot, edition.id) == 1


def test_paper_after_online_is_refused_even_when_revote_is_allowed(session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=True)
    person = voter(session)
    vote(session, edition, person, *ids(projects[CORO], 0))
    with pytest.raises(
        Conflict, match="a déjà voté en ligne .* son bulletin papier ne peut pas être enregistré"
    ):
        paper(session, edition, person, *ids(projects[CORO], 1))
    with pytest.raises(Conflict, match="a déjà voté au bureau de vote"):
        other = voter(session)
        paper(session, edition, other, *ids(projects[CORO], 1))
        paper(session, edition, other, *ids(projects[CORO], 2), point="Marché")


def test_revote_keeps_only_the_last_ballot(session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=True)
    person = voter(session)
    first = vote(session, edition, person, *ids(projects[CORO], 0))
    second = vote(session, edition, person, *ids(projects[CORO], 1, 2))
    assert second.revote and first.receipt != second.receipt
    ballots = session.execute(select(Ballot).where(col(Ballot.edition_id) == edition.id)).all()
    assert len(ballots) == 1 and count(session, Voter, edition.id) == 1
    assert ballots[0][0].choices == " ".join(ids(projects[CORO], 1, 2)) or ballots[0][0].choices == " ".join(
        sorted(ids(projects[CORO], 1, 2), key=int)
    )
    assert service.ballot_by_receipt(session, edition.id, first.receipt) is None
    assert service.ballot_by_receipt(session, edition.id, second.receipt) is not None


def test_revote_is_refused_when_the_edition_does_not_allow_it(session: Session) -> None:
    edition, projects = vote_edition(session, revote_allowed=False)
    person = voter(session)
    vote(session, edition, person, *ids(projects[CORO], 0))
    with pytest.raises(Conflict, match="Vous avez déjà voté en ligne le .* on ne peut pas changer son vote."):
        vote(session, edition, person, *ids(projects[CORO], 1))


def test_the_ballot_table_holds_no_identity(session: Session) -> None:
    columns = set(Ballot.__table__.columns.keys())  # type: ignore[attr-defined]
    assert columns == BALLOT_COLUMNS
    edition, projects = vote_edition(session, revote_allowed=True)
    person = voter(session)
    vote(session, edition, person, *ids(projects[CORO], 0))
    slot = session.execute(select(Ballot.slot).where(Ballot.edition_id == edition.id)).scalar_one()  # type: ignore[call-overload]
    # The revote exception: only the server secret links this online ballot to its voter.
    assert slot == slot_key(TEST_SECRET, edition.id, person.id)
    assert slot != slot_key("another-secret", edition.id, person.id)
    fixed, projects = vote_edition(session, revote_allowed=False)
    vote(session, fixed, voter(session), *ids(projects[CORO], 0))
    assert session.execute(select(Ballot.slot).where(Ballot.edition_id == fixed.id)).scalar_one() is None  # type: ignore[call-overload]


def test_vote_closed_and_not_yet_open(session: Session) -> None:
    edition, projects = vote_edition(session)
    person = voter(session)
    edition.phase = "instruction"
    session.add(edition)
    session.flush()
    with pytest.raises(Conflict, match="Le vote n'est pas encore ouvert"):
        vote(session, edition, person, *ids(projects[CORO], 0))
    edition.phase = "vote"
    session.add(edition)
    session.flush()
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    with pytest.raises(Conflict, match="Le vote est terminé"):
        vote(session, edition, person, *ids(projects[CORO], 0))


def test_phase_cannot_go_back_once_ballots_exist(session: Session) -> None:
    edition, projects = vote_edition(session)
    vote(session, edition, voter(session), *ids(projects[CORO], 0))
    with pytest.raises(Conflict, match="Des votes sont déjà enregistrés"):
        editions.change_phase(session, ADMIN, edition, "instruction", "Erreur de calendrier.", hooks=BP_HOOKS)


def test_choice_encoding_round_trips() -> None:
    assert Choice(projects=("12", "3", "12")).encode() == "3 12"
    assert Choice.decode("3 12", graded=False).projects == ("3", "12")
    graded = Choice(grades={"12": 3, "3": 0})
    assert graded.encode() == "3:0 12:3"
    assert Choice.decode("3:0 12:3", graded=True).grades == {"3": 0, "12": 3}


def test_personal_data_says_how_one_voted_never_what(session: Session, registry: Registry) -> None:
    from backend.accounts import personal_data as accounts

    edition, projects = vote_edition(session)
    person = voter(session)
    paper(session, edition, person, *ids(projects[CORO], 0), point="Centre social Malpassé")
    exported = accounts.export_personal_data(session, person, registry)["budget_participatif_vote"]["votes"]
    assert exported[0]["canal"] == "paper" and exported[0]["bureau_de_vote"] == "Centre social Malpassé"
    assert set(exported[0]) == {
        "edition",
        "canal",
        "bureau_de_vote",
        "verification_identite",
        "verification_residence",
        "le",
        "choix",
    }
    assert exported[0]["choix"].startswith("secret")
    accounts.delete_account(session, person, registry)  # the voter row stays: one ballot per person holds
    assert session.execute(select(Voter).where(col(Voter.user_id) == person.id)).first() is not None
