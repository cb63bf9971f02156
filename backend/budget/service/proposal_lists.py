"""Proposals as the public and their authors list them: search with filters, one's own proposals,
a proposal's authors, history and merged sources, and the projects on the ballot."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget.models import (
    ELIGIBLE_STATUSES,
    PUBLIC_STATUSES,
    Edition,
    Envelope,
    Proposal,
    ProposalCoauthor,
    ProposalStatus,
)
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import entries_for
from backend.territory.models import Qpv

OBJECT = "bp_proposal"


@dataclass(frozen=True)
class Filters:
    q: str = ""
    quartier: str = ""
    theme: str = ""
    statut: str = ""
    page: int = 1


PAGE_SIZE = 20


def search(session: Session, edition: Edition, f: Filters) -> tuple[list[Proposal], int]:
    """Public proposals (not hidden), newest first, with text search and filters."""
    query = select(Proposal).where(
        Proposal.edition_id == edition.id,
        col(Proposal.status).in_(PUBLIC_STATUSES),
        col(Proposal.hidden_at).is_(None),
    )
    if f.statut == "recevable":
        query = query.where(col(Proposal.status).in_(ELIGIBLE_STATUSES))
    elif f.statut in set(ProposalStatus):
        query = query.where(Proposal.status == f.statut)
    if f.theme:
        query = query.where(Proposal.theme == f.theme)
    if f.quartier:
        query = query.join(Qpv, col(Qpv.id) == Proposal.qpv_id).where(Qpv.code == f.quartier)
    words = f.q.strip().lower().split()[:6]
    for word in words:
        like = "%" + word.replace("\\", "").replace("%", "").replace("_", "") + "%"
        query = query.where(
            or_(func.lower(Proposal.title).like(like), func.lower(Proposal.description).like(like))
        )
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(Proposal.published_at).desc(), col(Proposal.id).desc())
        .offset((max(1, f.page) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    return list(rows), int(total)


def my_proposals(session: Session, user: User) -> list[Proposal]:
    coauthored = select(ProposalCoauthor.proposal_id).where(ProposalCoauthor.user_id == user.id)
    return list(
        session.exec(
            select(Proposal)
            .where(or_(col(Proposal.author_id) == user.id, col(Proposal.id).in_(coauthored)))
            .order_by(col(Proposal.updated_at).desc())
        ).all()
    )


def author_names(session: Session, proposal: Proposal) -> list[str]:
    """How the authors appear publicly: display names, or the name given in person."""
    names = []
    if proposal.author_id:
        author = session.get(User, proposal.author_id)
        if author is not None and not author.is_deleted:
            names.append(author.display_name)
    elif proposal.author_label:
        names.append(proposal.author_label)
    coauthors = session.exec(
        select(User)
        .join(ProposalCoauthor, col(ProposalCoauthor.user_id) == User.id)
        .where(ProposalCoauthor.proposal_id == proposal.id)
    ).all()
    names += [u.display_name for u in coauthors if not u.is_deleted and u.display_name not in names]
    return names or [_("Personne anonyme")]


def history(session: Session, proposal: Proposal) -> list[LedgerEntry]:
    return entries_for(session, OBJECT, proposal.id)


def merged_sources(session: Session, proposal: Proposal) -> list[Proposal]:
    return list(
        session.exec(
            select(Proposal).where(Proposal.merged_into_id == proposal.id).order_by(col(Proposal.id))
        ).all()
    )


def ballot_projects(session: Session, edition: Edition) -> dict[int, list[Proposal]]:
    """The projects on the ballot, by envelope id: recevable and not hidden. Their cost for
    the vote is `Proposal.vote_cost` (the services' estimate)."""
    rows = session.exec(
        select(Proposal)
        .where(
            Proposal.edition_id == edition.id,
            col(Proposal.status).in_(ELIGIBLE_STATUSES),
            col(Proposal.hidden_at).is_(None),
        )
        .order_by(col(Proposal.id))
    ).all()
    found: dict[int, list[Proposal]] = {}
    for proposal in rows:
        if proposal.envelope_id is not None:
            found.setdefault(proposal.envelope_id, []).append(proposal)
    return found


def envelope_of(session: Session, proposal: Proposal) -> Envelope | None:
    return session.get(Envelope, proposal.envelope_id) if proposal.envelope_id else None
