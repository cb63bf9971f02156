"""What several budget screens share: labels, the map picker, the proposal form."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import BackgroundTasks, Request, UploadFile
from sqlmodel import Session, select

from backend.budget import mapgrid, phases
from backend.budget.models import Edition, Proposal, ProposalStatus, ReportReason
from backend.budget.photos import PhotoRefused, clean_photo, delete_photo, read_limited, store_photo
from backend.budget.rules import DESCRIPTION_MAX, ProposalInput
from backend.budget.service.moderation import REJECT_LABELS
from backend.budget.service.proposals import Location
from backend.errors import DomainError, Invalid, Problems
from backend.formatting import PARIS
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.territory.geo import parse_geometry
from backend.territory.models import Qpv, QpvRef
from backend.territory.service import check_address

STATUS_LABELS = {
    ProposalStatus.draft: N_("Brouillon"),
    ProposalStatus.submitted: N_("En attente de relecture"),
    ProposalStatus.changes_requested: N_("Modifications demandées"),
    ProposalStatus.published: N_("Publiée, en cours d'étude"),
    ProposalStatus.rejected: N_("Refusée par la modération"),
    ProposalStatus.merged: N_("Regroupée avec une autre"),
    ProposalStatus.eligible: N_("Recevable"),
    ProposalStatus.eligible_after_changes: N_("Recevable après modification"),
    ProposalStatus.ineligible: N_("Non recevable"),
}
STATUS_BADGES = {
    ProposalStatus.eligible: "badge-ok",
    ProposalStatus.eligible_after_changes: "badge-ok",
    ProposalStatus.ineligible: "badge-err",
    ProposalStatus.rejected: "badge-err",
    ProposalStatus.changes_requested: "badge-warn",
    ProposalStatus.submitted: "badge-warn",
}
REPORT_LABELS = {
    ReportReason.abusive: N_("Propos injurieux ou choquants"),
    ReportReason.duplicate: N_("En double avec une autre proposition"),
    ReportReason.off_topic: N_("Hors sujet"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(ProposalStatus(status), status)) if status in set(ProposalStatus) else status


def labels() -> dict[str, Any]:
    """Template helpers for every budget page."""
    return {
        "status_label": status_label,
        "status_badge": lambda s: STATUS_BADGES.get(s, ""),
        "phase_label": phases.label,
        "report_labels": {k.value: _(v) for k, v in REPORT_LABELS.items()},
        "reject_labels": {k.value: _(v) for k, v in REJECT_LABELS.items()},
    }


def paris_today() -> date:
    """Today in Marseille: phase dates are calendar days there."""
    return datetime.now(PARIS).date()


def proposal_url(edition: Edition, proposal: Proposal, suffix: str = "") -> str:
    return f"/budget-participatif/{edition.slug}/propositions/{proposal.id}{suffix}"


def qpv_geometry(session: Session, code: str) -> Any:
    row = session.exec(select(Qpv.geometry).where(Qpv.code == code)).first()
    return parse_geometry(row) if row else None


def picker_for(session: Session, code: str, lat: float | None, lon: float | None) -> dict[str, Any] | None:
    geom = qpv_geometry(session, code) if code else None
    if geom is None:
        return None
    chosen = (lat, lon) if lat is not None and lon is not None else None
    return {
        "map": mapgrid.picker(geom, chosen),
        "map_qpv": code,
        "point": mapgrid.cell_value(geom, lat, lon),
    }


# --- the proposal form --------------------------------------------------------------------------


@dataclass
class ProposalForm:
    """What the form sent, kept as typed so that nothing is lost when it is shown again."""

    data: ProposalInput
    point: str = ""
    map_qpv: str = ""
    remove_photo: bool = False
    errors: list[Invalid] = field(default_factory=list)
    photo_name: str | None = None

    def as_dict(self) -> dict[str, str]:
        d = self.data
        return {
            "title": d.title, "description": d.description, "theme": d.theme, "qpv_code": d.qpv_code,
            "location_text": d.location_text, "estimated_cost": d.estimated_cost, "operating_cost": d.operating_cost,
            "point": self.point,
        }  # fmt: skip

    @classmethod
    def from_proposal(cls, proposal: Proposal, qpv_code: str) -> ProposalForm:
        return cls(
            ProposalInput(
                title=proposal.title,
                description=proposal.description,
                theme=proposal.theme,
                qpv_code=qpv_code,
                location_text=proposal.location_text,
                estimated_cost=str(proposal.estimated_cost or ""),
                operating_cost=str(proposal.operating_cost or ""),
            )
        )


def read_photo(request: Request, form: ProposalForm, photo: UploadFile | None) -> None:
    """Clean and store an uploaded photo; a refused file becomes a form error, nothing else is lost."""
    if photo is None or not photo.filename:
        return
    try:
        cleaned = clean_photo(read_limited(photo.file))
    except PhotoRefused as exc:
        form.errors.append(exc)
        return
    form.photo_name = store_photo(request.app.state.settings.upload_dir, cleaned)


def delete_photo_after_commit(request: Request, background: BackgroundTasks, name: str | None) -> None:
    """Delete a replaced or removed photo once the request's transaction has committed, never before:
    background tasks run after the response is sent, which happens only after the session dependency
    committed. A request that fails runs none of them, so the row it leaves keeps its file."""
    if name:
        background.add_task(delete_photo, request.app.state.settings.upload_dir, name)


def location_of(
    request: Request, session: Session, form: ProposalForm, previous: Proposal | None
) -> tuple[Location | None, bool]:
    """(point to store, whether to clear the stored one): a map cell first, else the address
    geocoded with the Base Adresse Nationale when it changed, else "no point" if chosen."""
    if form.point not in ("", "none") and form.map_qpv:
        geom = qpv_geometry(session, form.map_qpv)
        found = mapgrid.point_from_cell(geom, form.point) if geom is not None else None
        if found:
            return Location(*found), False
    address = " ".join(form.data.location_text.split())
    changed = previous is None or previous.location_text != address
    geocoder = request.app.state.geocoder
    if address and changed and geocoder is not None:
        check = check_address(session, geocoder, address)
        if check.lat is not None and check.lon is not None and check.status != "unknown":
            return Location(check.lat, check.lon), False
    return None, form.point == "none"


def errors_of(exc: DomainError) -> list[Invalid]:
    return [e if isinstance(e, Invalid) else Invalid(e.message, field=e.field) for e in Problems.of(exc)]


def form_context(
    session: Session, edition: Edition, refs: list[QpvRef], form: ProposalForm, proposal: Proposal | None
) -> dict[str, Any]:
    values = form.as_dict()
    lat = proposal.location_lat if proposal else None
    lon = proposal.location_lon if proposal else None
    errors = {e.field or "": e for e in form.errors}
    return {
        "edition": edition,
        "proposal": proposal,
        "form": values,
        "errors": errors,
        "error_list": form.errors,
        "description_max": DESCRIPTION_MAX,
        "qpvs": refs,
        "themes": edition.themes,
        "picker": picker_for(session, values["qpv_code"], lat, lon),
        **labels(),
    }
