"""The budget participatif on a quartier's page: the editions covering the QPV, their vote and their
projects in this QPV (the `quartier_sections` hook of the process)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.budget import phases
from backend.budget.models import PUBLIC_STATUSES, Edition, PhaseKey, Proposal
from backend.budget.service.editions.common import calendar, list_editions
from backend.budget.service.editions.envelopes import qpv_in_edition
from backend.budget.views.common import paris_today, proposal_url
from backend.formatting import format_date
from backend.i18n import gettext as _
from backend.processes import Section, SectionItem
from backend.territory.models import Qpv
from backend.territory.service import qpv_refs

PROJECTS_SHOWN = 8
# What a resident can do now comes first: vote, then propose, then follow.
URGENCY = (PhaseKey.vote, PhaseKey.depot, PhaseKey.instruction, PhaseKey.resultats, PhaseKey.realisation)


def _vote_item(session: Session, edition: Edition) -> SectionItem:
    """Open now / opens on / closed, with where to go."""
    base = f"/budget-participatif/{edition.slug}"
    if edition.phase == PhaseKey.vote:
        return SectionItem(_("Le vote est ouvert. Votez !"), f"{base}/voter", status=_("Ouvert"))
    if phases.ORDER.index(edition.phase) > phases.ORDER.index(PhaseKey.vote):
        return SectionItem(
            _("Le vote est terminé. Voir les résultats."), f"{base}/resultats", status=_("Fermé")
        )
    starts = next((row.starts_on for row in calendar(session, edition) if row.phase == PhaseKey.vote), None)
    if starts is not None and starts >= paris_today():
        label = _("Le vote ouvre le {date}.").format(date=format_date(starts))
        return SectionItem(label, base, status=_("Bientôt"))
    return SectionItem(_("La date du vote n'est pas encore fixée."), base, status=_("Bientôt"))


def quartier_sections(session: Session, qpv: Qpv) -> list[Section]:
    """One section per public edition covering the QPV (being prepared ones are not public), with its
    vote and the QPV's projects."""
    ref = qpv_refs(session, [qpv.id]).get(qpv.id)
    if ref is None:
        return []
    sections = []
    editions = [e for e in list_editions(session) if qpv_in_edition(e, ref)]
    editions.sort(key=lambda e: URGENCY.index(PhaseKey(e.phase)) if e.phase in URGENCY else len(URGENCY))
    for edition in editions:
        projects = session.exec(
            select(Proposal)
            .where(
                Proposal.edition_id == edition.id,
                Proposal.qpv_id == qpv.id,
                col(Proposal.status).in_(PUBLIC_STATUSES),
                col(Proposal.hidden_at).is_(None),
            )
            .order_by(col(Proposal.published_at).desc())
            .limit(PROJECTS_SHOWN)
        ).all()
        items = [
            SectionItem(
                _("Voir le budget participatif"),
                f"/budget-participatif/{edition.slug}",
                status=phases.label(edition.phase),
            ),
            _vote_item(session, edition),
        ]
        if edition.phase == PhaseKey.depot:
            items.append(SectionItem(_("Proposer une idée"), f"/budget-participatif/{edition.slug}/proposer"))
        items += [SectionItem(p.title, proposal_url(edition, p)) for p in projects]
        if projects:
            items.append(
                SectionItem(
                    _("Tous les projets de ce quartier"),
                    f"/budget-participatif/{edition.slug}/propositions?quartier={qpv.code}",
                )
            )
        sections.append(Section(edition.name, tuple(items), kicker=_("Budget participatif")))
    return sections
