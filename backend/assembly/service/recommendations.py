"""Recommendations voted by the members, the avis, the COPIL's answers and their follow-up."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.assembly import labels
from backend.assembly.models import (
    Answer,
    AnswerDecision,
    FollowUp,
    FollowUpStatus,
    Member,
    MemberStatus,
    Recommendation,
    RecommendationStatus,
    RecommendationVote,
    Saisine,
    SaisineStatus,
    VoteChoice,
    WorkingGroup,
)
from backend.assembly.service.common import add_once, enter_phase, journal, saisine_part
from backend.assembly.service.draws.panel import members
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


def recommendations(session: Session, saisine: Saisine, status: str | None = None) -> list[Recommendation]:
    query = select(Recommendation).where(Recommendation.saisine_id == saisine.id)
    if status:
        query = query.where(Recommendation.status == status)
    return list(session.exec(query.order_by(col(Recommendation.number))).all())


def get_recommendation(session: Session, saisine: Saisine, recommendation_id: int) -> Recommendation:
    return saisine_part(
        session, Recommendation, saisine, recommendation_id, _("Cette recommandation n'existe pas.")
    )


def draft(
    session: Session, actor: ActorRef, saisine: Saisine, *, title: str, text: str, group: WorkingGroup | None
) -> Recommendation:
    """A working group's proposal, written down before the members vote on it."""
    if saisine.status != SaisineStatus.drawn:
        raise Conflict(_("Les recommandations s'écrivent pendant les travaux de l'assemblée, avant l'avis."))
    title = " ".join(title.split())[:200]
    if len(title) < 5:
        raise Invalid(_("Donnez un titre à la recommandation (5 caractères au moins)."), field="title")
    if len(text.strip()) < 20:
        raise Invalid(
            _("Expliquez la recommandation en quelques phrases (20 caractères au moins)."), field="text"
        )
    number = (
        session.exec(
            select(func.max(Recommendation.number)).where(Recommendation.saisine_id == saisine.id)
        ).one()
        or 0
    ) + 1
    rec = Recommendation(
        saisine_id=saisine.id,
        group_id=group.id if group else None,
        number=number,
        title=title,
        text=text.strip(),
    )
    session.add(rec)
    session.flush()
    journal(
        session,
        actor,
        "recommendation_drafted",
        saisine,
        _("Recommandation n° {n} proposée{by} : « {title} ».").format(
            n=number, title=title, by=_(" par le groupe « {g} »").format(g=group.name) if group else ""
        ),
        payload={"recommendation": number, "title": title, "group": group.id if group else None},
    )
    return rec


def open_vote(session: Session, actor: ActorRef, saisine: Saisine, rec: Recommendation) -> None:
    if saisine.status != SaisineStatus.drawn or rec.status != RecommendationStatus.draft:
        raise Conflict(_("Le vote ne peut s'ouvrir que sur une recommandation en projet, avant l'avis."))
    rec.status = RecommendationStatus.voting
    rec.vote_opened_at = utcnow()
    session.add(rec)
    session.flush()
    journal(
        session,
        actor,
        "vote_opened",
        saisine,
        _("Vote ouvert sur la recommandation n° {n} : « {title} ».").format(n=rec.number, title=rec.title),
        payload={"recommendation": rec.number},
    )


def cast_vote(
    session: Session,
    saisine: Saisine,
    rec: Recommendation,
    member: Member,
    choice: str,
    recorded_by: ActorRef,
) -> RecommendationVote:
    """One vote per member and recommendation (a database constraint enforces it, even when two
    votes arrive at once). Votes are secret: only the counts are published."""
    if rec.status != RecommendationStatus.voting:
        raise Conflict(_("Le vote n'est pas ouvert sur cette recommandation."))
    if member.saisine_id != saisine.id or member.status != MemberStatus.active:
        raise Conflict(_("Seuls les membres du panel votent."))
    if choice not in set(VoteChoice):
        raise Invalid(_("Choisissez pour, contre ou abstention."), field="choice")
    vote = RecommendationVote(
        recommendation_id=rec.id, member_id=member.id, choice=choice, recorded_by=recorded_by.id
    )
    add_once(session, vote, _("Ce membre a déjà voté sur cette recommandation."))
    return vote


