"""Agents follow the realisation of winning projects in the QPV they cover."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.accounts.models import Role
from backend.accounts.permissions import enforce
from backend.budget.photos import PhotoRefused
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid
from backend.forms import parse_date
from backend.i18n import gettext as _
from backend.rendering import render
from backend.results import photos, service
from backend.results.followables import describe, followable, followables
from backend.results.models import Milestone
from backend.results.permissions import (
    FOLLOW_ROLES,
    Followed,
    FollowerPrincipal,
    actor_role,
    covered_qpv_ids,
    follow_policy,
)
from backend.results.views.public import labels
from backend.territory.service import qpv_ref, qpv_refs
from backend.views_common import done

router = APIRouter(include_in_schema=False)


@router.get("/resultats/suivi")
def follow_list(request: Request, session: DbSession, principal: FollowerPrincipal) -> Response:
    refs = qpv_refs(session)
    covered = covered_qpv_ids(principal, refs, FOLLOW_ROLES)
    items = followables(session, sorted(covered))
    return render(
        request,
        "results/follow_list.html",
        {
            "to_open": [i for i in items if i.realisation is None],
            "followed": [i for i in items if i.realisation is not None],
            **labels(request),
        },
    )


@router.post("/resultats/suivi/ouvrir")
def open_follow_up(
    request: Request,
    session: DbSession,
    principal: FollowerPrincipal,
    source: Annotated[str, Form()],
    source_id: Annotated[int, Form()],
    service_name: Annotated[str, Form()] = "",
) -> Response:
    item = followable(session, source, source_id)
    qpv = qpv_ref(session, item.qpv_id) if item.qpv_id else None
    enforce(follow_policy(principal, qpv))
    realisation = service.open_realisation(
        session,
        principal.actor(actor_role(principal, qpv) if qpv else Role.admin),
        source,
        source_id,
        service_name,
    )
    message = _("Le suivi est ouvert. Les habitant·es peuvent maintenant suivre ce projet.")
    return done(request, f"/resultats/suivi/{realisation.id}", message)


def _form_page(
    request: Request, session: DbSession, access: Followed, errors: dict[str, Invalid] | None = None,
    values: dict[str, str] | None = None, status_code: int = 200,
) -> Response:  # fmt: skip
    r = access.realisation
    return render(
        request,
        "results/follow_edit.html",
        {
            "r": r,
            "item": describe(session, r),
            "steps": service.milestones(session, [r.id or 0])[r.id or 0],
            "errors": errors or {},
            "error_list": list((errors or {}).values()),
            "form": {
                "status": r.status,
                "progress": str(r.progress),
                "service": r.service,
                "reason": r.reason,
            }
            | (values or {}),
            "today": date.today().isoformat(),
            **labels(request),
        },
        status_code=status_code,
    )


@router.get("/resultats/suivi/{realisation_id}")
def edit_page(request: Request, session: DbSession, access: Followed) -> Response:
    return _form_page(request, session, access)


@router.post("/resultats/suivi/{realisation_id}")
def update(
    request: Request,
    session: DbSession,
    access: Followed,
    status: Annotated[str, Form()],
    progress: Annotated[str, Form()] = "0",
    service_name: Annotated[str, Form(alias="service")] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    values = {"status": status, "progress": progress, "service": service_name, "reason": reason}
    try:
        number = int(progress.strip().rstrip("%").strip() or "0")
    except ValueError:
        err = Invalid(_("L'avancement est un nombre entre 0 et 100."), field="progress")
        return _form_page(request, session, access, {"progress": err}, values, 422)
    changes = attempt(
        session,
        lambda: service.update_realisation(
            session, access.actor, access.realisation, service.Update(status, number, service_name, reason)
        ),
    )
    if isinstance(changes, DomainError):
        err = changes if isinstance(changes, Invalid) else Invalid(changes.message, field=changes.field)
        return _form_page(request, session, access, {err.field or "": err}, values, 422)
    message = _("Le suivi est à jour. Les personnes abonnées sont prévenues.")
    return done(request, f"/resultats/suivi/{access.realisation.id}", message)


@router.post("/resultats/suivi/{realisation_id}/etapes")
def add_step(
    request: Request,
    session: DbSession,
    access: Followed,
    title: Annotated[str, Form(alias="m_title")] = "",
    happened_on: Annotated[str, Form(alias="m_date")] = "",
    text: Annotated[str, Form(alias="m_text")] = "",
    photo: Annotated[UploadFile | None, File(alias="m_photo")] = None,
) -> Response:
    values = {"m_title": title, "m_text": text, "m_date": happened_on}
    upload_dir = request.app.state.settings.upload_dir
    stored: str | None = None

    def add() -> Milestone:
        nonlocal stored
        day = parse_date(happened_on, "m_date")
        if photo is not None and photo.filename:
            try:
                stored = photos.store(upload_dir, photo.file)
            except PhotoRefused as exc:
                raise Invalid(exc.message, field="m_photo") from exc
        return service.add_milestone(
            session, access.actor, access.realisation, happened_on=day, title=title, text=text, photo=stored
        )

    milestone = attempt(session, add)
    if isinstance(milestone, DomainError):
        photos.remove(upload_dir, stored)
        field = {"title": "m_title", "happened_on": "m_date"}.get(
            milestone.field or "", milestone.field or ""
        )
        err = Invalid(milestone.message, field=field)
        return _form_page(request, session, access, {field: err}, values, 422)
    return done(
        request, f"/resultats/suivi/{access.realisation.id}", _("L'étape est ajoutée au suivi public.")
    )
