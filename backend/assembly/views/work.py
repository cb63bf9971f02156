"""Staff pages of the assembly's work: sessions and attendance, working groups, documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.assembly.models import WorkingGroup
from backend.assembly.permissions import SaisineContext, StaffSaisine
from backend.assembly.service import draws, recruitment, work
from backend.assembly.views.common import form_page, manage_url, saisine_url, upload_dir
from backend.assembly.views.forms import AttendanceForm, DocumentForm, GroupForm, MeetingForm
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.forms import parse_datetime
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import Posted, done

router = APIRouter(include_in_schema=False)


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
        request, ctx, title=_("Prévoir une séance"), intro="", action=manage_url(ctx, "/seances/nouvelle"),
        fields=_meeting_fields(), submit=_("Enregistrer la séance"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/seances/nouvelle")
def meeting_create(
    request: Request, session: DbSession, ctx: StaffSaisine, posted: Posted[MeetingForm]
) -> Response:
    meeting = attempt(
        session,
        lambda: work.plan_meeting(
            session, ctx.actor, ctx.saisine, title=posted.title,
            starts_at=parse_datetime(posted.starts_at, "starts_at"), place=posted.place, agenda=posted.agenda,
        ),
    )  # fmt: skip
    if isinstance(meeting, DomainError):
        return form_page(
            request, ctx, title=_("Prévoir une séance"), intro="", action=manage_url(ctx, "/seances/nouvelle"),
            fields=_meeting_fields(), submit=_("Enregistrer la séance"),
            form=posted.typed(), error=meeting,
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
    request: Request, session: DbSession, ctx: StaffSaisine, meeting_id: int, posted: Posted[AttendanceForm]
) -> Response:
    meeting = work.get_meeting(session, ctx.saisine, meeting_id)
    recorded = attempt(
        session,
        lambda: work.record_attendance(
            session, ctx.actor, ctx.saisine, meeting, posted.present or [], posted.summary
        ),
    )
    if isinstance(recorded, DomainError):
        context = _attendance_context(
            session, ctx, meeting_id, set(posted.present or []), posted.summary, recorded
        )
        return render(request, "assembly/attendance.html", context, status_code=recorded.status_code)
    count, total = recorded
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
    request: Request, session: DbSession, ctx: StaffSaisine, posted: Posted[GroupForm]
) -> Response:
    return _group_save(request, session, ctx, None, posted.name, posted.topic, posted.members or [])


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

    def save() -> WorkingGroup:
        group = (
            work.get_group(session, ctx.saisine, group_id)
            if group_id
            else work.create_group(session, ctx.actor, ctx.saisine, name=name, topic=topic)
        )
        work.set_group_members(session, ctx.saisine, group, members)
        return group

    group = attempt(session, save)
    if isinstance(group, DomainError):
        form = {"name": name, "topic": topic, "members": set(members)}
        context = _group_context(session, ctx, group_id, form, group)
        return render(request, "assembly/group.html", context, status_code=group.status_code)
    return done(
        request, manage_url(ctx, "#groupes"), _("Groupe « {name} » enregistré.").format(name=group.name)
    )


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
        request, ctx, title=_("Ajouter un document"), intro="", action=manage_url(ctx, "/documents/nouveau"),
        fields=_document_fields(work.meetings(session, ctx.saisine)), submit=_("Ajouter le document"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/documents/nouveau")
def document_add(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    posted: Posted[DocumentForm],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:

    def add() -> None:
        meeting_id = posted.meeting_id
        meeting = work.get_meeting(session, ctx.saisine, int(meeting_id)) if meeting_id.isdigit() else None
        upload = None
        if file is not None and file.filename:
            upload = work.Upload(file.filename, file.file.read(work.MAX_DOCUMENT_BYTES + 1))
        work.add_document(
            session, ctx.actor, ctx.saisine, title=posted.title, url=posted.url, upload=upload, meeting=meeting,
            upload_dir=upload_dir(request),
        )  # fmt: skip

    outcome = attempt(session, add)
    if isinstance(outcome, DomainError):
        return form_page(
            request, ctx, title=_("Ajouter un document"), intro="", action=manage_url(ctx, "/documents/nouveau"),
            fields=_document_fields(work.meetings(session, ctx.saisine)), submit=_("Ajouter le document"),
            form=posted.typed(), error=outcome,
        )  # fmt: skip
    return done(request, manage_url(ctx, "#documents"), _("Le document est ajouté."))
