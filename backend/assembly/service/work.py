"""The assembly at work: sessions with attendance, working groups, documents."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, col, select

from backend.assembly.models import (
    Attendance,
    Document,
    GroupMember,
    Meeting,
    Member,
    MemberStatus,
    Saisine,
    SaisineStatus,
    WorkingGroup,
)
from backend.assembly.notify import tell_panel
from backend.assembly.service.common import journal, saisine_part, saisine_parts
from backend.assembly.service.draws.panel import members
from backend.errors import Conflict, Invalid, NotFound
from backend.formatting import format_datetime
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

MAX_DOCUMENT_BYTES = 10_000_000
ALLOWED_TYPES = {
    ".pdf": "application/pdf",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
}


def _require_panel(saisine: Saisine) -> None:
    if saisine.status not in (SaisineStatus.drawn, SaisineStatus.avis_published):
        raise Conflict(_("L'assemblée se réunit une fois le panel tiré au sort."))


# --- sessions ----------------------------------------------------------------------------------


def meetings(session: Session, saisine: Saisine) -> list[Meeting]:
    return saisine_parts(session, Meeting, saisine, col(Meeting.starts_at))


def get_meeting(session: Session, saisine: Saisine, meeting_id: int) -> Meeting:
    return saisine_part(session, Meeting, saisine, meeting_id, _("Cette séance n'existe pas."))


def plan_meeting(
    session: Session,
    actor: ActorRef,
    saisine: Saisine,
    *,
    title: str,
    starts_at: datetime | None,
    place: str,
    agenda: str,
) -> Meeting:
    _require_panel(saisine)
    title = " ".join(title.split())[:200]
    place = " ".join(place.split())[:300]
    if len(title) < 3:
        raise Invalid(_("Donnez un titre à la séance."), field="title")
    if starts_at is None:
        raise Invalid(_("Indiquez la date et l'heure de la séance."), field="starts_at")
    if len(place) < 3:
        raise Invalid(_("Indiquez le lieu de la séance."), field="place")
    meeting = Meeting(
        saisine_id=saisine.id, title=title, starts_at=starts_at, place=place, agenda=agenda.strip()
    )
    session.add(meeting)
    session.flush()
    journal(
        session,
        actor,
        "meeting_planned",
        saisine,
        _("Séance « {title} » prévue le {when}, {place}.").format(
            title=title, when=format_datetime(starts_at), place=place
        ),
        payload={"meeting": meeting.id, "starts_at": starts_at.isoformat(), "place": place},
    )
    tell_panel(session, meeting, members(session, saisine))
    return meeting


def record_attendance(
    session: Session,
    actor: ActorRef,
    saisine: Saisine,
    meeting: Meeting,
    present_ids: Iterable[int],
    summary: str,
) -> tuple[int, int]:
    """Who came (the active members listed as present; the others absent) and the public minutes."""
    _require_panel(saisine)
    active = members(session, saisine)
    present = set(present_ids)
    known = {m.id for m in active}
    if not present <= known:
        raise Invalid(_("Cette liste contient une personne qui n'est pas membre du panel."))
    existing = {
        a.member_id: a
        for a in session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    }
    for member in active:
        row = existing.get(member.id) or Attendance(meeting_id=meeting.id, member_id=member.id)
        row.present = member.id in present
        session.add(row)
    meeting.summary = summary.strip()
    session.add(meeting)
    session.flush()
    count = len(present)
    journal(
        session,
        actor,
        "attendance_recorded",
        saisine,
        _("Présences de la séance « {title} » : {p} membres présents sur {n}.").format(
            title=meeting.title, p=count, n=len(active)
        ),
        payload={"meeting": meeting.id, "present": count, "absent": len(active) - count},
    )
    return count, len(active)


def attendance(session: Session, meeting: Meeting) -> dict[int, bool]:
    return {
        a.member_id: a.present
        for a in session.exec(select(Attendance).where(Attendance.meeting_id == meeting.id)).all()
    }


def attendance_counts(session: Session, saisine: Saisine) -> dict[int, tuple[int, int]]:
    """(present, recorded) per meeting, for the public page."""
    ids = [m.id for m in meetings(session, saisine)]
    rows = session.exec(select(Attendance).where(col(Attendance.meeting_id).in_(ids))).all()
    counts: dict[int, tuple[int, int]] = {}
    for row in rows:
        present, total = counts.get(row.meeting_id, (0, 0))
        counts[row.meeting_id] = (present + int(row.present), total + 1)
    return counts


# --- working groups ------------------------------------------------------------------------------


def groups(session: Session, saisine: Saisine) -> list[WorkingGroup]:
    return saisine_parts(session, WorkingGroup, saisine, col(WorkingGroup.id))


def get_group(session: Session, saisine: Saisine, group_id: int) -> WorkingGroup:
    return saisine_part(session, WorkingGroup, saisine, group_id, _("Ce groupe de travail n'existe pas."))


def create_group(
    session: Session, actor: ActorRef, saisine: Saisine, *, name: str, topic: str
) -> WorkingGroup:
    _require_panel(saisine)
    name = " ".join(name.split())[:120]
    if len(name) < 3:
        raise Invalid(_("Donnez un nom au groupe de travail."), field="name")
    group = WorkingGroup(saisine_id=saisine.id, name=name, topic=topic.strip())
    session.add(group)
    session.flush()
    journal(
        session,
        actor,
        "group_created",
        saisine,
        _("Groupe de travail « {name} » créé.").format(name=name),
        payload={"group": group.id, "name": name},
    )
    return group


def set_group_members(
    session: Session, saisine: Saisine, group: WorkingGroup, member_ids: Iterable[int]
) -> None:
    wanted = set(member_ids)
    active = {m.id for m in members(session, saisine)}
    if not wanted <= active:
        raise Invalid(_("Cette liste contient une personne qui n'est pas membre du panel."))
    session.exec(delete(GroupMember).where(col(GroupMember.group_id) == group.id))
    for member_id in sorted(wanted):
        session.add(GroupMember(group_id=group.id, member_id=member_id))
    session.flush()


def group_members(session: Session, saisine: Saisine) -> dict[int, list[int]]:
    ids = [g.id for g in groups(session, saisine)]
    result: dict[int, list[int]] = {gid: [] for gid in ids if gid is not None}
    for row in session.exec(select(GroupMember).where(col(GroupMember.group_id).in_(ids))).all():
        result[row.group_id].append(row.member_id)
    return result


def member_groups(session: Session, member: Member) -> list[int]:
    return list(session.exec(select(GroupMember.group_id).where(GroupMember.member_id == member.id)).all())


def active_member_for(session: Session, saisine: Saisine, user_id: int | None) -> Member | None:
    if user_id is None:
        return None
    return session.exec(
        select(Member).where(
            Member.saisine_id == saisine.id, Member.user_id == user_id, Member.status == MemberStatus.active
        )
    ).first()


# --- documents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def documents(session: Session, saisine: Saisine) -> list[Document]:
    return saisine_parts(session, Document, saisine, col(Document.id))


def get_document(session: Session, saisine: Saisine, document_id: int) -> Document:
    return saisine_part(session, Document, saisine, document_id, _("Ce document n'existe pas."))


def add_document(
    session: Session,
    actor: ActorRef,
    saisine: Saisine,
    *,
    title: str,
    url: str = "",
    upload: Upload | None = None,
    meeting: Meeting | None = None,
    upload_dir: Path | None = None,
) -> Document:
    """A link or an uploaded file (PDF, office document, image), for the saisine or one session."""
    title = " ".join(title.split())[:200]
    url = url.strip()
    if len(title) < 3:
        raise Invalid(_("Donnez un titre au document."), field="title")
    if upload is None and not url:
        raise Invalid(_("Ajoutez un fichier ou un lien."), field="file")
    document = Document(saisine_id=saisine.id, meeting_id=meeting.id if meeting else None, title=title)
    if upload is not None:
        suffix = Path(upload.filename).suffix.lower()
        if suffix not in ALLOWED_TYPES:
            raise Invalid(
                _("Ce type de fichier n'est pas accepté. Formats acceptés : {types}.").format(
                    types=", ".join(sorted(t.lstrip(".") for t in ALLOWED_TYPES))
                ),
                field="file",
            )
        if not upload.content:
            raise Invalid(_("Le fichier est vide."), field="file")
        if len(upload.content) > MAX_DOCUMENT_BYTES:
            raise Invalid(_("Le fichier dépasse 10 Mo."), field="file")
        if upload_dir is None:  # pragma: no cover - a caller bug, not a user error
            raise ValueError("an upload needs the upload directory")
        stored = f"{secrets.token_hex(16)}{suffix}"
        target = upload_dir / "assembly"
        target.mkdir(parents=True, exist_ok=True)
        (target / stored).write_bytes(upload.content)
        document.filename = re.sub(r"[^\w.\- ]", "_", Path(upload.filename).name)[:200]
        document.stored_name = stored
        document.content_type = ALLOWED_TYPES[suffix]
        document.size = len(upload.content)
    else:
        if not re.match(r"^https?://[^\s]+$", url):
            raise Invalid(_("Le lien doit commencer par https:// ou http://"), field="url")
        document.url = url[:500]
    session.add(document)
    session.flush()
    journal(
        session,
        actor,
        "document_added",
        saisine,
        _("Document ajouté : « {title} ».").format(title=title),
        payload={"document": document.id, "meeting": document.meeting_id, "title": title},
    )
    return document


def document_path(upload_dir: Path, document: Document) -> Path:
    if not document.stored_name:
        raise NotFound(_("Ce document est un lien, pas un fichier."))
    path = upload_dir / "assembly" / document.stored_name
    if not path.is_file():
        raise NotFound(_("Ce fichier n'est plus disponible."))
    return path
