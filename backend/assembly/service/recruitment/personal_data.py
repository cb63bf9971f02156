"""Volunteers' personal data: erased at the end of retention, exported and erased on request."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.assembly.models import Member, Saisine, Volunteer, VolunteerStatus
from backend.db import utcnow


def erase_volunteer(session: Session, volunteer: Volunteer) -> None:
    """Erase name, contact, address and answers. The pseudonymous row of the frozen public pool file
    (characteristics and hashed household only) stays, so the draw can still be checked."""
    volunteer.name = ""
    volunteer.phone = None
    volunteer.email = None
    volunteer.address = ""
    volunteer.needs = ""
    volunteer.household_size = None
    volunteer.characteristics = {}
    volunteer.erased_at = utcnow()
    if volunteer.pool_id is None:
        volunteer.status = VolunteerStatus.withdrawn
    session.add(volunteer)


def erase_expired(session: Session, today: date | None = None) -> int:
    """Erase the volunteers whose retention date has passed; returns how many."""
    today = today or date.today()
    expired = session.exec(
        select(Volunteer).where(col(Volunteer.retention_until) < today, col(Volunteer.erased_at).is_(None))
    ).all()
    for volunteer in expired:
        erase_volunteer(session, volunteer)
    session.flush()
    return len(expired)


def export_for_user(session: Session, user: User) -> list[dict[str, Any]]:
    """What the assembly holds about this account (RGPD right of access)."""
    rows = session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).all()
    data = []
    for v in rows:
        saisine = session.get(Saisine, v.saisine_id)
        member = session.exec(select(Member).where(Member.volunteer_id == v.id)).first()
        data.append(
            {
                "saisine": saisine.title if saisine else v.saisine_id,
                "nom": v.name,
                "telephone": v.phone,
                "email": v.email,
                "adresse": v.address,
                "personnes_du_foyer": v.household_size,
                "caracteristiques": v.characteristics,
                "besoins": v.needs,
                "consentement_le": v.consent_at.isoformat(),
                "conservation_jusqu_au": v.retention_until.isoformat(),
                "identifiant_dans_le_fichier_public": v.pool_id,
                "membre_du_panel": member is not None and member.status == "active",
            }
        )
    return data


def erase_for_user(session: Session, user: User) -> None:
    for volunteer in session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).all():
        erase_volunteer(session, volunteer)
    session.flush()
