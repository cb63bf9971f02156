"""Staff pages (agents and administrators of the territory): recruitment, the public draw,
replacements, sessions, groups, documents, recommendations and votes, the avis."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.assembly import labels
from backend.assembly.models import RecommendationStatus, VoteChoice
from backend.assembly.permissions import SaisineContext, StaffSaisine
from backend.assembly.service import draws, recommendations, recruitment, work
from backend.assembly.service.common import territory_qpvs
from backend.assembly.views.common import done, parse_datetime, parse_int, refused, saisine_url, upload_dir
from backend.assembly.views.public import registration_context, volunteer_form
from backend.deps import DbSession
from backend.errors import DomainError, Invalid, NotFound
from backend.i18n import gettext as _
from backend.web import render

router = APIRouter(include_in_schema=False)
WITNESS_ROWS = 5


def _manage(ctx: SaisineContext, suffix: str = "") -> str:
    return saisine_url(ctx.saisine, "/gestion" + suffix)


def form_page(
    request: Request,
    ctx: SaisineContext,
    *,
    title: str,
    intro: str,
    action: str,
    fields: list[dict[str, Any]],
    submit: str,
    form: dict[str, Any] | None = None,
    error: DomainError | None = None,
) -> Response:
    """One form on its own page (phone-first): on error it comes back with everything typed."""
    return render(
        request,
        "assembly/form.html",
        {
            "saisine": ctx.saisine,
            "title": title,
            "intro": intro,
            "action": action,
            "fields": fields,
            "submit": submit,
            "form": form or {},
            "error": error,
            "multipart": any(f.get("type") == "file" for f in fields),
        },
        status_code=error.status_code if error else 200,
    )


# --- dashboard ---------------------------------------------------------------------------------


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


# --- recruitment -----------------------------------------------------------------------------


def _invitation_fields() -> list[dict[str, Any]]:
    return [
        {"name": "file", "type": "file", "label": _("Liste d'adresses (fichier CSV)"), "required": True,
         "hint": _("Une ligne par logement. Colonnes : adresse (obligatoire), nom, code_postal, ville. "
                   "Séparateur virgule ou point-virgule."), "attrs": 'accept=".csv,text/csv"'},
        {"name": "count", "type": "text", "label": _("Nombre de lettres à envoyer"), "required": True,
         "hint": _("Les adresses sont tirées au sort dans la liste. Exemple : 500"), "attrs": 'inputmode="numeric"'},
    ]  # fmt: skip


@router.get("/assemblee/{saisine_id}/gestion/invitations")
def invitations_form(request: Request, ctx: StaffSaisine) -> Response:
    return form_page(
        request, ctx, title=_("Tirer au sort les lettres d'invitation"),
        intro=_("Chaque lettre porte un code personnel pour s'inscrire. Les adresses sont effacées à la fin du recrutement."),
        action=_manage(ctx, "/invitations"), fields=_invitation_fields(), submit=_("Tirer au sort les adresses"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/invitations")
def invitations_draw(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    file: Annotated[UploadFile | None, File()] = None,
    count: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = file.file.read(recruitment.MAX_LIST_BYTES + 1) if file is not None and file.filename else b""
        number = parse_int(count, "count", _("Le nombre de lettres est un nombre, par exemple 500."))
        with session.begin_nested():
            letters = recruitment.draw_invitations(session, ctx.actor, ctx.saisine, data, number)
    except DomainError as exc:
        return form_page(
            request, ctx, title=_("Tirer au sort les lettres d'invitation"), intro="",
            action=_manage(ctx, "/invitations"), fields=_invitation_fields(), submit=_("Tirer au sort les adresses"),
            form={"count": count}, error=exc,
        )  # fmt: skip
    return done(
        request,
        _manage(ctx, f"/lettres?lot={letters[0].batch}"),
        _("{n} adresses tirées au sort : imprimez les lettres.").format(n=len(letters)),
    )


@router.get("/assemblee/{saisine_id}/gestion/lettres")
def letters(request: Request, session: DbSession, ctx: StaffSaisine, lot: int | None = None) -> Response:
    rows = [i for i in recruitment.invitations(session, ctx.saisine, lot) if i.address]
    base = str(request.app.state.settings.base_url).rstrip("/")
    return render(
        request,
        "assembly/letters.html",
        {
            "saisine": ctx.saisine,
            "letters": rows,
            "format_code": recruitment.format_code,
            "register_url": f"{base}{saisine_url(ctx.saisine, '/participer')}",
        },
    )


@router.get("/assemblee/{saisine_id}/gestion/volontaires")
def volunteer_list(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return render(
        request,
        "assembly/volunteers.html",
        {
            "saisine": ctx.saisine,
            "volunteers": recruitment.volunteers(session, ctx.saisine, only_registered=False),
            "qpvs": {q.id: q for q in territory_qpvs(session, ctx.saisine.commune_insee)},
            "registration_open": recruitment.registration_open(ctx.saisine),
        },
    )


@router.get("/assemblee/{saisine_id}/gestion/volontaires/nouveau")
def assisted_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    context = registration_context(
        session, ctx, recruitment.VolunteerForm(), None, _manage(ctx, "/volontaires/nouveau")
    )
    return render(request, "assembly/register.html", context)


@router.post("/assemblee/{saisine_id}/gestion/volontaires/nouveau")
def assisted_register(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
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
) -> Response:
    """An agent registers someone met in person (no phone or e-mail needed; consent still explicit)."""
    answers = {"genre": c_genre, "age": c_age, "diplome": c_diplome, "logement": c_logement}
    form = volunteer_form(
        name, phone, email, address, qpv_code, code, household_size, needs, consent, answers
    )
    try:
        with session.begin_nested():
            recruitment.register_volunteer(session, ctx.saisine, form, registered_by=ctx.actor)
    except DomainError as exc:
        context = registration_context(session, ctx, form, exc, _manage(ctx, "/volontaires/nouveau"))
        return render(request, "assembly/register.html", context, status_code=exc.status_code)
    return done(
        request, _manage(ctx, "/volontaires"), _("Volontaire inscrit·e : {name}.").format(name=form.name)
    )


@router.post("/assemblee/{saisine_id}/gestion/volontaires/{volunteer_id}/retrait")
def volunteer_withdraw(
    request: Request, session: DbSession, ctx: StaffSaisine, volunteer_id: int
) -> Response:
    volunteer = next((v for v in recruitment.volunteers(session, ctx.saisine) if v.id == volunteer_id), None)
    if volunteer is None:
        raise NotFound(_("Ce volontaire n'existe pas."))
    try:
        with session.begin_nested():
            recruitment.withdraw_volunteer(session, ctx.saisine, volunteer)
    except DomainError as exc:
        return refused(request, _manage(ctx, "/volontaires"), exc)
    return done(request, _manage(ctx, "/volontaires"), _("Le volontaire a quitté la liste."))


# --- the public draw ----------------------------------------------------------------------------


def _seed_context(
    ctx: SaisineContext, labels: list[str], values: list[str], error: DomainError | None
) -> dict[str, Any]:
    rows = list(zip(labels, values, strict=False)) + [("", "")] * WITNESS_ROWS
    return {"saisine": ctx.saisine, "rows": rows[:WITNESS_ROWS], "error": error}


@router.get("/assemblee/{saisine_id}/gestion/graine")
def seed_form(request: Request, ctx: StaffSaisine) -> Response:
    return render(request, "assembly/seed.html", _seed_context(ctx, [], [], None))


@router.post("/assemblee/{saisine_id}/gestion/graine")
def seed_fix(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    label: Annotated[list[str] | None, Form()] = None,
    value: Annotated[list[str] | None, Form()] = None,
) -> Response:
    labels, values = label or [], value or []
    try:
        with session.begin_nested():
            draws.fix_seed(session, ctx.actor, ctx.saisine, list(zip(labels, values, strict=False)))
    except DomainError as exc:
        return render(
            request,
            "assembly/seed.html",
            _seed_context(ctx, labels, values, exc),
            status_code=exc.status_code,
        )
    return done(
        request,
        saisine_url(ctx.saisine, "/tirage"),
        _("La graine est fixée et publiée. Le tirage peut avoir lieu."),
    )


@router.post("/assemblee/{saisine_id}/gestion/liste")
def pool_freeze(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    try:
        with session.begin_nested():
            draws.freeze_pool(session, ctx.actor, ctx.saisine)
    except DomainError as exc:
        return refused(request, _manage(ctx, "#tirage"), exc)
    return done(
        request,
        saisine_url(ctx.saisine, "/tirage"),
        _("Les inscriptions sont closes. La liste des volontaires est figée et publiée, sans les noms."),
    )


@router.post("/assemblee/{saisine_id}/gestion/tirage")
def draw_run(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    try:
        with session.begin_nested():
            draws.run_draw(session, ctx.actor, ctx.saisine)
    except DomainError as exc:
        return refused(request, _manage(ctx), exc)
    return done(request, saisine_url(ctx.saisine, "/tirage"), _("Le panel est tiré au sort."))


@router.post("/assemblee/{saisine_id}/gestion/membres/{member_id}/remplacer")
def member_replace(request: Request, session: DbSession, ctx: StaffSaisine, member_id: int) -> Response:
    member = draws.get_member(session, ctx.saisine, member_id)
    try:
        with session.begin_nested():
            outcome = draws.replace_member(session, ctx.actor, ctx.saisine, member)
    except DomainError as exc:
        return refused(request, _manage(ctx, "#membres"), exc)
    if outcome.replacement is None:
        message = _(
            "Le membre n° {old} a quitté le panel. Personne sur la liste de réserve ne peut le remplacer."
        )
    elif outcome.quotas_met:
        message = _("Le membre n° {old} est remplacé par la personne n° {new} de la réserve. Prévenez-la.")
    else:
        message = _(
            "Le membre n° {old} est remplacé par la personne n° {new} de la réserve ; certains quotas ne sont plus respectés."
        )
    text = message.format(old=member.pool_id, new=outcome.replacement.pool_id if outcome.replacement else "")
    return done(request, _manage(ctx, "#membres"), " ".join([text, *outcome.problems]))


# --- sessions, groups, documents -------------------------------------------------------------------


def _meeting_fields() -> list[dict[str, Any]]:
    return [
        {"name": "title", "label": _("Titre de la séance"), "required": True, "hint": _("Exemple : Séance 1 — se connaître et comprendre la question")},
        {"name": "starts_at", "type": "datetime-local", "label": _("Date et heure"), "required": True},
        {"name": "place", "label": _("Lieu"), "required": True, "hint": _("Adresse précise et accès (bus, métro, accessibilité)")},
        {"name": "agenda", "type": "textarea", "label": _("Ordre du jour")},
    ]  # fmt: skip


@router.get("/assemblee/{saisine_id}/gestion/seances/nouvelle")
def meeting_form(request: Request, ctx: StaffSaisine) -> Response:
    return form_page(
        request, ctx, title=_("Prévoir une séance"), intro="", action=_manage(ctx, "/seances/nouvelle"),
        fields=_meeting_fields(), submit=_("Enregistrer la séance"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/seances/nouvelle")
def meeting_create(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    title: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
    place: Annotated[str, Form()] = "",
    agenda: Annotated[str, Form()] = "",
) -> Response:
    try:
        with session.begin_nested():
            meeting = work.plan_meeting(
                session, ctx.actor, ctx.saisine, title=title, starts_at=parse_datetime(starts_at, "starts_at"),
                place=place, agenda=agenda,
            )  # fmt: skip
    except DomainError as exc:
        return form_page(
            request, ctx, title=_("Prévoir une séance"), intro="", action=_manage(ctx, "/seances/nouvelle"),
            fields=_meeting_fields(), submit=_("Enregistrer la séance"),
            form={"title": title, "starts_at": starts_at, "place": place, "agenda": agenda}, error=exc,
        )  # fmt: skip
    return done(request, saisine_url(ctx.saisine, f"/seances/{meeting.id}"), _("La séance est prévue."))


def _attendance_context(
    session: DbSession, ctx: SaisineContext, meeting_id: int, present: set[int] | None, summary: str | None,
    error: DomainError | None,
) -> dict[str, Any]:  # fmt: skip
    meeting = work.get_meeting(session, ctx.saisine, meeting_id)
    recorded = work.attendance(session, meeting)
    return {
        "saisine": ctx.saisine,
        "meeting": meeting,
        "members": draws.members(session, ctx.saisine),
        "people": {v.id: v for v in recruitment.volunteers(session, ctx.saisine, only_registered=False)},
        "present": present if present is not None else {mid for mid, here in recorded.items() if here},
        "summary": summary if summary is not None else meeting.summary,
        "error": error,
    }


@router.get("/assemblee/{saisine_id}/gestion/seances/{meeting_id}")
def attendance_form(request: Request, session: DbSession, ctx: StaffSaisine, meeting_id: int) -> Response:
    return render(
        request, "assembly/attendance.html", _attendance_context(session, ctx, meeting_id, None, None, None)
    )


@router.post("/assemblee/{saisine_id}/gestion/seances/{meeting_id}")
def attendance_save(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    meeting_id: int,
    present: Annotated[list[int] | None, Form()] = None,
    summary: Annotated[str, Form()] = "",
) -> Response:
    meeting = work.get_meeting(session, ctx.saisine, meeting_id)
    try:
        with session.begin_nested():
            count, total = work.record_attendance(
                session, ctx.actor, ctx.saisine, meeting, present or [], summary
            )
    except DomainError as exc:
        context = _attendance_context(session, ctx, meeting_id, set(present or []), summary, exc)
        return render(request, "assembly/attendance.html", context, status_code=exc.status_code)
    return done(
        request,
        saisine_url(ctx.saisine, f"/seances/{meeting_id}"),
        _("Présences enregistrées : {p} sur {n}.").format(p=count, n=total),
    )


def _group_context(
    session: DbSession,
    ctx: SaisineContext,
    group_id: int | None,
    form: dict[str, Any],
    error: DomainError | None,
) -> dict[str, Any]:
    group = work.get_group(session, ctx.saisine, group_id) if group_id else None
    chosen = form.get("members")
    if chosen is None:
        chosen = set(work.group_members(session, ctx.saisine).get(group_id, [])) if group_id else set()
    return {
        "saisine": ctx.saisine,
        "group": group,
        "members": draws.members(session, ctx.saisine),
        "people": {v.id: v for v in recruitment.volunteers(session, ctx.saisine, only_registered=False)},
        "chosen": chosen,
        "form": form,
        "error": error,
    }


@router.get("/assemblee/{saisine_id}/gestion/groupes/nouveau")
def group_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return render(request, "assembly/group.html", _group_context(session, ctx, None, {}, None))


@router.get("/assemblee/{saisine_id}/gestion/groupes/{group_id}")
def group_edit(request: Request, session: DbSession, ctx: StaffSaisine, group_id: int) -> Response:
    group = work.get_group(session, ctx.saisine, group_id)
    form = {"name": group.name, "topic": group.topic}
    return render(request, "assembly/group.html", _group_context(session, ctx, group_id, form, None))


@router.post("/assemblee/{saisine_id}/gestion/groupes/nouveau")
def group_create(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    name: Annotated[str, Form()] = "",
    topic: Annotated[str, Form()] = "",
    members: Annotated[list[int] | None, Form()] = None,
) -> Response:
    return _group_save(request, session, ctx, None, name, topic, members or [])


@router.post("/assemblee/{saisine_id}/gestion/groupes/{group_id}")
def group_update(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    group_id: int,
    members: Annotated[list[int] | None, Form()] = None,
) -> Response:
    group = work.get_group(session, ctx.saisine, group_id)
    return _group_save(request, session, ctx, group_id, group.name, group.topic, members or [])


def _group_save(
    request: Request, session: DbSession, ctx: SaisineContext, group_id: int | None, name: str, topic: str,
    members: list[int],
) -> Response:  # fmt: skip
    try:
        with session.begin_nested():
            group = (
                work.get_group(session, ctx.saisine, group_id)
                if group_id
                else work.create_group(session, ctx.actor, ctx.saisine, name=name, topic=topic)
            )
            work.set_group_members(session, ctx.saisine, group, members)
    except DomainError as exc:
        form = {"name": name, "topic": topic, "members": set(members)}
        context = _group_context(session, ctx, group_id, form, exc)
        return render(request, "assembly/group.html", context, status_code=exc.status_code)
    return done(request, _manage(ctx, "#groupes"), _("Groupe « {name} » enregistré.").format(name=group.name))


def _document_fields(meetings: list[Any]) -> list[dict[str, Any]]:
    options = [("", _("Document de contexte de la saisine"))] + [(str(m.id), m.title) for m in meetings]
    return [
        {"name": "title", "label": _("Titre du document"), "required": True},
        {"name": "meeting_id", "type": "select", "label": _("Rattaché à"), "options": options, "required": True},
        {"name": "file", "type": "file", "label": _("Fichier"),
         "hint": _("PDF, texte, tableur ou image, 10 Mo au plus. Ou bien indiquez un lien ci-dessous.")},
        {"name": "url", "type": "url", "label": _("Ou lien vers le document"), "hint": _("Commence par https://")},
    ]  # fmt: skip


@router.get("/assemblee/{saisine_id}/gestion/documents/nouveau")
def document_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return form_page(
        request, ctx, title=_("Ajouter un document"), intro="", action=_manage(ctx, "/documents/nouveau"),
        fields=_document_fields(work.meetings(session, ctx.saisine)), submit=_("Ajouter le document"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/documents/nouveau")
def document_add(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    title: Annotated[str, Form()] = "",
    meeting_id: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        meeting = work.get_meeting(session, ctx.saisine, int(meeting_id)) if meeting_id.isdigit() else None
        upload = None
        if file is not None and file.filename:
            upload = work.Upload(file.filename, file.file.read(work.MAX_DOCUMENT_BYTES + 1))
        with session.begin_nested():
            work.add_document(
                session, ctx.actor, ctx.saisine, title=title, url=url, upload=upload, meeting=meeting,
                upload_dir=upload_dir(request),
            )  # fmt: skip
    except DomainError as exc:
        return form_page(
            request, ctx, title=_("Ajouter un document"), intro="", action=_manage(ctx, "/documents/nouveau"),
            fields=_document_fields(work.meetings(session, ctx.saisine)), submit=_("Ajouter le document"),
            form={"title": title, "meeting_id": meeting_id, "url": url}, error=exc,
        )  # fmt: skip
    return done(request, _manage(ctx, "#documents"), _("Le document est ajouté."))


# --- recommendations, votes, avis ---------------------------------------------------------------


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
        action=_manage(ctx, "/recommandations/nouvelle"), fields=_recommendation_fields(work.groups(session, ctx.saisine)),
        submit=_("Enregistrer le projet"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/recommandations/nouvelle")
def recommendation_create(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    title: Annotated[str, Form()] = "",
    text: Annotated[str, Form()] = "",
    group_id: Annotated[str, Form()] = "",
) -> Response:
    try:
        group = work.get_group(session, ctx.saisine, int(group_id)) if group_id.isdigit() else None
        with session.begin_nested():
            rec = recommendations.draft(session, ctx.actor, ctx.saisine, title=title, text=text, group=group)
    except DomainError as exc:
        return form_page(
            request, ctx, title=_("Écrire une recommandation"), intro="",
            action=_manage(ctx, "/recommandations/nouvelle"),
            fields=_recommendation_fields(work.groups(session, ctx.saisine)), submit=_("Enregistrer le projet"),
            form={"title": title, "text": text, "group_id": group_id}, error=exc,
        )  # fmt: skip
    return done(
        request,
        _manage(ctx, "#recommandations"),
        _("Recommandation n° {n} enregistrée.").format(n=rec.number),
    )


@router.post("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/ouvrir")
def vote_open(request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int) -> Response:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    try:
        with session.begin_nested():
            recommendations.open_vote(session, ctx.actor, ctx.saisine, rec)
    except DomainError as exc:
        return refused(request, _manage(ctx, "#recommandations"), exc)
    return done(
        request,
        _manage(ctx, "#recommandations"),
        _("Le vote est ouvert sur la recommandation n° {n}.").format(n=rec.number),
    )


@router.post("/assemblee/{saisine_id}/gestion/recommandations/{recommendation_id}/clore")
def vote_close(request: Request, session: DbSession, ctx: StaffSaisine, recommendation_id: int) -> Response:
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    try:
        with session.begin_nested():
            result = recommendations.close_vote(session, ctx.actor, ctx.saisine, rec)
    except DomainError as exc:
        return refused(request, _manage(ctx, "#recommandations"), exc)
    message = (
        _("Recommandation n° {n} adoptée.") if result.adopted else _("Recommandation n° {n} non adoptée.")
    )
    return done(request, _manage(ctx, "#recommandations"), message.format(n=rec.number))


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
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    recommendation_id: int,
    member_id: Annotated[str, Form()] = "",
    choice: Annotated[str, Form()] = "",
) -> Response:
    """A vote cast in session, on paper or by show of hands, recorded by the agent for the member."""
    rec = recommendations.get_recommendation(session, ctx.saisine, recommendation_id)
    url = _manage(ctx, f"/recommandations/{recommendation_id}/votes")
    try:
        if choice not in set(VoteChoice):
            raise Invalid(_("Choisissez pour, contre ou abstention."), field="choice")
        member = draws.get_member(session, ctx.saisine, int(member_id)) if member_id.isdigit() else None
        if member is None:
            raise Invalid(_("Choisissez le membre qui vote."), field="member_id")
        with session.begin_nested():
            recommendations.cast_vote(session, ctx.saisine, rec, member, choice, ctx.actor)
    except DomainError as exc:
        context = _votes_context(
            session, ctx, recommendation_id, exc, {"member_id": member_id, "choice": choice}
        )
        return render(request, "assembly/votes.html", context, status_code=exc.status_code)
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
    try:
        with session.begin_nested():
            recommendations.publish_avis(session, ctx.actor, ctx.saisine, intro)
    except DomainError as exc:
        context = _avis_context(session, ctx, intro, exc)
        return render(request, "assembly/avis_form.html", context, status_code=exc.status_code)
    return done(request, saisine_url(ctx.saisine, "/avis"), _("L'avis est publié et remis au COPIL."))
