"""Open data: each saisine, its public draw, the panel's composition, the avis and the answers (JSON)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend.assembly.models import RecommendationStatus, SaisineStatus
from backend.assembly.permissions import PublicSaisine
from backend.assembly.service import draws, recommendations, work
from backend.assembly.service.common import list_saisines
from backend.deps import DbSession
from backend.errors import error_responses

router = APIRouter(prefix="/api/assemblee", tags=["Assemblée citoyenne"])


@router.get("")
def saisines(session: DbSession) -> list[dict[str, Any]]:
    """Every question referred to the assembly."""
    return [
        {"id": s.id, "title": s.title, "question": s.question, "status": s.status, "panel_size": s.panel_size}
        for s in list_saisines(session)
    ]


@router.get("/{saisine_id}", responses=error_responses(404))
def saisine(session: DbSession, ctx: PublicSaisine) -> dict[str, Any]:
    """A saisine with its public draw (seed, witnesses' values, hashes), composition, avis and answers."""
    s = ctx.saisine
    draw = draws.get_draw(session, s)
    comp = draws.composition(session, s)
    published = s.status == SaisineStatus.avis_published
    answers = recommendations.answers(session, s)
    follow_ups = recommendations.follow_ups(session, s)
    recs = recommendations.recommendations(session, s, RecommendationStatus.adopted if published else None)
    return {
        "id": s.id,
        "title": s.title,
        "question": s.question,
        "context": s.context,
        "status": s.status,
        "panel_size": s.panel_size,
        "avis_deadline": s.avis_deadline.isoformat(),
        "adoption_threshold_pct": s.adoption_threshold_pct,
        "quorum_pct": s.quorum_pct,
        "draw": None
        if draw is None
        else {
            "public_inputs": draw.public_inputs,
            "seed": draw.seed,
            "algorithm": draw.algorithm,
            "volunteers": draw.volunteer_count,
            "pool_file_sha256": draw.pool_file_sha256,
            "categories_file_sha256": draw.categories_file_sha256,
            "pool_sha256": draw.pool_sha256,
            "quotas_sha256": draw.quotas_sha256,
            "pool_file": f"/assemblee/{s.id}/tirage/volontaires.csv",
            "categories_file": f"/assemblee/{s.id}/tirage/quotas.csv",
            "command": draws.rerun_command(s, draw),
            "panel": draw.panel,
            "seated": [m.pool_id for m in draws.members(session, s)],
            "minimum_probability": draw.minimum_probability,
            "probabilities": draw.probabilities,
        },
        "composition": [
            {
                "category": c.key,
                "label": c.label,
                "features": [
                    {"feature": f.key, "label": f.label, "population_share": f.population_share, "min": f.min,
                     "max": f.max, "volunteers": f.pool, "panel": f.panel}
                    for f in c.features
                ],
            }
            for c in comp.categories
        ],
        "meetings": [
            {"id": m.id, "title": m.title, "starts_at": m.starts_at.isoformat(), "place": m.place}
            for m in work.meetings(session, s)
        ],
        "avis_published_at": s.avis_published_at.isoformat() if s.avis_published_at else None,
        "recommendations": [
            {
                "number": r.number,
                "title": r.title,
                "text": r.text,
                "status": r.status,
                "votes": {"pour": r.votes_pour, "contre": r.votes_contre, "abstention": r.votes_abstention},
                "answer": None
                if r.id not in answers
                else {"decision": answers[r.id].decision, "reasons": answers[r.id].reasons,
                      "at": answers[r.id].answered_at.isoformat()},
                "follow_ups": [
                    {"status": f.status, "text": f.text, "at": f.at.isoformat()} for f in follow_ups.get(r.id or 0, [])
                ],
            }
            for r in recs
        ],
    }  # fmt: skip
