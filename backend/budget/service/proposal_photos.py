"""A proposal saved from its form, with its photo: the upload cleaned and stored, the point placed on
the map or found from the address, the draft saved and, when asked, sent. Files follow the request's
transaction: a replaced photo is deleted once it commits, a new one is removed if it rolls back."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlmodel import Session, select

from backend.accounts.levels import level_of
from backend.accounts.models import User
from backend.budget import mapgrid, trust
from backend.budget.models import Edition, Proposal
from backend.budget.photos import PhotoRefused, clean_photo, delete_photo, read_limited, store_photo
from backend.budget.rules import Precheck, ProposalInput, description_too_long
from backend.budget.service import proposals
from backend.budget.service.proposals import Location
from backend.db import after_commit, attempt
from backend.errors import DomainError, Invalid, Problems
from backend.ledger.service import ActorRef
from backend.territory.geo import parse_geometry
from backend.territory.geocoder import BanGeocoder
from backend.territory.models import Qpv
from backend.territory.service import check_address


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


def errors_of(exc: DomainError) -> list[Invalid]:
    """Every problem a domain error carries, as form errors."""
    return [e if isinstance(e, Invalid) else Invalid(e.message, field=e.field) for e in Problems.of(exc)]


def qpv_geometry(session: Session, code: str) -> Any:
    row = session.exec(select(Qpv.geometry).where(Qpv.code == code)).first()
    return parse_geometry(row) if row else None


def store_upload(session: Session, upload_dir: Path, form: ProposalForm, photo: BinaryIO | None) -> None:
    """Clean and store an uploaded photo as ``form.photo_name``; a refused file becomes a form error,
    nothing else is lost. The file is removed again if the request's transaction rolls back."""
    if photo is None:
        return
    try:
        cleaned = clean_photo(read_limited(photo))
    except PhotoRefused as exc:
        form.errors.append(exc)
        return
    name = store_photo(upload_dir, cleaned)
    after_commit(session, lambda: None, on_rollback=lambda: delete_photo(upload_dir, name))
    form.photo_name = name


def delete_after_commit(session: Session, upload_dir: Path, name: str | None) -> None:
    """Delete a replaced or removed photo once the request's transaction has committed, never before:
    a request that fails leaves its row with its file."""
    if name:
        after_commit(session, lambda: delete_photo(upload_dir, name))


def place(
    session: Session, geocoder: BanGeocoder | None, form: ProposalForm, previous: Proposal | None
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
    if address and changed and geocoder is not None:
        check = check_address(session, geocoder, address)
        if check.lat is not None and check.lon is not None and check.status != "unknown":
            return Location(check.lat, check.lon), False
    return None, form.point == "none"


@dataclass(frozen=True)
class Saved:
    """The saved proposal; ``sent`` when it went to the table de quartier, with its pre-checks."""

    proposal: Proposal
    sent: bool = False
    prechecks: list[Precheck] = field(default_factory=list)


def save_from_form(
    session: Session,
    edition: Edition,
    proposal: Proposal | None,
    form: ProposalForm,
    *,
    author: User,
    actor: ActorRef,
    send: bool,
    photo: BinaryIO | None,
    upload_dir: Path,
    geocoder: BanGeocoder | None,
) -> Saved:
    """Save a resident's draft and send it when asked. On any problem the draft keeps what was typed
    and ``form.errors`` lists every problem; the replaced photo goes once the transaction commits."""
    store_upload(session, upload_dir, form, photo)
    if not send and (too_long := description_too_long(form.data.description)):
        form.errors.append(too_long)  # sending reports it with the other problems
    location, clear = place(session, geocoder, form, proposal)
    old_photo = proposal.photo if proposal else None
    photo_name = form.photo_name
    if form.remove_photo and not photo_name:
        photo_name = ""
    if send and (missing := trust.missing("propose", level_of(author), edition.level_to_propose)):
        # A draft written before the person lost (or never had) the level stays saved as a draft.
        form.errors.append(Invalid(missing.message))

    def save_draft() -> Proposal:
        return proposals.save_draft(
            session,
            edition,
            proposal,
            form.data,
            author=author,
            location=location,
            clear_location=clear,
            photo=photo_name,
        )

    def save_and_send() -> Saved:
        saved = save_draft()
        return Saved(saved, True, proposals.submit(session, actor, edition, saved, form.data))

    outcome: Saved | DomainError | None = None
    if send and not form.errors:
        outcome = attempt(session, save_and_send)
        if isinstance(outcome, DomainError):
            form.errors.extend(errors_of(outcome))
    if not isinstance(outcome, Saved):
        outcome = Saved(save_draft())
    if photo_name is not None and old_photo != photo_name:
        delete_after_commit(session, upload_dir, old_photo)
    return outcome


def delete_draft(session: Session, upload_dir: Path, proposal: Proposal) -> None:
    """Delete a private draft; its photo goes once the transaction commits."""
    delete_after_commit(session, upload_dir, proposals.delete_draft(session, proposal))
