"""The citizens' assembly on a quartier's page: the saisines of the QPV's commune, the open calls
for volunteers and the next sessions (the `quartier_sections` hook of the process)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, col, select

from backend.assembly import labels
from backend.assembly.models import Meeting, Saisine, SaisineStatus
from backend.assembly.service.recruitment import registration_open
from backend.formatting import format_date
from backend.i18n import gettext as _
from backend.processes import Section, SectionItem
from backend.territory.models import Qpv

SAISINES_SHOWN = 5


def quartier_sections(session: Session, qpv: Qpv) -> list[Section]:
    """The latest saisines covering the QPV's commune(s), each with its call or its next sessions."""
    saisines = session.exec(
        select(Saisine)
        .where(col(Saisine.commune_insee).in_(qpv.commune_codes))
        .order_by(col(Saisine.created_at).desc())
        .limit(SAISINES_SHOWN)
    ).all()
    if not saisines:
        return []
    now = datetime.now(UTC)
    status_labels = labels.status()
    items: list[SectionItem] = []
    for saisine in saisines:
        base = f"/assemblee/{saisine.id}"
        items.append(
            SectionItem(saisine.title, base, status=status_labels.get(saisine.status, saisine.status))
        )
        if registration_open(saisine):
            label = _("Devenez volontaire")
            if saisine.registration_deadline:
                label = _("Devenez volontaire, jusqu'au {date}.").format(
                    date=format_date(saisine.registration_deadline)
                )
            items.append(SectionItem(label, f"{base}/participer", status=_("Ouvert")))
        elif saisine.status == SaisineStatus.avis_published:
            items.append(SectionItem(_("Lire l'avis de l'assemblée"), f"{base}/avis"))
        meetings = session.exec(
            select(Meeting)
            .where(Meeting.saisine_id == saisine.id, col(Meeting.starts_at) >= now)
            .order_by(col(Meeting.starts_at))
        ).all()
        items += [
            SectionItem(m.title, f"{base}/seances/{m.id}", when=m.starts_at, place=m.place) for m in meetings
        ]
    return [Section(_("Assemblée citoyenne des quartiers"), tuple(items))]
