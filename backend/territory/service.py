"""Territory queries, the residence check and secteur configuration."""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from backend.errors import Invalid, NotFound
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef, record
from backend.territory.geo import QpvLocator, parse_geometry
from backend.territory.geocoder import BanGeocoder, GeocodeStatus
from backend.territory.models import Commune, Metropole, Qpv, QpvRef, Secteur


def get_qpv(session: Session, code: str) -> Qpv:
    qpv = session.exec(select(Qpv).where(Qpv.code == code)).first()
    if qpv is None:
        raise NotFound(_("Ce quartier n'existe pas."))
    return qpv


def list_qpv(session: Session, commune_insee: str | None = None) -> list[Qpv]:
    query = select(Qpv).order_by(Qpv.name)
    if commune_insee:
        query = query.where(col(Qpv.communes).contains(commune_insee))
    return list(session.exec(query).all())


# The commune the public pages show first (the platform's demo is Marseille's); the other
# communes are one choice away on /quartiers.
DEFAULT_COMMUNE = "13055"


@dataclass(frozen=True)
class QpvScope:
    """The QPV of a scope (one commune, or every commune) and what names the scope in words."""

    qpvs: list[Qpv]
    commune: Commune | None  # None: every commune of the platform
    commune_count: int

    @property
    def count(self) -> int:
        return len(self.qpvs)

    @property
    def population(self) -> int:
        return sum(q.population or 0 for q in self.qpvs)


def territory_quartiers(session: Session, commune_insee: str | None = DEFAULT_COMMUNE) -> QpvScope:
    """The territory's QPV and population, for one commune (default: :data:`DEFAULT_COMMUNE`) or,
    with no commune or one without QPV, for every commune. Every page giving these figures uses it."""
    commune = None
    if commune_insee:
        commune = session.exec(select(Commune).where(Commune.insee == commune_insee)).first()
    qpvs = list_qpv(session, commune.insee) if commune is not None else []
    if not qpvs:
        commune, qpvs = None, list_qpv(session)
    return QpvScope(qpvs=qpvs, commune=commune, commune_count=len({q.commune_id for q in qpvs}))


def qpvs_by_commune(session: Session) -> list[tuple[str, list[Qpv]]]:
    """Every QPV under its (main) commune's name, communes and QPV in alphabetical order."""
    communes = communes_by_id(session)
    groups: dict[str, list[Qpv]] = {}
    for q in list_qpv(session):
        groups.setdefault(communes[q.commune_id].name, []).append(q)
    return sorted(groups.items(), key=lambda item: unicodedata.normalize("NFKD", item[0].casefold()))


def qpv_ref(session: Session, qpv_id: int) -> QpvRef:
    """What scoping needs to know about a QPV (its secteur, communes, métropole)."""
    refs = qpv_refs(session, [qpv_id])
    if not refs:
        raise NotFound(_("Ce quartier n'existe pas."))
    return refs[qpv_id]


def qpv_refs(session: Session, qpv_ids: list[int] | None = None) -> dict[int, QpvRef]:
    """QpvRef by id, for the given QPV (or all), in one query."""
    # More columns than sqlmodel's typed select() overloads: use SQLAlchemy's.
    query = (
        sa_select(Qpv.id, Qpv.code, Qpv.name, Secteur.slug, Qpv.communes, Metropole.code)  # type: ignore[call-overload]
        .join(Commune, col(Commune.id) == Qpv.commune_id)
        .join(Secteur, col(Secteur.id) == Qpv.secteur_id, isouter=True)
        .join(Metropole, col(Metropole.id) == Commune.metropole_id, isouter=True)
    )
    if qpv_ids is not None:
        query = query.where(col(Qpv.id).in_(qpv_ids))
    return {
        row[0]: QpvRef(
            id=row[0],
            code=row[1],
            name=row[2],
            secteur_slug=row[3],
            commune_insee=[c for c in row[4].split(",") if c],
            metropole_code=row[5],
        )
        for row in session.execute(query).all()
    }


def secteurs(session: Session, commune_insee: str | None = None) -> list[Secteur]:
    query = select(Secteur).order_by(Secteur.name)
    if commune_insee:
        query = query.join(Commune, col(Commune.id) == Secteur.commune_id).where(
            Commune.insee == commune_insee
        )
    return list(session.exec(query).all())


def secteur_by_id(session: Session) -> dict[int, Secteur]:
    return {s.id: s for s in session.exec(select(Secteur)).all() if s.id is not None}


