"""Replacing a member who withdraws by the first reserve who keeps every quota."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend.assembly import sortition
from backend.assembly.models import Member, MemberStatus, Saisine, SaisineStatus, Volunteer, VolunteerStatus
from backend.assembly.service.common import journal, quota_categories
from backend.assembly.service.draws.feasibility import explain_problems
from backend.assembly.service.draws.files import parsed_pool
from backend.assembly.service.draws.panel import members
from backend.assembly.service.draws.pool import get_draw
from backend.db import utcnow
from backend.errors import Conflict
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


@dataclass(frozen=True)
class ReplacementOutcome:
    withdrawn: Member
    replacement: Member | None
    quotas_met: bool
    problems: list[str]


def replace_member(session: Session, actor: ActorRef, saisine: Saisine, member: Member) -> ReplacementOutcome:
    """A member withdraws: the first reserve who keeps every quota takes the seat (journaled)."""
    draw = get_draw(session, saisine)
    if draw is None or draw.drawn_at is None or saisine.status not in (SaisineStatus.drawn,):
        raise Conflict(_("Les remplacements se font pendant les travaux de l'assemblée."))
    if member.status != MemberStatus.active:
        raise Conflict(_("Ce membre a déjà quitté le panel."))
    quotas, pool = parsed_pool(draw)
    by_pool = {
        v.pool_id: v for v in session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).all()
    }
    seated = {m.pool_id for m in members(session, saisine, active_only=False)}
    # Reserves who left the pool or whose data was erased cannot be called any more.
    available = [
        pid
        for pid in draw.reserve
        if pid in by_pool
        and by_pool[pid].status == VolunteerStatus.registered
        and by_pool[pid].erased_at is None
        and pid not in seated
    ]
    panel = [m.pool_id for m in members(session, saisine)]
    outcome = sortition.replace(panel, member.pool_id, available, quotas, pool)
    member.status = MemberStatus.withdrawn
    member.withdrawn_at = utcnow()
    session.add(member)
    newcomer: Member | None = None
    if outcome.replacement is not None:
        volunteer = by_pool[outcome.replacement]
        newcomer = Member(
            saisine_id=saisine.id,
            volunteer_id=volunteer.id,
            user_id=volunteer.user_id,
            pool_id=outcome.replacement,
            source="replacement",
            replaces_id=member.id,
        )
        session.add(newcomer)
    # The newcomer and anyone of their household leave the reserve.
    gone = set(available) - set(outcome.reserve)
    draw.reserve = [pid for pid in draw.reserve if pid not in gone]
    session.add(draw)
    session.flush()
    groups = quota_categories(session, saisine.id or 0)
    lines = explain_problems([p for p in outcome.problems if p.quota], groups, pool, saisine.panel_size)
    if outcome.replacement is None:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; aucune personne de la liste de réserve ne peut le remplacer."
        )
    elif outcome.quotas_met:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; remplacé·e par la personne n° {new} de la liste de réserve, quotas respectés."
        )
    else:
        reason = _(
            "Un membre (n° {old}) quitte le panel ; remplacé·e par la personne n° {new} de la liste de réserve, qui respecte le mieux les quotas."
        )
    journal(
        session,
        actor,
        "member_replaced",
        saisine,
        reason.format(old=member.pool_id, new=outcome.replacement),
        payload={
            "withdrawn": member.pool_id,
            "replacement": outcome.replacement,
            "quotas_met": outcome.quotas_met,
            "problems": [p.quota for p in outcome.problems],
        },
    )
    return ReplacementOutcome(member, newcomer, outcome.quotas_met, lines)
