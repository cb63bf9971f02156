"""Finding editions, their calendar and counts, and the guard on changing their rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from backend.budget import phases
from backend.budget.models import Edition, EditionPhase, PhaseKey, Proposal, ProposalStatus
from backend.budget.phases import Act
from backend.db import utcnow
from backend.errors import Conflict, NotFound
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, record

PROCESS = "bp"


def get_edition(session: Session, slug: str) -> Edition:
    edition = session.exec(select(Edition).where(Edition.slug == slug)).first()
    if edition is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    return edition


def public_edition(session: Session, slug: str) -> Edition:
    """The edition as the public sees it: one still in preparation does not exist yet."""
    edition = get_edition(session, slug)
    if edition.phase == PhaseKey.preparation:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    return edition


def journal_edition(
    session: Session, actor: ActorRef, edition: Edition, action: str, reason: str, payload: Mapping[str, Any]
) -> LedgerEntry:
    """Journal "bp.<action>" about the edition (its page lists its whole history)."""
    return record(
        session,
        actor=actor,
        action=f"{PROCESS}.{action}",
        process=PROCESS,
        object_type="bp_edition",
        object_id=edition.slug,
        reason=reason,
        payload=payload,
    )


def list_editions(session: Session, *, public_only: bool = True) -> list[Edition]:
    query = select(Edition).order_by(col(Edition.created_at).desc())
    if public_only:
        query = query.where(Edition.phase != PhaseKey.preparation)
    return list(session.exec(query).all())


def calendar(session: Session, edition: Edition) -> list[EditionPhase]:
    rows = session.exec(select(EditionPhase).where(EditionPhase.edition_id == edition.id)).all()
    return sorted(rows, key=lambda r: phases.ORDER.index(r.phase) if r.phase in phases.ORDER else 99)


def status_counts(session: Session, edition: Edition) -> dict[str, int]:
    """Proposals per status (drafts are private and not counted)."""
    rows = session.exec(
        select(Proposal.status, func.count(col(Proposal.id)))
        .where(Proposal.edition_id == edition.id, Proposal.status != ProposalStatus.draft)
        .group_by(Proposal.status)
    ).all()
    return dict(rows)


def participation_pending(session: Session, contest_period: timedelta) -> bool:
    """Is an edition open to residents, or are its results still within their contest period?
    While one is, identity-document hashes must stay (one document, one ballot)."""
    open_phases = [PhaseKey.depot, PhaseKey.instruction, PhaseKey.vote]
    if session.exec(select(Edition.id).where(col(Edition.phase).in_(open_phases))).first() is not None:
        return True
    recent = utcnow() - contest_period
    return (
        session.exec(
            select(Edition.id).where(
                col(Edition.phase).in_([PhaseKey.resultats, PhaseKey.realisation]),
                or_(col(Edition.phase_changed_at).is_(None), col(Edition.phase_changed_at) > recent),
            )
        ).first()
        is not None
    )


def require_configurable(edition: Edition) -> None:
    if not phases.allows(edition.phase, Act.configure, phases.ADMIN):
        raise Conflict(
            _("Pendant la phase « %(phase)s », les règles de l'édition ne changent plus.")
            % {"phase": phases.label(edition.phase)}
        )
