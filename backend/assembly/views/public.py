"""Public pages: saisines, volunteer registration, the public draw, sessions, the avis and answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response

from backend.accounts.deps import CurrentPrincipal
from backend.assembly import labels
from backend.assembly.models import CategoryKind, Draw, RecommendationStatus, Saisine, SaisineStatus
from backend.assembly.permissions import Level, PublicSaisine, SaisineContext, copil_communes
from backend.assembly.service import draws, recommendations, recruitment, work
from backend.assembly.service.common import (
    commune_of,
    list_saisines,
    quota_categories,
    saisine_journal,
    territory_qpvs,
)
from backend.assembly.views.common import saisine_url, upload_dir
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, NotFound
from backend.forms import form_errors
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.rendering import redirect, render

router = APIRouter(include_in_schema=False)


def _base(ctx: SaisineContext) -> dict[str, object]:
    return {
        "saisine": ctx.saisine,
        "labels": labels,
        "is_staff": ctx.can(Level.staff),
        "is_copil": ctx.can(Level.copil),
        "member": ctx.member,
    }


@router.get("/assemblee")
def index(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    saisines = list_saisines(session)
    return render(
        request,
        "assembly/index.html",
        {
            "saisines": saisines,
            "labels": labels,
            "can_create": bool(copil_communes(principal, session)),
            "open": {s.id: recruitment.registration_open(s) for s in saisines},
        },
    )


@router.get("/assemblee/{saisine_id}")
def saisine_page(request: Request, session: DbSession, ctx: PublicSaisine) -> Response:
    saisine = ctx.saisine
    draw = draws.get_draw(session, saisine)
    published = saisine.status == SaisineStatus.avis_published
    return render(
        request,
        "assembly/saisine.html",
        {
            **_base(ctx),
            "commune": commune_of(session, saisine.commune_insee),
            "draw": draw,
            "composition": draws.composition(session, saisine),
            "volunteer_count": len(recruitment.volunteers(session, saisine)),
            "registration_open": recruitment.registration_open(saisine),
            "already": recruitment.volunteer_for(session, saisine, ctx.principal.user),
            "meetings": work.meetings(session, saisine),
            "attendance": work.attendance_counts(session, saisine),
            "documents": [d for d in work.documents(session, saisine) if d.meeting_id is None],
            "groups": work.groups(session, saisine),
            "recommendations": recommendations.recommendations(
                session, saisine, RecommendationStatus.adopted if published else None
            ),
            "answers": recommendations.answers(session, saisine),
            "follow_ups": recommendations.follow_ups(session, saisine),
            "labels": labels,
            "journal": saisine_journal(session, saisine.id or 0)[-5:][::-1],
        },
    )


# --- volunteer registration ------------------------------------------------------------------


def registration_context(
    session: DbSession,
    ctx: SaisineContext,
    form: recruitment.VolunteerForm,
    error: DomainError | None,
    action: str,
) -> dict[str, object]:
    saisine = ctx.saisine
    return {
        **_base(ctx),
        "form": form,
        **form_errors(error),
        "action": action,
        "assisted": action.endswith("/gestion/volontaires/nouveau"),
        "questions": [
            {
                "key": g.category.key,
                "legend": g.category.question or g.category.label,
                "options": [(f.key, f.label) for f in g.features],
            }
            for g in quota_categories(session, saisine.id or 0)
            if g.category.kind == CategoryKind.choice
        ],
        "qpv_options": [(q.code, q.name) for q in territory_qpvs(session, saisine.commune_insee)],
        "registration_open": recruitment.registration_open(saisine),
    }


def prefilled(ctx: SaisineContext, code: str = "") -> recruitment.VolunteerForm:
    """Start from what the account already tells (name, contact), never from a guess."""
    user = ctx.principal.user
    form = recruitment.VolunteerForm(code=code)
    if user is not None:
        form.name = user.display_name
        form.phone = user.phone or ""
        form.email = user.email or ""
        form.address = user.address or ""
    return form


@router.get("/assemblee/{saisine_id}/participer")
def register_form(request: Request, session: DbSession, ctx: PublicSaisine, code: str = "") -> Response:
    form = prefilled(ctx, code)
    user = ctx.principal.user
    if user is not None and user.qpv_id:
        form.qpv_code = next(
            (q.code for q in territory_qpvs(session, ctx.saisine.commune_insee) if q.id == user.qpv_id), ""
        )
    context = registration_context(session, ctx, form, None, saisine_url(ctx.saisine, "/participer"))
    context["already"] = recruitment.volunteer_for(session, ctx.saisine, user)
    return render(request, "assembly/register.html", context)


def posted_volunteer(
    name: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    qpv_code: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    household_size: Annotated[str, Form()] = "",
    needs: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    c_genre: Annotated[str, Form()] = "",
    c_age: Annotated[str, Form()] = "",
    c_diplome: Annotated[str, Form()] = "",
    c_logement: Annotated[str, Form()] = "",
) -> recruitment.VolunteerForm:
    """The volunteer form as posted: by the person, or by an agent for someone met in person."""
    answers = {"genre": c_genre, "age": c_age, "diplome": c_diplome, "logement": c_logement}
    return recruitment.VolunteerForm(
        name=name, phone=phone, email=email, address=address, qpv_code=qpv_code, code=code,
        household_size=household_size, needs=needs, consent=bool(consent),
        answers={key: value for key, value in answers.items() if value},
    )  # fmt: skip


PostedVolunteer = Annotated[recruitment.VolunteerForm, Depends(posted_volunteer)]


def register_volunteer(
    request: Request,
    session: DbSession,
    ctx: SaisineContext,
    form: recruitment.VolunteerForm,
    form_url: str,
    *,
    registered_by: ActorRef | None = None,
) -> Response | None:
    """Register the volunteer (the person signed in, or the agent who met them); None when done,
    else the form again with everything typed and the problem."""
    user = None if registered_by else ctx.principal.user
    outcome = attempt(
        session,
        lambda: recruitment.register_volunteer(
            session, ctx.saisine, form, user=user, registered_by=registered_by
        ),
    )
    if isinstance(outcome, DomainError):
        context = registration_context(session, ctx, form, outcome, form_url)
        return render(request, "assembly/register.html", context, status_code=outcome.status_code)
    return None


@router.post("/assemblee/{saisine_id}/participer")
def register(request: Request, session: DbSession, ctx: PublicSaisine, form: PostedVolunteer) -> Response:
    problem = register_volunteer(request, session, ctx, form, saisine_url(ctx.saisine, "/participer"))
    if problem is not None:
        return problem
    return redirect(saisine_url(ctx.saisine, "/merci"), request)


@router.get("/assemblee/{saisine_id}/merci")
def registered(request: Request, ctx: PublicSaisine) -> Response:
    return render(request, "assembly/registered.html", _base(ctx))


# --- the public draw ------------------------------------------------------------------------------


@router.get("/assemblee/{saisine_id}/tirage")
def draw_page(request: Request, session: DbSession, ctx: PublicSaisine) -> Response:
    draw = draws.get_draw(session, ctx.saisine)
    reserve_rank = {pid: rank for rank, pid in enumerate(draw.reserve, start=1)} if draw else {}
    panel = set(draw.panel) if draw else set()
    seated = {m.pool_id for m in draws.members(session, ctx.saisine)}
    return render(
        request,
        "assembly/draw.html",
        {
            **_base(ctx),
            "draw": draw,
            "command": draws.rerun_command(ctx.saisine, draw) if draw else "",
            "composition": draws.composition(session, ctx.saisine),
            "reserve_rank": reserve_rank,
            "initial_panel": panel,
            "seated": seated,
            "probabilities": sorted(draw.probabilities.items(), key=lambda kv: int(kv[0])) if draw else [],
            "journal": [e for e in saisine_journal(session, ctx.saisine.id or 0) if e.action in DRAW_ACTIONS],
        },
    )


DRAW_ACTIONS = {
    "assembly.pool_frozen",
    "assembly.seed_fixed",
    "assembly.draw_done",
    "assembly.member_replaced",
    "assembly.invitations_drawn",
}


def _draw_file(
    session: DbSession, ctx: SaisineContext, name: str, contents: Callable[[Draw], str], unpublished: str
) -> Response:
    """One of the files the draw was made from, published once its seed is fixed."""
    draw = draws.get_draw(session, ctx.saisine)
    if draw is None:
        raise NotFound(unpublished)
    return Response(
        contents(draw).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="assemblee-{ctx.saisine.id}-{name}.csv"'},
    )


@router.get("/assemblee/{saisine_id}/tirage/volontaires.csv")
def pool_file(session: DbSession, ctx: PublicSaisine) -> Response:
    unpublished = _("La liste des volontaires est publiée quand la graine du tirage est fixée.")
    return _draw_file(session, ctx, "volontaires", lambda draw: draw.pool_csv, unpublished)


@router.get("/assemblee/{saisine_id}/tirage/quotas.csv")
def quotas_file(session: DbSession, ctx: PublicSaisine) -> Response:
    unpublished = _("Les quotas sont publiés en fichier quand la graine du tirage est fixée.")
    return _draw_file(session, ctx, "quotas", lambda draw: draw.categories_csv, unpublished)


# --- sessions, documents, avis -----------------------------------------------------------------


@router.get("/assemblee/{saisine_id}/seances/{meeting_id}")
def meeting_page(request: Request, session: DbSession, ctx: PublicSaisine, meeting_id: int) -> Response:
    meeting = work.get_meeting(session, ctx.saisine, meeting_id)
    present, recorded = work.attendance_counts(session, ctx.saisine).get(meeting_id, (0, 0))
    return render(
        request,
        "assembly/meeting.html",
        {
            **_base(ctx),
            "meeting": meeting,
            "present": present,
            "recorded": recorded,
            "documents": [d for d in work.documents(session, ctx.saisine) if d.meeting_id == meeting_id],
        },
    )


@router.get("/assemblee/{saisine_id}/documents/{document_id}")
def document_file(request: Request, session: DbSession, ctx: PublicSaisine, document_id: int) -> Response:
    document = work.get_document(session, ctx.saisine, document_id)
    if document.url:
        return RedirectResponse(document.url, status_code=303)
    path = work.document_path(upload_dir(request), document)
    return FileResponse(path, media_type=document.content_type, filename=document.filename or path.name)


@router.get("/assemblee/{saisine_id}/avis")
def avis_page(request: Request, session: DbSession, ctx: PublicSaisine) -> Response:
    saisine: Saisine = ctx.saisine
    if saisine.status != SaisineStatus.avis_published:
        raise NotFound(_("L'avis de cette assemblée n'est pas encore publié."))
    return render(
        request,
        "assembly/avis.html",
        {
            **_base(ctx),
            "recommendations": recommendations.recommendations(
                session, saisine, RecommendationStatus.adopted
            ),
            "groups": {g.id: g for g in work.groups(session, saisine)},
            "answers": recommendations.answers(session, saisine),
            "follow_ups": recommendations.follow_ups(session, saisine),
            "labels": labels,
            "members": len(draws.members(session, saisine)),
        },
    )
