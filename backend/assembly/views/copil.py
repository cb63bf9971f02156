"""COPIL pages: refer a question (saisine), set the quotas, answer the avis and follow it up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import enforce, require_authenticated
from backend.assembly import labels
from backend.assembly.models import Recommendation, RecommendationStatus, RegistrationMode, Saisine
from backend.assembly.permissions import (
    CopilSaisine,
    FollowUpSaisine,
    SaisineContext,
    copil_communes,
    create_policy,
)
from backend.assembly.service import recommendations, saisines
from backend.assembly.service.common import commune_of, quota_categories, territory_refs
from backend.assembly.views.common import form_data, saisine_url, with_read_errors
from backend.assembly.views.forms import AnswerForm, FollowUpForm, SaisineForm
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, FormCheck, NotFound
from backend.forms import form_errors, parse_date, parse_int
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import Posted, done

router = APIRouter(include_in_schema=False)
DEFAULT_CATEGORIES = ("genre", "age", "secteur", "diplome")
SAISINE_FIELDS = (
    "title", "question", "context", "commune_insee", "panel_size", "categories", "registration_mode",
    "registration_deadline", "avis_deadline", "adoption_threshold_pct", "quorum_pct",
)  # fmt: skip


def _new_context(
    session: DbSession, principal: CurrentPrincipal, form: dict[str, Any], error: DomainError | None
) -> dict[str, Any]:
    communes = [commune_of(session, insee) for insee in copil_communes(principal, session)]
    return {
        "form": form,
        **form_errors(error),
        "commune_options": [(c.insee, c.name) for c in communes],
        "labels": labels,
    }


@router.get("/assemblee/nouvelle-saisine")
def new_form(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    require_authenticated(principal)
    communes = copil_communes(principal, session)
    enforce(create_policy(principal, territory_refs(session, communes[0]) if communes else []))
    form = {
        "commune_insee": communes[0],
        "panel_size": "40",
        "avis_deadline": (date.today() + timedelta(days=180)).isoformat(),
        "registration_deadline": (date.today() + timedelta(days=45)).isoformat(),
        "registration_mode": RegistrationMode.open,
        "categories": list(DEFAULT_CATEGORIES),
        "adoption_threshold_pct": "50",
        "quorum_pct": "50",
    }
    return render(request, "assembly/new.html", _new_context(session, principal, form, None))


@router.post("/assemblee/nouvelle-saisine")
def create(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[SaisineForm]
) -> Response:
    require_authenticated(principal)
    enforce(create_policy(principal, territory_refs(session, posted.commune_insee)))
    form = posted.typed()
    read = FormCheck()  # values that cannot be read are reported with the service's problems
    panel = read(
        lambda: parse_int(
            posted.panel_size,
            "panel_size",
            min=None,
            message=_("La taille du panel est un nombre, par exemple 40."),
        )
    )
    avis = read(lambda: parse_date(posted.avis_deadline, "avis_deadline"))
    registration = read(lambda: parse_date(posted.registration_deadline, "registration_deadline"))
    threshold = read(
        lambda: parse_int(
            posted.adoption_threshold_pct,
            "adoption_threshold_pct",
            min=None,
            message=_("Le seuil d'adoption est un nombre."),
        )
    )
    quorum = read(
        lambda: parse_int(posted.quorum_pct, "quorum_pct", min=None, message=_("Le quorum est un nombre."))
    )

    def create() -> Saisine:
        created = saisines.create_saisine(
            session,
            principal.actor("copil"),
            title=posted.title,
            question=posted.question,
            context=posted.context,
            commune_insee=posted.commune_insee,
            panel_size=panel if panel is not None else 0,
            avis_deadline=avis,
            registration_deadline=registration,
            registration_mode=posted.registration_mode,
            categories=posted.categories,
            adoption_threshold_pct=threshold if threshold is not None else 50,
            quorum_pct=quorum if quorum is not None else 50,
        )
        read.done()  # a value that could not be read: nothing is kept
        return created

    saisine = attempt(session, create)
    if isinstance(saisine, DomainError):
        ctx = _new_context(session, principal, form, with_read_errors(read, saisine, SAISINE_FIELDS))
        return render(
            request, "assembly/new.html", ctx, status_code=422 if read.errors else saisine.status_code
        )
    return done(
        request,
        saisine_url(saisine, "/quotas"),
        _("La saisine est créée. Vérifiez les quotas calculés, puis lancez l'appel à volontaires."),
    )


# --- quotas --------------------------------------------------------------------------------------


def _quotas_context(
    session: DbSession, ctx: CopilSaisine, values: dict[str, Any], error: DomainError | None
) -> dict[str, Any]:
    return {
        "saisine": ctx.saisine,
        "groups": quota_categories(session, ctx.saisine.id or 0),
        "values": values,
        "error": error,
    }


@router.get("/assemblee/{saisine_id}/quotas")
def quotas_form(request: Request, session: DbSession, ctx: CopilSaisine) -> Response:
    return render(request, "assembly/quotas.html", _quotas_context(session, ctx, {}, None))


@router.post("/assemblee/{saisine_id}/quotas")
def quotas_save(
    request: Request,
    session: DbSession,
    ctx: CopilSaisine,
    data: Annotated[dict[str, Any], Depends(form_data)],
) -> Response:
    bounds: dict[int, tuple[str, str]] = {}
    for group in quota_categories(session, ctx.saisine.id or 0):
        for feature in group.features:
            low, high = data.get(f"min_{feature.id}"), data.get(f"max_{feature.id}")
            if isinstance(low, str) and isinstance(high, str):
                bounds[feature.id or 0] = (low, high)
    outcome = attempt(session, lambda: saisines.set_quotas(session, ctx.actor, ctx.saisine, bounds))
    if isinstance(outcome, DomainError):
        values = {key: value for key, value in data.items() if key.startswith(("min_", "max_"))}
        return render(
            request,
            "assembly/quotas.html",
            _quotas_context(session, ctx, values, outcome),
            status_code=outcome.status_code,
        )
    return done(request, saisine_url(ctx.saisine), _("Les quotas sont enregistrés."))


# --- answers and follow-up --------------------------------------------------------------------------


def _answers_context(session: DbSession, ctx: SaisineContext) -> dict[str, Any]:
    saisine = ctx.saisine
    return {
        "saisine": saisine,
        "recommendations": recommendations.recommendations(session, saisine, RecommendationStatus.adopted),
        "answers": recommendations.answers(session, saisine),
        "follow_ups": recommendations.follow_ups(session, saisine),
        "labels": labels,
        "is_copil": ctx.role == "copil",
    }


@router.get("/assemblee/{saisine_id}/reponses")
def answers_page(request: Request, session: DbSession, ctx: FollowUpSaisine) -> Response:
    return render(request, "assembly/answers.html", _answers_context(session, ctx))


def _answer_page(
    request: Request,
    session: DbSession,
    ctx: SaisineContext,
    recommendation_id: int,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    if rec.status != RecommendationStatus.adopted:
        raise NotFound(_("Le COPIL répond aux recommandations adoptées par l'assemblée."))
    context = {
        **_answers_context(session, ctx),
        "rec": rec,
        "answer": recommendations.answers(session, ctx.saisine).get(rec.id or 0),
        "follow_ups": recommendations.follow_ups(session, ctx.saisine).get(rec.id or 0, []),
        "form": form or {},
        "error": error,
    }
    return render(
        request, "assembly/answer_form.html", context, status_code=error.status_code if error else 200
    )


@router.get("/assemblee/{saisine_id}/reponses/{recommendation_id}")
def answer_form(
    request: Request, session: DbSession, ctx: FollowUpSaisine, recommendation_id: int
) -> Response:
    return _answer_page(request, session, ctx, recommendation_id)


def _respond(
    request: Request, session: DbSession, ctx: SaisineContext, recommendation_id: int,
    action: Callable[[Recommendation], object], form: dict[str, Any], message: str,
) -> Response:  # fmt: skip
    """The COPIL's answer or a follow-up on a recommendation: published, or its form again."""
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    outcome = attempt(session, lambda: action(rec))
    if isinstance(outcome, DomainError):
        return _answer_page(request, session, ctx, recommendation_id, form, outcome)
    return done(request, saisine_url(ctx.saisine, f"/reponses#r{rec.number}"), message.format(n=rec.number))


@router.post("/assemblee/{saisine_id}/reponses/{recommendation_id}")
def answer(
    request: Request,
    session: DbSession,
    ctx: CopilSaisine,
    recommendation_id: int,
    posted: Posted[AnswerForm],
) -> Response:
    return _respond(
        request, session, ctx, recommendation_id,
        lambda rec: recommendations.answer(session, ctx.actor, ctx.saisine, rec, posted.decision, posted.reasons),
        posted.typed(), _("La réponse à la recommandation n° {n} est publiée."),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/reponses/{recommendation_id}/suivi")
def follow_up(
    request: Request,
    session: DbSession,
    ctx: FollowUpSaisine,
    recommendation_id: int,
    posted: Posted[FollowUpForm],
) -> Response:
    return _respond(
        request, session, ctx, recommendation_id,
        lambda rec: recommendations.add_follow_up(session, ctx.actor, ctx.saisine, rec, posted.status, posted.text),
        posted.typed(), _("Le suivi de la recommandation n° {n} est publié."),
    )  # fmt: skip