def voted_member_ids(session: Session, rec: Recommendation) -> set[int]:
    return set(
        session.exec(
            select(RecommendationVote.member_id).where(RecommendationVote.recommendation_id == rec.id)
        ).all()
    )


@dataclass(frozen=True)
class Tally:
    pour: int
    contre: int
    abstention: int
    members: int
    threshold_pct: int
    quorum_pct: int

    @property
    def voters(self) -> int:
        return self.pour + self.contre + self.abstention

    @property
    def quorum_met(self) -> bool:
        return self.voters * 100 >= self.quorum_pct * self.members and self.voters > 0

    @property
    def adopted(self) -> bool:
        """More than `threshold_pct` % of the votes pour + contre, with the quorum."""
        expressed = self.pour + self.contre
        return self.quorum_met and expressed > 0 and self.pour * 100 > self.threshold_pct * expressed


def tally(session: Session, saisine: Saisine, rec: Recommendation) -> Tally:
    counts = dict(
        session.exec(
            select(RecommendationVote.choice, func.count())
            .where(RecommendationVote.recommendation_id == rec.id)
            .group_by(RecommendationVote.choice)
        ).all()
    )
    return Tally(
        counts.get(VoteChoice.pour, 0),
        counts.get(VoteChoice.contre, 0),
        counts.get(VoteChoice.abstention, 0),
        len(members(session, saisine)),
        saisine.adoption_threshold_pct,
        saisine.quorum_pct,
    )


def close_vote(session: Session, actor: ActorRef, saisine: Saisine, rec: Recommendation) -> Tally:
    """Count the votes: adopted or rejected, with the counts, journaled."""
    if rec.status != RecommendationStatus.voting:
        raise Conflict(_("Le vote n'est pas ouvert sur cette recommandation."))
    result = tally(session, saisine, rec)
    rec.votes_pour, rec.votes_contre, rec.votes_abstention = result.pour, result.contre, result.abstention
    rec.status = RecommendationStatus.adopted if result.adopted else RecommendationStatus.rejected
    rec.vote_closed_at = utcnow()
    session.add(rec)
    session.flush()
    counts = _("{p} pour, {c} contre, {a} abstentions").format(
        p=result.pour, c=result.contre, a=result.abstention
    )
    if result.adopted:
        reason = _("Recommandation n° {n} adoptée par l'assemblée ({counts}).")
    elif not result.quorum_met:
        reason = _("Recommandation n° {n} non adoptée : quorum non atteint ({counts}).")
    else:
        reason = _("Recommandation n° {n} non adoptée ({counts}).")
    journal(
        session,
        actor,
        "recommendation_adopted" if result.adopted else "recommendation_rejected",
        saisine,
        reason.format(n=rec.number, counts=counts),
        payload={
            "recommendation": rec.number,
            "title": rec.title,
            "pour": result.pour,
            "contre": result.contre,
            "abstention": result.abstention,
            "members": result.members,
            "threshold_pct": result.threshold_pct,
            "quorum_pct": result.quorum_pct,
        },
    )
    return result


def publish_avis(session: Session, actor: ActorRef, saisine: Saisine, intro: str) -> list[Recommendation]:
    """Hand the avis to the COPIL: the adopted recommendations with their vote counts."""
    if saisine.status != SaisineStatus.drawn:
        raise Conflict(_("L'avis ne peut être publié qu'une fois, pendant les travaux de l'assemblée."))
    if recommendations(session, saisine, RecommendationStatus.voting):
        raise Conflict(_("Un vote est encore ouvert : fermez-le avant de publier l'avis."))
    adopted = recommendations(session, saisine, RecommendationStatus.adopted)
    if not adopted:
        raise Conflict(_("L'avis doit contenir au moins une recommandation adoptée."))
    if len(intro.strip()) < 20:
        raise Invalid(
            _("Écrivez quelques phrases d'introduction à l'avis (20 caractères au moins)."), field="intro"
        )
    saisine.avis_intro = intro.strip()
    saisine.avis_published_at = utcnow()
    reason = _("Avis de l'assemblée publié et remis au COPIL : {n} recommandations adoptées.").format(
        n=len(adopted)
    )
    payload = {
        "recommendations": [
            {"number": r.number, "title": r.title, "pour": r.votes_pour, "contre": r.votes_contre,
             "abstention": r.votes_abstention}
            for r in adopted
        ]
    }  # fmt: skip
    enter_phase(session, actor, saisine, SaisineStatus.avis_published, "avis_published", reason, payload)
    return adopted


