"""Staff pages of recommendations: drafts, votes recorded in session, the published avis."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.assembly import labels
from backend.assembly.models import Member, Recommendation, RecommendationStatus, VoteChoice
from backend.assembly.permissions import SaisineContext, StaffSaisine
from backend.assembly.service import draws, recommendations, recruitment, work
from backend.assembly.service.recommendations import Tally
from backend.assembly.views.common import form_page, manage_url, one_click, saisine_url
from backend.assembly.views.forms import RecommendationForm, VotesForm
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import Posted, done

router = APIRouter(include_in_schema=False)


def _recommendation_fields(groups: list[Any]) -> list[dict[str, Any]]:
    options = [("", _("Toute l'assemblée"))] + [(str(g.id), g.name) for g in groups]
    return [
        {"name": "title", "label": _("Titre de la recommandation"), "required": True},
        {"name": "text", "type": "textarea", "label": _("Texte"), "required": True,
         "hint": _("Ce que l'assemblée recommande, pourquoi, et comment le faire. Des phrases courtes.")},
        {"name": "group_id", "type": "select", "label": _("Proposée par le groupe"), "options": options, "required": True},
    ]  # fmt: skip


@router.get("/assemblee/{saisine_id}/gestion/recommandations/nouvelle")
def recommendation_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return form_page(
        request, ctx, title=_("Écrire une recommandation"), intro=_("Recopiez le texte rédigé par le groupe de travail."),
        action=manage_url(ctx, "/recommandations/nouvelle"), fields=_recommendation_fields(work.groups(session, ctx.saisine)),
        submit=_("Enregistrer le projet"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/recommandations/nouvelle")
def recommendation_create(
    request: Request, session: DbSession, ctx: StaffSaisine, posted: Posted[RecommendationForm]
) -> Response:

    def draft() -> Recommendation:
        group = (
            work.get_group(session, ctx.saisine, int(posted.group_id)) if posted.group_id.isdigit() else None
        )
        return recommendations.draft(
            session, ctx.actor, ctx.saisine, title=posted.title, text=posted.text, group=group
        )

    rec = attempt(session, draft)
    if isinstance(rec, DomainError):
        return form_page(
            request, ctx, title=_("Écrire une recommandation"), intro="",
            action=manage_url(ctx, "/recommandations/nouvelle"),
            fields=_recommendation_fields(work.groups(session, ctx.saisine)), submit=_("Enregistrer le projet"),
            form=posted.typed(), error=rec,
        )  # fmt: skip
    return done(
        request,
        manage_url(ctx, "#recommandations"),
        _("Recommandation n° {n} enregistrée.").format(n=rec.number),
    )


@router.post("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/ouvrir")
def vote_open(request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int) -> Response:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    return one_click(
        request,
        session,
        lambda: recommendations.open_vote(session, ctx.actor, ctx.saisine, rec),
        back=manage_url(ctx, "#recommandations"),
        then=manage_url(ctx, "#recommandations"),
        message=lambda _opened: _("Le vote est ouvert sur la recommandation n° {n}.").format(n=rec.number),
    )


@router.post("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/clore")
def vote_close(request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int) -> Response:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)

    def message(result: Tally) -> str:
        adopted = (
            _("Recommandation n° {n} adoptée.") if result.adopted else _("Recommandation n° {n} non adoptée.")
        )
        return adopted.format(n=rec.number)

    return one_click(
        request,
        session,
        lambda: recommendations.close_vote(session, ctx.actor, ctx.saisine, rec),
        back=manage_url(ctx, "#recommandations"),
        then=manage_url(ctx, "#recommandations"),
        message=message,
    )


def _votes_context(
    session: DbSession,
    ctx: SaisineContext,
    recommendation_id: int,
    error: DomainError | None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    voted = recommendations.voted_member_ids(session, rec)
    return {
        "saisine": ctx.saisine,
        "rec": rec,
        "waiting": [m for m in draws.members(session, ctx.saisine) if m.id not in voted],
        "people": {v.id: v for v in recruitment.volunteers(session, ctx.saisine, only_registered=False)},
        "tally": recommendations.tally(session, ctx.saisine, rec),
        "labels": labels,
        "error": error,
        "form": form or {},
    }


@router.get("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/votes")
def votes_form(request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int) -> Response:
    return render(request, "assembly/votes.html", _votes_context(session, ctx, recommendation_id, None))


@router.post("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/votes")
def votes_record(
    request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int, posted: Posted[VotesForm]
) -> Response:
    """A vote cast in session, on paper or by show of hands, recorded by the agent for the member."""
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    url = manage_url(ctx, f"/recommandations/{recommendation_id}/votes")

    def cast() -> Member:
        if posted.choice not in set(VoteChoice):
            raise Invalid(_("Choisissez pour, contre ou abstention."), field="choice")
        member = (
            draws.get_member(session, ctx.saisine, int(posted.member_id))
            if posted.member_id.isdigit()
            else None
        )
        if member is None:
            raise Invalid(_("Choisissez le membre qui vote."), field="member_id")
        recommendations.cast_vote(session, ctx.saisine, rec, member, posted.choice, ctx.actor)
        return member

    member = attempt(session, cast)
    if isinstance(member, DomainError):
        context = _votes_context(session, ctx, recommendation_id, member, posted.typed())
        return render(request, "assembly/votes.html", context, status_code=member.status_code)
    return done(request, url, _("Vote du membre n° {n} enregistré.").format(n=member.pool_id))


@router.get("/assemblee/{saisine_id}/gestion/avis")
def avis_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return render(request, "assembly/avis_form.html", _avis_context(session, ctx, "", None))


def _avis_context(
    session: DbSession, ctx: SaisineContext, intro: str, error: DomainError | None
) -> dict[str, Any]:
    return {
        "saisine": ctx.saisine,
        "adopted": recommendations.recommendations(session, ctx.saisine, RecommendationStatus.adopted),
        "intro": intro,
        "error": error,
    }


@router.post("/assemblee/{saisine_id}/gestion/avis")
def avis_publish(
    request: Request, session: DbSession, ctx: StaffSaisine, intro: Annotated[str, Form()] = ""
) -> Response:
    outcome = attempt(session, lambda: recommendations.publish_avis(session, ctx.actor, ctx.saisine, intro))
    if isinstance(outcome, DomainError):
        context = _avis_context(session, ctx, intro, outcome)
        return render(request, "assembly/avis_form.html", context, status_code=outcome.status_code)
    return done(request, saisine_url(ctx.saisine, "/avis"), _("L'avis est publié et remis au COPIL."))
