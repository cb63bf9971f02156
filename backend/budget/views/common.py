"""What several budget screens share: labels, the map picker, the proposal form."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, BinaryIO

from fastapi import Depends, Form, UploadFile
from sqlmodel import Session

from backend.budget import mapgrid, phases
from backend.budget.models import Edition, Proposal, ProposalStatus, ReportReason
from backend.budget.rules import DESCRIPTION_MAX, ProposalInput
from backend.budget.service.moderation import REJECT_LABELS
from backend.budget.service.proposal_photos import ProposalForm, qpv_geometry
from backend.formatting import PARIS
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.territory.models import QpvRef
from backend.views_common import DecisionReasonForm, FormFields, posted_into

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


def picker_for(session: Session, code: str, lat: float | None, lon: float | None) -> dict[str, Any] | None:
    geom = qpv_geometry(session, code) if code else None
    if geom is None:
        return None
    chosen = (lat, lon) if lat is not None and lon is not None else None
    return {"map": mapgrid.picker(geom, chosen), "map_qpv": code, "point": mapgrid.cell_value(geom, lat, lon)}


# --- the proposal form --------------------------------------------------------------------------


def posted_proposal(
    data: Annotated[ProposalInput, Depends(posted_into(ProposalInput))],
    point: Annotated[str, Form()] = "",
    map_qpv: Annotated[str, Form()] = "",
    remove_photo: Annotated[str, Form()] = "",
) -> ProposalForm:
    """The proposal form as it was posted, by a resident or at a desk for one."""
    return ProposalForm(data, point=point, map_qpv=map_qpv, remove_photo=bool(remove_photo))


PostedProposal = Annotated[ProposalForm, Depends(posted_proposal)]


def upload_of(photo: UploadFile | None) -> BinaryIO | None:
    """The uploaded file, or None when the form sent none."""
    return photo.file if photo is not None and photo.filename else None


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


# --- the forms of the staff and admin pages, each read in one piece (`Posted[...]`) --------------


class ModerationForm(DecisionReasonForm):
    message: str = ""
    category: str = ""
    target: str = ""
    merge_reason: str = ""
    restore_reason: str = ""

    @property
    def decision_reason(self) -> str:
        """The reason typed for the decision taken (merging and restoring have a field of their own)."""
        return {"fusionner": self.merge_reason, "reafficher": self.restore_reason}.get(
            self.decision, self.reason
        )


class PhaseChangeForm(FormFields):
    target: str = ""
    reason: str = ""
