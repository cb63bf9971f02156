"""The decisions to follow: winning projects of the budget participatif and granted FPH
projects, each with its follow-up (realisation) when one is open."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from backend.budget.models import Edition, Proposal
from backend.errors import NotFound
from backend.fph.models import GRANTED, Application
from backend.i18n import gettext as _
from backend.results import queries
from backend.results.models import Realisation, Source


@dataclass
class Followable:
    """A decision to follow: a winning BP project or a granted FPH project, and its follow-up."""

    source: str
    source_id: int
    title: str
    qpv_id: int | None
    qpv_code: str | None
    qpv_name: str | None
    amount: float | None  # euros
    origin: str  # edition or fund name
    origin_url: str
    edition_id: int | None
    realisation: Realisation | None = None

    @property
    def key(self) -> str:
        return f"{self.source}-{self.source_id}"


def followables(session: Session, qpv_ids: list[int] | None = None) -> list[Followable]:
    """Every winning BP project and granted FPH project (in these QPV), with its follow-up if any."""
    qpvs = {q.id: q for q in queries.qpv_rows(session)}
    items: list[Followable] = []

    def add(source: str, source_id: int | None, title: str, qpv_id: int | None, amount: float | None,
            origin: str, origin_url: str, edition_id: int | None = None) -> None:  # fmt: skip
        q = qpvs.get(qpv_id or 0)
        code, name = (q.code, q.name) if q else (None, None)
        item = Followable(
            source, source_id or 0, title, qpv_id, code, name, amount, origin, origin_url, edition_id
        )
        items.append(item)

    editions = {e.id: e for e in session.scalars(select(Edition))}
    for proposal, _result in queries.winners(session):
        if qpv_ids is not None and proposal.qpv_id not in qpv_ids:
            continue
        edition = editions[proposal.edition_id]
        url = f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"
        add(Source.bp, proposal.id, proposal.title, proposal.qpv_id, proposal.vote_cost, edition.name, url,
            edition.id)  # fmt: skip
    for application, fund in queries.granted_applications(session, qpv_ids):
        amount = (application.granted_cents or 0) / 100
        add(Source.fph, application.id, application.title, application.qpv_id, amount, fund.name,
            f"/fph/fonds/{fund.id}")  # fmt: skip
    existing = {(r.source, r.source_id): r for r in session.scalars(select(Realisation))}
    for item in items:
        item.realisation = existing.get((item.source, item.source_id))
    return items


def followable(session: Session, source: str, source_id: int) -> Followable:
    """The decision behind (source, id); NotFound unless it is a winner or a grant."""
    if source == Source.bp:
        proposal = session.get(Proposal, source_id)
        if proposal is not None and any(
            p.id == source_id for p, _r in queries.winners(session, proposal.edition_id)
        ):
            return _one(session, proposal.qpv_id, source, source_id)
    elif source == Source.fph:
        application = session.get(Application, source_id)
        if application is not None and application.status in GRANTED:
            return _one(session, application.qpv_id, source, source_id)
    raise NotFound(_("Ce projet n'a pas été choisi par un vote ni financé : il n'a pas de suivi."))


def _one(session: Session, qpv_id: int | None, source: str, source_id: int) -> Followable:
    for item in followables(session, [qpv_id] if qpv_id else None):
        if item.source == source and item.source_id == source_id:
            return item
    raise NotFound(_("Ce projet n'a pas de suivi."))


def describe(session: Session, realisation: Realisation) -> Followable:
    return _one(session, realisation.qpv_id, realisation.source, realisation.source_id)
