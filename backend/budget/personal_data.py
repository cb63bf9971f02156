"""What the budget participatif holds about a person: export, and erasure on account deletion
(proposals stay, as public contributions, but no longer lead to their author)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget.models import Edition, Proposal, ProposalCoauthor, ProposalReport, ProposalStatus


def export(session: Session, user: User) -> dict[str, Any]:
    own = session.exec(select(Proposal).where(Proposal.author_id == user.id).order_by(col(Proposal.id))).all()
    names = {e.id: e.name for e in session.exec(select(Edition)).all()}
    coauthored = session.exec(
        select(ProposalCoauthor.proposal_id).where(ProposalCoauthor.user_id == user.id)
    ).all()
    reports = session.exec(select(ProposalReport).where(ProposalReport.user_id == user.id)).all()
    return {
        "propositions": [
            {
                "numero": p.id,
                "edition": names.get(p.edition_id),
                "titre": p.title,
                "description": p.description,
                "lieu": p.location_text,
                "coordonnees": [p.location_lat, p.location_lon] if p.location_lat is not None else None,
                "cout_estime": p.estimated_cost,
                "statut": p.status,
                "photo": bool(p.photo),
                "creee_le": p.created_at.isoformat(),
            }
            for p in own
        ],
        "coautrice_ou_coauteur_de": list(coauthored),
        "signalements": [
            {"proposition": r.proposal_id, "motif": r.reason, "le": r.at.isoformat()} for r in reports
        ],
    }


def erase(session: Session, user: User) -> None:
    """Drafts (never public) are deleted; sent proposals are kept without their author."""
    for proposal in session.exec(select(Proposal).where(Proposal.author_id == user.id)).all():
        if proposal.status == ProposalStatus.draft:
            session.delete(proposal)
            continue
        proposal.author_id = None
        proposal.author_label = None
        session.add(proposal)
    for link in session.exec(select(ProposalCoauthor).where(ProposalCoauthor.user_id == user.id)).all():
        session.delete(link)
    for report in session.exec(select(ProposalReport).where(ProposalReport.user_id == user.id)).all():
        report.user_id = None
        session.add(report)
    session.flush()
