"""Staff pages (agents and administrators of the territory): the saisine's dashboard.

Each workflow has its own module, as in `assembly/service/`: `recruitment`, `draws`, `work`,
`recommendations`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from backend.assembly.models import RecommendationStatus
from backend.assembly.permissions import StaffSaisine
from backend.assembly.service import draws, recommendations, recruitment, work
from backend.deps import DbSession
from backend.rendering import render

router = APIRouter(include_in_schema=False)


@router.get("/assemblee/{saisine_id}/gestion")
def dashboard(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    saisine = ctx.saisine
    active = draws.members(session, saisine, active_only=False)
    people = {v.id: v for v in recruitment.volunteers(session, saisine, only_registered=False)}
    recs = recommendations.recommendations(session, saisine)
    return render(
        request,
        "assembly/manage.html",
        {
            "saisine": saisine,
            "draw": draws.get_draw(session, saisine),
            "counts": recruitment.pool_counts(session, saisine),
            "volunteer_count": len(recruitment.volunteers(session, saisine)),
            "invitations": recruitment.invitations(session, saisine),
            "registration_open": recruitment.registration_open(saisine),
            "members": active,
            "people": people,
            "meetings": work.meetings(session, saisine),
            "groups": work.groups(session, saisine),
            "group_members": work.group_members(session, saisine),
            "documents": work.documents(session, saisine),
            "recommendations": recs,
            "tallies": {
                r.id: recommendations.tally(session, saisine, r)
                for r in recs
                if r.status == RecommendationStatus.voting
            },
        },
    )
