"""The FPH on a quartier's page: this year's fund of the QPV, how to ask for money, who to contact,
and the next committee meetings (the `quartier_sections` hook of the process)."""

from __future__ import annotations

from sqlmodel import Session

from backend.formatting import format_money
from backend.fph.service.common import paris_today
from backend.fph.service.funds import funds_of_qpv, upcoming_meetings
from backend.i18n import gettext as _
from backend.processes import Section, SectionItem
from backend.territory.models import Qpv


def quartier_sections(session: Session, qpv: Qpv) -> list[Section]:
    """One section per fund of the QPV for this year or later."""
    today = paris_today()
    sections = []
    for fund in funds_of_qpv(session, qpv.id):
        if fund.year < today.year:
            continue
        items = [
            SectionItem(fund.name, f"/fph/fonds/{fund.id}"),
            SectionItem(
                _("Demander de l'argent pour un projet"),
                f"/fph/fonds/{fund.id}/demander",
                status=_("Il reste {amount}").format(amount=format_money(max(fund.balance_cents, 0))),
            ),
        ]
        contact = fund.association_name
        if fund.association_contact:
            contact = f"{contact} — {fund.association_contact}"
        items.append(SectionItem(_("Contact : {contact}").format(contact=contact)))
        items += [
            SectionItem(_("Comité d'attribution"), when=m.starts, place=m.place)
            for m in upcoming_meetings(session, fund.id, today)
        ]
        sections.append(Section(_("Fonds de participation des habitants (FPH)"), tuple(items)))
    return sections
