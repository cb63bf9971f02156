from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from backend.assembly.models import (
    AnswerDecision,
    FollowUpStatus,
    RecommendationStatus,
    RecommendationVote,
    SaisineStatus,
)
from backend.assembly.service import draws, recommendations
from backend.assembly.service.common import saisine_journal
from backend.errors import Conflict, Invalid
from tests.assembly.helpers import AGENT, COPIL, drawn_saisine, vote_all, voting_recommendation


def test_each_member_votes_once_enforced_by_the_database(session: Session) -> None:
    saisine = drawn_saisine(session)
    rec = voting_recommendation(session, saisine)
    member = draws.members(session, saisine)[0]
    recommendations.cast_vote(session, saisine, rec, member, "pour", AGENT)
    with pytest.raises(Conflict, match="déjà voté"):
        recommendations.cast_vote(session, saisine, rec, member, "contre", AGENT)
    # Even bypassing the service, the unique constraint refuses a second row.
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            RecommendationVote(
                recommendation_id=rec.id, member_id=member.id, choice="contre", recorded_by="x"
            )
        )
        session.flush()
    assert recommendations.tally(session, saisine, rec).pour == 1


def test_only_active_members_vote_while_the_vote_is_open(session: Session) -> None:
    saisine = drawn_saisine(session)
    rec = recommendations.draft(session, AGENT, saisine, title="Un titre long", text="x" * 30, group=None)
    member = draws.members(session, saisine)[0]
    with pytest.raises(Conflict, match="pas ouvert"):
        recommendations.cast_vote(session, saisine, rec, member, "pour", AGENT)
    recommendations.open_vote(session, AGENT, saisine, rec)
    with pytest.raises(Invalid):
        recommendations.cast_vote(session, saisine, rec, member, "peut-être", AGENT)
    draws.replace_member(session, AGENT, saisine, member)
    with pytest.raises(Conflict, match="membres du panel"):
        recommendations.cast_vote(session, saisine, rec, member, "pour", AGENT)


@pytest.mark.parametrize(
    ("choices", "threshold", "adopted"),
    [
        (["pour", "pour", "pour", "pour", "contre", "abstention"], 50, True),
        (["pour", "pour", "pour", "contre", "contre", "contre"], 50, False),  # a tie is not a majority
        (["pour", "pour", "pour", "pour", "contre", "contre"], 66, True),
        (["pour", "pour", "pour", "pour", "contre", "contre"], 67, False),
        (["pour", "pour"], 50, False),  # quorum of 50 % of 6 members not met
        (["pour", "pour", "abstention"], 50, True),
    ],
)
def test_adoption_threshold_and_quorum(
    session: Session, choices: list[str], threshold: int, adopted: bool
) -> None:
    saisine = drawn_saisine(session)
    saisine.adoption_threshold_pct = threshold
    rec = voting_recommendation(session, saisine)
    vote_all(session, saisine, rec, choices)
    result = recommendations.close_vote(session, AGENT, saisine, rec)
    assert result.adopted is adopted
    assert rec.status == (RecommendationStatus.adopted if adopted else RecommendationStatus.rejected)
    assert (rec.votes_pour, rec.votes_contre, rec.votes_abstention) == (
        choices.count("pour"), choices.count("contre"), choices.count("abstention"),
    )  # fmt: skip
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == (
        "assembly.recommendation_adopted" if adopted else "assembly.recommendation_rejected"
    )
    assert f'"pour":{choices.count("pour")}' in entry.payload


def _avis(session: Session):  # type: ignore[no-untyped-def]
    saisine = drawn_saisine(session)
    adopted = voting_recommendation(session, saisine, title="Guichet jeunesse")
    vote_all(session, saisine, adopted, ["pour"] * 5)
    recommendations.close_vote(session, AGENT, saisine, adopted)
    rejected = voting_recommendation(session, saisine, title="Couvre-feu")
    vote_all(session, saisine, rejected, ["contre"] * 5)
    recommendations.close_vote(session, AGENT, saisine, rejected)
    recommendations.publish_avis(session, AGENT, saisine, "Après trois séances, l'assemblée recommande :")
    return saisine, adopted, rejected


def test_avis_gathers_adopted_recommendations_with_counts(session: Session) -> None:
    saisine, adopted, _rejected = _avis(session)
    assert saisine.status == SaisineStatus.avis_published and saisine.avis_published_at is not None
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.avis_published"
    assert '"title":"Guichet jeunesse"' in entry.payload and "Couvre-feu" not in entry.payload
    with pytest.raises(Conflict):
        recommendations.draft(session, AGENT, saisine, title="Trop tard", text="x" * 30, group=None)


def test_avis_needs_closed_votes_and_an_adopted_recommendation(session: Session) -> None:
    saisine = drawn_saisine(session)
    with pytest.raises(Conflict, match="au moins une"):
        recommendations.publish_avis(session, AGENT, saisine, "Introduction suffisamment longue.")
    voting_recommendation(session, saisine)
    with pytest.raises(Conflict, match="encore ouvert"):
        recommendations.publish_avis(session, AGENT, saisine, "Introduction suffisamment longue.")


def test_copil_answers_each_recommendation_then_follows_up(session: Session) -> None:
    saisine, adopted, rejected = _avis(session)
    with pytest.raises(Invalid) as err:
        recommendations.answer(session, COPIL, saisine, adopted, "adapted", "Trop court")
    assert err.value.field == "reasons"
    with pytest.raises(Conflict):
        recommendations.answer(session, COPIL, saisine, rejected, "adopted", "Une raison bien expliquée ici.")
    with pytest.raises(Conflict, match="après la réponse"):
        recommendations.add_follow_up(session, COPIL, saisine, adopted, "planned", "Budget voté en juin.")
    recommendations.answer(
        session,
        COPIL,
        saisine,
        adopted,
        AnswerDecision.adapted,
        "Retenue : un guichet par secteur, pas par quartier.",
    )
    with pytest.raises(Conflict, match="déjà répondu"):
        recommendations.answer(session, COPIL, saisine, adopted, "rejected", "Une autre raison assez longue.")
    recommendations.add_follow_up(
        session, COPIL, saisine, adopted, FollowUpStatus.in_progress, "Local trouvé à Corot."
    )
    recommendations.add_follow_up(
        session, AGENT, saisine, adopted, FollowUpStatus.done, "Guichet ouvert le 2 mars."
    )
    assert [f.status for f in recommendations.follow_ups(session, saisine)[adopted.id or 0]] == [
        "in_progress",
        "done",
    ]
    actions = [e.action for e in saisine_journal(session, saisine.id or 0)]
    assert actions[-3:] == ["assembly.answer_given", "assembly.follow_up", "assembly.follow_up"]
    answer_entry = saisine_journal(session, saisine.id or 0)[-3]
    assert "retenue avec des changements" in answer_entry.reason and answer_entry.actor_role == "copil"
