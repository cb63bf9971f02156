"""The panel member's space: sessions, groups, and the vote on recommendations (once each)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.assembly import labels
from backend.assembly.models import RecommendationStatus
from backend.assembly.permissions import MemberSaisine
from backend.assembly.service import recommendations, work
from backend.assembly.views.common import saisine_url
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import done, refused

router = APIRouter(include_in_schema=False)


@router.get("/assemblee/{saisine_id}/membre")
def member_space(request: Request, session: DbSession, ctx: MemberSaisine) -> Response:
    saisine = ctx.saisine
    assert ctx.member is not None
    voting = recommendations.recommendations(session, saisine, RecommendationStatus.voting)
    voted = {r.id for r in voting if ctx.member.id in recommendations.voted_member_ids(session, r)}
    groups = {g.id: g for g in work.groups(session, saisine)}
    return render(
        request,
        "assembly/member.html",
        {
            "saisine": saisine,
            "member": ctx.member,
            "voting": voting,
            "voted": voted,
            "labels": labels,
            "meetings": work.meetings(session, saisine),
            "my_groups": [groups[gid] for gid in work.member_groups(session, ctx.member) if gid in groups],
            "groups": groups,
        },
    )


@router.post("/assemblee/{saisine_id}/recommandations/{recommendation_id}/vote")
def vote(
    request: Request,
    session: DbSession,
    ctx: MemberSaisine,
    recommendation_id: int,
    choice: Annotated[str, Form()] = "",
) -> Response:
    member = ctx.member
    assert member is not None
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    url = saisine_url(ctx.saisine, "/membre")
    outcome = attempt(
        session, lambda: recommendations.cast_vote(session, ctx.saisine, rec, member, choice, ctx.actor)
    )
    if isinstance(outcome, DomainError):
        return refused(request, f"{url}#r{rec.number}", outcome)
    return done(
        request,
        url,
        _("Votre vote sur la recommandation n° {n} est enregistré. Merci !").format(n=rec.number),
    )