def communes_by_id(session: Session) -> dict[int, Commune]:
    return {c.id: c for c in session.exec(select(Commune)).all() if c.id is not None}


def metropoles(session: Session) -> list[Metropole]:
    return list(session.exec(select(Metropole)).all())


def assign_secteur(session: Session, qpv: Qpv, secteur: Secteur | None, actor: ActorRef) -> None:
    """Move a QPV to another secteur (configuration), journaled."""
    if secteur is not None and secteur.commune_id != qpv.commune_id:
        raise Invalid(_("Ce secteur n'appartient pas à la commune du quartier."))
    before = qpv.secteur_id
    qpv.secteur_id = secteur.id if secteur else None
    session.add(qpv)
    session.flush()
    record(
        session,
        actor=actor,
        action="territory.secteur_assigned",
        process="territory",
        object_type="qpv",
        object_id=qpv.code,
        territory=qpv.code,
        reason=f"Le quartier {qpv.name} est rattaché au secteur {secteur.name if secteur else '(aucun)'}.",
        payload={"from_secteur_id": before, "to_secteur": secteur.slug if secteur else None},
    )


def create_secteur(session: Session, commune: Commune, name: str, actor: ActorRef) -> Secteur:
    """A new secteur in a commune (configuration), journaled."""
    import re
    import unicodedata

    name = " ".join(name.split())
    if not 2 <= len(name) <= 200:
        raise Invalid(_("Indiquez le nom du secteur (2 à 200 caractères)."), field="name")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "secteur"
    if session.exec(select(Secteur).where(Secteur.slug == slug)).first() is not None:
        raise Invalid(_("Un secteur porte déjà ce nom."), field="name")
    secteur = Secteur(slug=slug, name=name, commune_id=commune.id)
    session.add(secteur)
    session.flush()
    record(
        session,
        actor=actor,
        action="territory.secteur_created",
        process="territory",
        object_type="secteur",
        object_id=slug,
        territory=commune.insee,
        reason=f"Secteur {name} créé dans la commune de {commune.name}.",
        payload={"slug": slug, "name": name, "commune": commune.insee},
    )
    return secteur


# --- residence check -------------------------------------------------------------------------

_locator_lock = threading.Lock()
_locator_cache: dict[str, tuple[tuple[int, str], QpvLocator]] = {}


def locator(session: Session) -> QpvLocator:
    """The point-in-QPV index, rebuilt only when the perimeters change (any worker's import)."""
    stamp_row = session.exec(select(func.count(col(Qpv.id)), func.max(Qpv.updated_at))).one()
    stamp = (int(stamp_row[0]), str(stamp_row[1]))
    bind = session.get_bind()
    key = str(bind.engine.url)
    with _locator_lock:
        cached = _locator_cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    rows = session.exec(select(Qpv.code, Qpv.geometry)).all()
    built = QpvLocator((code, parse_geometry(geometry)) for code, geometry in rows)
    with _locator_lock:
        _locator_cache[key] = (stamp, built)
    return built


@dataclass(frozen=True)
class ResidenceCheck:
    """Outcome of checking a typed address against the perimeters."""

    status: str  # "in_qpv", "outside", "unknown"
    qpv_code: str | None
    label: str | None
    lat: float | None
    lon: float | None
    score: float | None
    explanation: str


def check_address(session: Session, geocoder: BanGeocoder | None, address: str) -> ResidenceCheck:
    """Geocode an address with the BAN and find its QPV; unsure or offline → unknown."""
    if geocoder is None:
        return ResidenceCheck(
            "unknown",
            None,
            None,
            None,
            None,
            None,
            "La vérification automatique des adresses est désactivée.",
        )
    result = geocoder.geocode(address)
    if result.status == GeocodeStatus.unreachable:
        explanation = "Le service des adresses ne répond pas pour le moment."
    elif result.status == GeocodeStatus.not_found:
        explanation = "Nous n'avons pas trouvé cette adresse."
    elif result.status == GeocodeStatus.unsure:
        explanation = "Nous ne sommes pas sûrs de l'adresse trouvée."
    else:
        assert result.lat is not None and result.lon is not None
        code = locator(session).locate(result.lat, result.lon)
        return ResidenceCheck(
            "in_qpv" if code else "outside",
            code,
            result.label,
            result.lat,
            result.lon,
            result.score,
            "Adresse trouvée dans un quartier prioritaire."
            if code
            else "Cette adresse n'est pas dans un quartier prioritaire.",
        )
    return ResidenceCheck("unknown", None, result.label, result.lat, result.lon, result.score, explanation)
