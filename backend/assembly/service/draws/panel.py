"""Drawing the panel from the frozen public files and the published seed; the panel's members."""

from __future__ import annotations

from sqlmodel import Session, col, select

from backend.assembly import sortition
from backend.assembly.models import Draw, Member, MemberStatus, Saisine, SaisineStatus, Volunteer
from backend.assembly.service.common import enter_phase, quota_categories, saisine_part
from backend.assembly.service.draws.feasibility import explain_problems, infeasible
from backend.assembly.service.draws.files import parsed_pool
from backend.assembly.service.draws.pool import get_draw
from backend.db import utcnow
from backend.errors import Conflict, Unavailable
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


def run_draw(session: Session, actor: ActorRef, saisine: Saisine) -> Draw:
    """Draw the panel from the frozen public files and the published seed; creates the members."""
    draw = get_draw(session, saisine)
    if saisine.status != SaisineStatus.seed_fixed or draw is None or draw.seed is None:
        raise Conflict(_("Le tirage n'est possible qu'une fois, après avoir fixé la graine en public."))
    groups = quota_categories(session, saisine.id or 0)
    quotas, pool = parsed_pool(draw)
    try:
        result = sortition.draw(quotas, pool, saisine.panel_size, draw.seed, algorithm=draw.algorithm)
    except sortition.InfeasibleQuotasError as exc:
        raise infeasible(explain_problems(exc.problems, groups, pool, saisine.panel_size)) from exc
    except sortition.LegacyUnavailableError as exc:
        # Draws frozen here are LEXIMIN; a LEGACY one (set up by hand) needs the optional package.
        raise Unavailable(
            _(
                "Ce tirage utilise l'algorithme LEGACY, qui n'est pas installé sur ce serveur. "
                "Demandez à l'équipe technique d'installer l'option « legacy », puis relancez le tirage."
            )
        ) from exc
    if result.pool_sha256 != draw.pool_sha256:  # pragma: no cover - the frozen file was altered
        raise Conflict(_("Le fichier des volontaires ne correspond plus à son empreinte publiée."))
    draw.panel = list(result.panel)
    draw.reserve = list(result.reserve)
    draw.probabilities = {pid: round(p, 9) for pid, p in result.probabilities.items()}
    draw.minimum_probability = result.minimum_probability
    draw.probability_method = result.probability_method[:300]
    draw.drawn_at = utcnow()
    draw.drawn_by = actor.id
    by_pool = {
        v.pool_id: v for v in session.exec(select(Volunteer).where(Volunteer.saisine_id == saisine.id)).all()
    }
    for pid in result.panel:
        volunteer = by_pool[pid]
        session.add(
            Member(saisine_id=saisine.id, volunteer_id=volunteer.id, user_id=volunteer.user_id, pool_id=pid)
        )
    reason = _(
        "Tirage au sort fait : {n} membres tirés parmi {v} volontaires, en respectant les quotas. "
        "Plus petite chance d'être tiré·e : {p} %."
    ).format(n=len(result.panel), v=len(pool), p=f"{result.minimum_probability * 100:.1f}".replace(".", ","))
    payload = {
        "seed": draw.seed,
        "pool_sha256": draw.pool_sha256,
        "algorithm": draw.algorithm,
        "panel": list(result.panel),
        "reserve": list(result.reserve),
        "minimum_probability": result.minimum_probability,
        "probability_method": result.probability_method,
    }
    enter_phase(session, actor, saisine, SaisineStatus.drawn, "draw_done", reason, payload, (draw,))
    return draw


def members(session: Session, saisine: Saisine, *, active_only: bool = True) -> list[Member]:
    query = select(Member).where(Member.saisine_id == saisine.id)
    if active_only:
        query = query.where(Member.status == MemberStatus.active)
    return list(session.exec(query.order_by(col(Member.id))).all())


def get_member(session: Session, saisine: Saisine, member_id: int) -> Member:
    return saisine_part(session, Member, saisine, member_id, _("Ce membre n'existe pas."))
