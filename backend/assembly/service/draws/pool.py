"""Freezing the pool: recruitment closes and the pseudonymised pool and quotas are published."""

from __future__ import annotations

import secrets
from typing import Any

from sqlmodel import Session, select

from backend.assembly import sortition
from backend.assembly.models import Draw, Invitation, Saisine, SaisineStatus
from backend.assembly.service.common import enter_phase, quota_categories
from backend.assembly.service.draws.feasibility import check_feasible, explain_problems, infeasible
from backend.assembly.service.draws.files import categories_csv, pool_csv, sha256
from backend.assembly.service.recruitment.volunteers import volunteers as registered_volunteers
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

ALGORITHM = "leximin"


def get_draw(session: Session, saisine: Saisine) -> Draw | None:
    return session.exec(select(Draw).where(Draw.saisine_id == saisine.id)).first()


def draw_facts(saisine: Saisine, draw: Draw) -> dict[str, Any]:
    """What pins the draw to come, journaled at each step before it: the algorithm, the panel size
    and the hashes of the frozen pool and quotas."""
    return {
        "algorithm": draw.algorithm,
        "panel_size": saisine.panel_size,
        "pool_file_sha256": draw.pool_file_sha256,
        "pool_sha256": draw.pool_sha256,
        "quotas_sha256": draw.quotas_sha256,
    }


def freeze_pool(session: Session, actor: ActorRef, saisine: Saisine) -> Draw:
    """Close recruitment and publish the pseudonymised pool and the quotas, with their hashes
    (journaled). Impossible quotas are refused here, naming the failing quota. The seed is fixed
    afterwards, in public: nobody can then change the pool to steer the outcome."""
    if saisine.status != SaisineStatus.recruiting or get_draw(session, saisine) is not None:
        raise Conflict(_("La liste des volontaires est déjà figée."))
    groups = quota_categories(session, saisine.id or 0)
    people = registered_volunteers(session, saisine)
    if not people:
        raise infeasible(explain_problems([sortition.QuotaProblem("", "")], groups, [], saisine.panel_size))
    # Row ids in a random order, so that they reveal nothing (not even the order of registration).
    shuffled = sorted(people, key=lambda _v: secrets.token_bytes(8))
    rows = [(str(number), volunteer) for number, volunteer in enumerate(shuffled, start=1)]
    categories_text = categories_csv(groups)
    pool_text = pool_csv(groups, rows)
    pool: list[sortition.Volunteer] = []
    try:
        quotas = sortition.parse_categories(categories_text, "quotas.csv")
        pool = sortition.parse_people(pool_text, quotas, "volontaires.csv")
        check_feasible(quotas, pool, saisine.panel_size)
    except sortition.InfeasibleQuotasError as exc:
        raise infeasible(explain_problems(exc.problems, groups, pool, saisine.panel_size)) from exc
    except sortition.PoolFormatError as exc:
        raise Invalid(_("Les quotas ne sont pas utilisables : {detail}").format(detail=exc)) from exc
    for pool_id, volunteer in rows:
        volunteer.pool_id = pool_id
        session.add(volunteer)
    draw = Draw(
        saisine_id=saisine.id,
        algorithm=ALGORITHM,
        pool_csv=pool_text,
        categories_csv=categories_text,
        pool_file_sha256=sha256(pool_text),
        categories_file_sha256=sha256(categories_text),
        pool_sha256=sortition.pool_hash(pool),
        quotas_sha256=sortition.quotas_hash(quotas, saisine.panel_size),
        volunteer_count=len(pool),
        pool_frozen_by=actor.id,
    )
    # Recruitment is over: the addresses of the letters are no longer needed.
    for invitation in session.exec(select(Invitation).where(Invitation.saisine_id == saisine.id)).all():
        invitation.address = None
        invitation.recipient = None
        session.add(invitation)
    reason = _(
        "Inscriptions closes. Liste des volontaires figée et publiée sans les noms : {v} volontaires "
        "(empreinte du fichier {h}). La graine du tirage sera fixée en public."
    ).format(v=len(pool), h=draw.pool_file_sha256[:12])
    payload = {
        **draw_facts(saisine, draw),
        "volunteers": len(pool),
        "households": len({v.household for v in pool}),
        "categories_file_sha256": draw.categories_file_sha256,
    }
    enter_phase(session, actor, saisine, SaisineStatus.pool_frozen, "pool_frozen", reason, payload, (draw,))
    return draw