def answers(session: Session, saisine: Saisine) -> dict[int, Answer]:
    ids = [r.id for r in recommendations(session, saisine)]
    return {
        a.recommendation_id: a
        for a in session.exec(select(Answer).where(col(Answer.recommendation_id).in_(ids))).all()
    }


def answer(
    session: Session, actor: ActorRef, saisine: Saisine, rec: Recommendation, decision: str, reasons: str
) -> Answer:
    """The COPIL answers one adopted recommendation of the published avis, with public reasons."""
    if saisine.status != SaisineStatus.avis_published or rec.status != RecommendationStatus.adopted:
        raise Conflict(_("Le COPIL répond aux recommandations de l'avis, une fois celui-ci publié."))
    if session.exec(select(Answer.id).where(Answer.recommendation_id == rec.id)).first() is not None:
        raise Conflict(_("Le COPIL a déjà répondu à cette recommandation : ajoutez plutôt un suivi."))
    if decision not in set(AnswerDecision):
        raise Invalid(
            _("Choisissez : retenue, retenue avec des changements, ou non retenue."), field="decision"
        )
    if len(reasons.strip()) < 20:
        raise Invalid(
            _("Expliquez la réponse du COPIL en quelques phrases (20 caractères au moins)."), field="reasons"
        )
    row = Answer(recommendation_id=rec.id, decision=decision, reasons=reasons.strip(), answered_by=actor.id)
    add_once(session, row, _("Le COPIL a déjà répondu à cette recommandation."))
    reason = _("Réponse du COPIL à la recommandation n° {n} : {decision}. {reasons}").format(
        n=rec.number, decision=labels.decision()[decision], reasons=row.reasons
    )
    _journal_about(session, actor, "answer_given", saisine, rec, reason, decision=decision)
    return row


def _journal_about(
    session: Session,
    actor: ActorRef,
    action: str,
    saisine: Saisine,
    rec: Recommendation,
    reason: str,
    **payload: str,
) -> None:
    """Journal what became of a recommendation: its number in the payload, the text that quotes
    the COPIL or the follow-up cut to 2,000 characters."""
    journal(session, actor, action, saisine, reason[:2000], payload={"recommendation": rec.number, **payload})


def follow_ups(session: Session, saisine: Saisine) -> dict[int, list[FollowUp]]:
    ids = [r.id for r in recommendations(session, saisine)]
    result: dict[int, list[FollowUp]] = {}
    rows = session.exec(
        select(FollowUp)
        .where(col(FollowUp.recommendation_id).in_(ids))
        .order_by(col(FollowUp.at), col(FollowUp.id))
    ).all()
    for row in rows:
        result.setdefault(row.recommendation_id, []).append(row)
    return result


def add_follow_up(
    session: Session, actor: ActorRef, saisine: Saisine, rec: Recommendation, status: str, text: str
) -> FollowUp:
    """What became of an answered recommendation (the "droit de suite"), dated and journaled."""
    if session.exec(select(Answer.id).where(Answer.recommendation_id == rec.id)).first() is None:
        raise Conflict(_("Le suivi commence après la réponse du COPIL à cette recommandation."))
    if status not in set(FollowUpStatus):
        raise Invalid(_("Choisissez où en est la mise en œuvre."), field="status")
    if len(text.strip()) < 10:
        raise Invalid(_("Décrivez où en est la mise en œuvre (10 caractères au moins)."), field="text")
    row = FollowUp(recommendation_id=rec.id, status=status, text=text.strip(), author=actor.id)
    session.add(row)
    session.flush()
    reason = _("Suivi de la recommandation n° {n} ({status}) : {text}").format(
        n=rec.number, status=labels.follow_up()[status], text=row.text
    )
    _journal_about(session, actor, "follow_up", saisine, rec, reason, status=status)
    return row
