"""Shared helpers: loading a saisine, its territory, its quotas, and journaling under "assembly"."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from backend.assembly.models import QuotaCategory, QuotaFeature, Saisine, SaisineStatus
from backend.db import get_or_not_found
from backend.errors import Conflict, DomainError, NotFound, Problems
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, entries_for, record
from backend.territory.models import Commune, Qpv, QpvRef
from backend.territory.service import qpv_refs

PROCESS_KEY = "assembly"
T = TypeVar("T")


class _OfSaisine(Protocol):
    saisine_id: int


Part = TypeVar("Part", bound=_OfSaisine)


def errors_of(exc: DomainError) -> list[DomainError]:
    """The problems to list on a form: each of a Problems, or the one error."""
    return exc.errors if isinstance(exc, Problems) else [exc]


def get_saisine(session: Session, saisine_id: int) -> Saisine:
    return get_or_not_found(session, Saisine, saisine_id, _("Cette saisine n'existe pas."))


def saisine_part(session: Session, model: type[Part], saisine: Saisine, part_id: int, missing: str) -> Part:
    """Row ``part_id`` of ``model`` if it belongs to this saisine; NotFound(``missing``) otherwise."""
    part = session.get(model, part_id)
    if part is None or part.saisine_id != saisine.id:
        raise NotFound(missing)
    return part


def saisine_parts(session: Session, model: type[Part], saisine: Saisine, order_by: Any) -> list[Part]:
    """Every row of ``model`` belonging to this saisine, in ``order_by`` order."""
    return list(
        session.exec(select(model).where(col(model.saisine_id) == saisine.id).order_by(order_by)).all()
    )


def list_saisines(session: Session) -> list[Saisine]:
    return list(session.exec(select(Saisine).order_by(col(Saisine.created_at).desc())).all())


def commune_of(session: Session, insee: str) -> Commune:
    commune = session.exec(select(Commune).where(Commune.insee == insee)).first()
    if commune is None:
        raise NotFound(_("Cette commune n'existe pas."))
    return commune


def territory_qpvs(session: Session, commune_insee: str) -> list[Qpv]:
    """Every QPV of the saisine's commune (a QPV may span several communes)."""
    rows = session.exec(select(Qpv).where(col(Qpv.communes).contains(commune_insee)).order_by(Qpv.name)).all()
    return [q for q in rows if commune_insee in q.commune_codes]


def territory_refs(session: Session, commune_insee: str) -> list[QpvRef]:
    return [ref for ref in qpv_refs(session).values() if commune_insee in ref.commune_insee]


@dataclass(frozen=True)
class CategoryQuotas:
    category: QuotaCategory
    features: list[QuotaFeature]


def quota_categories(session: Session, saisine_id: int) -> list[CategoryQuotas]:
    """The saisine's categories in order, each with its features (and their bounds) in order."""
    categories = session.exec(
        select(QuotaCategory)
        .where(QuotaCategory.saisine_id == saisine_id)
        .order_by(col(QuotaCategory.position))
    ).all()
    ids = [c.id for c in categories]
    features = session.exec(
        select(QuotaFeature)
        .where(col(QuotaFeature.category_id).in_(ids))
        .order_by(col(QuotaFeature.position))
    ).all()
    by_category: dict[int, list[QuotaFeature]] = {}
    for feature in features:
        by_category.setdefault(feature.category_id, []).append(feature)
    return [CategoryQuotas(c, by_category.get(c.id or 0, [])) for c in categories]


def journal(
    session: Session,
    actor: ActorRef,
    action: str,
    saisine: Saisine,
    reason: str,
    payload: Mapping[str, Any] | None = None,
) -> LedgerEntry:
    """Journal an assembly decision as "assembly.<action>" on the saisine (the part concerned,
    e.g. a recommendation's number, goes in the payload), so that its page lists its whole history."""
    return record(
        session,
        actor=actor,
        action=f"{PROCESS_KEY}.{action}",
        process=PROCESS_KEY,
        object_type="saisine",
        object_id=saisine.id or 0,
        reason=reason,
        payload=payload,
    )


def enter_phase(
    session: Session,
    actor: ActorRef,
    saisine: Saisine,
    phase: SaisineStatus,
    action: str,
    reason: str,
    payload: Mapping[str, Any],
    rows: Sequence[SQLModel] = (),
) -> None:
    """Move the saisine to its next phase, saving the rows that record the step, and journal it."""
    saisine.status = phase
    session.add_all([*rows, saisine])
    session.flush()
    journal(session, actor, action, saisine, reason, payload)


def add_once(session: Session, row: SQLModel, refusal: str) -> None:
    """Insert ``row``; when a unique constraint says it is already there (a double click, two people
    at the same moment), the conflict ``refusal`` instead, the rest of the transaction unharmed."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(refusal) from exc


def saisine_journal(session: Session, saisine_id: int) -> list[LedgerEntry]:
    """Every journal entry about this saisine, oldest first."""
    return entries_for(session, "saisine", saisine_id)
