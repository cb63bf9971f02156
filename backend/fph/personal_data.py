"""What the FPH holds about a person, for the RGPD export and for account deletion."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.db import utcnow
from backend.export_rows import export_row
from backend.fph.models import Applicant, Application, ApplicationStatus, Attachment, BudgetLine, Member, Vote

# Export name → attribute, for a committee membership and for a vote.
MEMBER_FIELDS = {
    "fonds": "fund_id",
    "type": "kind",
    "vote": "voting",
    "depuis": "added_at",
    "jusqu_au": "ended_at",
}
VOTE_FIELDS = {"point": "item_id", "choix": "choice", "le": "recorded_at"}


def export(session: Session, user: User) -> dict[str, Any]:
    rows = session.exec(
        select(Application, Applicant.is_lead)
        .join(Applicant, col(Applicant.application_id) == Application.id)
        .where(Applicant.user_id == user.id)
        .order_by(col(Application.id))
    ).all()
    members = session.exec(select(Member).where(Member.user_id == user.id)).all()
    member_ids = [m.id for m in members]
    votes = session.exec(select(Vote).where(col(Vote.member_id).in_(member_ids))).all() if member_ids else []
    return {
        "demandes": [
            {
                "reference": a.reference,
                "titre": a.title,
                "statut": a.status,
                "porteur_principal": lead,
                "montant_demande_centimes": a.amount_asked_cents,
                "montant_accorde_centimes": a.granted_cents,
                "creee_le": a.created_at.isoformat(),
            }
            for a, lead in rows
        ],
        "comites": [export_row(m, MEMBER_FIELDS) for m in members],
        "votes": [export_row(v, VOTE_FIELDS) for v in votes],
    }


def delete_for(session: Session, user: User) -> None:
    """Drafts only the person led are deleted (never seen by anybody else); submitted applications
    stay, as the fund's accounts need them, but only point to the pseudonymous deleted account.
    Committee memberships end."""
    drafts = session.exec(
        select(Application.id)
        .join(Applicant, col(Applicant.application_id) == Application.id)
        .where(
            Applicant.user_id == user.id,
            col(Applicant.is_lead),
            Application.status == ApplicationStatus.draft,
        )
    ).all()
    if drafts:
        for table in (Applicant, BudgetLine, Attachment):
            session.exec(delete(table).where(col(table.application_id).in_(drafts)))
        session.exec(delete(Application).where(col(Application.id).in_(drafts)))
    for member in session.exec(
        select(Member).where(Member.user_id == user.id, col(Member.ended_at).is_(None))
    ).all():
        member.ended_at = utcnow()
        session.add(member)
    session.flush()
