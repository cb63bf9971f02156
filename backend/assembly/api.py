"""Open data: each saisine, its public draw, the panel's composition, the avis and the answers (JSON)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from backend.api import ApiRouter
from backend.assembly.models import Draw, RecommendationStatus, Saisine, SaisineStatus
from backend.assembly.permissions import PublicSaisine
from backend.assembly.service import draws, recommendations, work
from backend.assembly.service.common import list_saisines
from backend.deps import DbSession
from backend.errors import error_responses

router = ApiRouter(prefix="/assemblee", tags=["Assemblée citoyenne"])


class SaisineSummaryPublic(BaseModel):
    id: int
    title: str
    question: str
    status: str
    panel_size: int


class DrawPublic(BaseModel):
    """Everything needed to rerun the draw and check it picked this panel."""

    public_inputs: list[dict[str, str]]
    seed: str | None
    algorithm: str
    volunteers: int
    pool_file_sha256: str
    categories_file_sha256: str
    pool_sha256: str
    quotas_sha256: str
    pool_file: str
    categories_file: str
    command: str
    panel: list[str]
    seated: list[str]
    minimum_probability: float | None
    probabilities: dict[str, float]


class FeaturePublic(BaseModel):
    feature: str
    label: str
    population_share: float | None
    min: int
    max: int
    volunteers: int
    panel: int | None


class CategoryPublic(BaseModel):
    category: str
    label: str
    features: list[FeaturePublic]


class MeetingPublic(BaseModel):
    id: int
    title: str
    starts_at: str
    place: str


class VotesPublic(BaseModel):
    in_favor: int
    against: int
    abstention: int


class AnswerPublic(BaseModel):
    decision: str
    reasons: str
    at: str


class FollowUpPublic(BaseModel):
    status: str
    text: str
    at: str


class RecommendationPublic(BaseModel):
    number: int
    title: str
    text: str
    status: str
    votes: VotesPublic
    answer: AnswerPublic | None
    follow_ups: list[FollowUpPublic]


class SaisinePublic(SaisineSummaryPublic):
    context: str
    avis_deadline: str
    adoption_threshold_pct: int
    quorum_pct: int
    draw: DrawPublic | None
    composition: list[CategoryPublic]
    meetings: list[MeetingPublic]
    avis_published_at: str | None
    recommendations: list[RecommendationPublic] = Field(
        description="Pendant les travaux, toutes ; une fois l'avis publié, celles qui ont été adoptées."
    )


def _id(s: Saisine) -> int:
    assert s.id is not None  # a listed saisine is saved
    return s.id


@router.get("")
def saisines(session: DbSession) -> list[SaisineSummaryPublic]:
    """Every question referred to the assembly."""
    return [
        SaisineSummaryPublic(
            id=_id(s), title=s.title, question=s.question, status=s.status, panel_size=s.panel_size
        )
        for s in list_saisines(session)
    ]


def _draw_public(session: DbSession, s: Saisine, draw: Draw) -> DrawPublic:
    """The draw as stored (the same names), with its files and the command that reruns it."""
    return DrawPublic.model_validate(
        {
            **draw.model_dump(),
            "volunteers": draw.volunteer_count,
            "pool_file": f"/assemblee/{s.id}/tirage/volontaires.csv",
            "categories_file": f"/assemblee/{s.id}/tirage/quotas.csv",
            "command": draws.rerun_command(s, draw),
            "seated": [m.pool_id for m in draws.members(session, s)],
        }
    )


@router.get("/{saisine_id}", responses=error_responses(404))
def saisine(session: DbSession, ctx: PublicSaisine) -> SaisinePublic:
    """A saisine with its public draw (seed, witnesses' values, hashes), composition, avis and answers."""
    s = ctx.saisine
    draw = draws.get_draw(session, s)
    comp = draws.composition(session, s)
    published = s.status == SaisineStatus.avis_published
    answers = recommendations.answers(session, s)
    follow_ups = recommendations.follow_ups(session, s)
    recs = recommendations.recommendations(session, s, RecommendationStatus.adopted if published else None)
    return SaisinePublic(
        id=_id(s),
        title=s.title,
        question=s.question,
        context=s.context,
        status=s.status,
        panel_size=s.panel_size,
        avis_deadline=s.avis_deadline.isoformat(),
        adoption_threshold_pct=s.adoption_threshold_pct,
        quorum_pct=s.quorum_pct,
        draw=None if draw is None else _draw_public(session, s, draw),
        composition=[
            CategoryPublic(
                category=c.key,
                label=c.label,
                features=[
                    FeaturePublic(
                        feature=f.key,
                        label=f.label,
                        population_share=f.population_share,
                        min=f.min,
                        max=f.max,
                        volunteers=f.pool,
                        panel=f.panel,
                    )
                    for f in c.features
                ],
            )
            for c in comp.categories
        ],
        meetings=[
            MeetingPublic(id=m.id or 0, title=m.title, starts_at=m.starts_at.isoformat(), place=m.place)
            for m in work.meetings(session, s)
        ],
        avis_published_at=s.avis_published_at.isoformat() if s.avis_published_at else None,
        recommendations=[
            RecommendationPublic(
                number=r.number,
                title=r.title,
                text=r.text,
                status=r.status,
                votes=VotesPublic(
                    in_favor=r.votes_pour, against=r.votes_contre, abstention=r.votes_abstention
                ),
                answer=None
                if r.id not in answers
                else AnswerPublic(
                    decision=answers[r.id].decision,
                    reasons=answers[r.id].reasons,
                    at=answers[r.id].answered_at.isoformat(),
                ),
                follow_ups=[
                    FollowUpPublic(status=f.status, text=f.text, at=f.at.isoformat())
                    for f in follow_ups.get(r.id or 0, [])
                ],
            )
            for r in recs
        ],
    )
