"""The Marseille demo: territories from the vendored data, people in every role, then each
registered process's own demo. Idempotent: running it again changes nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.grants import active_grants, grant_role
from backend.accounts.models import ResidenceStatus, Role, ScopeKind, User
from backend.config import Settings
from backend.db import make_engine, session_scope, utcnow
from backend.ledger.service import SYSTEM, record
from backend.processes import Registry
from backend.territory.demo import load_contacts
from backend.territory.importer import import_qpv_bytes
from backend.territory.models import Commune, Metropole, Qpv, Secteur

DATA = Path(__file__).parent / "territory" / "data"
AMP = ("200054807", "Métropole Aix-Marseille-Provence")
MARSEILLE = "13055"
DEMO_PASSWORD = "quartiers2026"  # noqa: S105 - printed on purpose: demo accounts only
SECTEURS = {
    "Nord Littoral (15e-16e)": "nord-littoral",
    "Nord-Est (13e-14e)": "nord-est",
    "Centre (1er-3e)": "centre",
    "Sud Huveaune (9e-12e)": "sud-huveaune",
}


@dataclass(frozen=True)
class DemoLogin:
    role: str
    identifier: str
    password: str


@dataclass(frozen=True)
class DemoPerson:
    key: str
    label: str
    identifier: str
    name: str
    birth_year: int | None
    qpv: str | None
    verified: bool
    grants: tuple[tuple[str, str, str], ...] = ()
    contact_confirmed: bool = False  # e-mail or phone confirmed (trust level "contact")


PEOPLE = (
    DemoPerson("admin", "administration", "admin@demo.quartiers.fr", "Admin Métropole", 1978, None, False,
               ((Role.admin, ScopeKind.all, ""),)),
    DemoPerson("agent", "agent (Ville de Marseille)", "agent@demo.quartiers.fr", "Sophie Agent", 1985, None, False,
               ((Role.agent, ScopeKind.commune, MARSEILLE),)),
    DemoPerson("moderator_corot", "table de quartier Malpassé Corot", "table.corot@demo.quartiers.fr",
               "Table de quartier Malpassé Corot", 1969, "QN01342I", True, ((Role.moderator, ScopeKind.qpv, "QN01342I"),)),
    DemoPerson("moderator_centre", "table de quartier Centre 3e", "table.centre3@demo.quartiers.fr",
               "Table de quartier Centre 3e", 1975, "QN01332M", True, ((Role.moderator, ScopeKind.qpv, "QN01332M"),)),
    DemoPerson("fph", "comité FPH Malpassé Corot", "comite.fph@demo.quartiers.fr", "Nadia Comité", 1962,
               "QN01342I", True, ((Role.fph_committee, ScopeKind.qpv, "QN01342I"),)),
    DemoPerson("copil", "COPIL contrat de ville", "copil@demo.quartiers.fr", "Jean COPIL", 1970, None, False,
               ((Role.copil, ScopeKind.commune, MARSEILLE),)),
    DemoPerson("resident_corot", "habitante Malpassé Corot (adresse vérifiée)", "amina@demo.quartiers.fr", "Amina B.",
               1990, "QN01342I", True, contact_confirmed=True),
    DemoPerson("resident_contact", "habitante Malpassé Corot (e-mail confirmé, adresse déclarée)",
               "lea@demo.quartiers.fr", "Léa M.", 1998, "QN01342I", False, contact_confirmed=True),
    DemoPerson("resident_centre", "habitant Centre 3e (compte seul, adresse déclarée)", "karim@demo.quartiers.fr",
               "Karim T.", 2004, "QN01332M", False),
    DemoPerson("resident_phone", "habitante Frais Vallon (téléphone, adresse vérifiée)", "06 12 34 56 78", "Fatou D.",
               1958, "QN01344M", True),
)  # fmt: skip


def load_territories(session: Session) -> None:
    """Métropole, communes, Marseille's secteurs and the 71 QPV of the Bouches-du-Rhône."""
    metropole = session.exec(select(Metropole).where(Metropole.code == AMP[0])).first()
    if metropole is None:
        metropole = Metropole(code=AMP[0], name=AMP[1])
        session.add(metropole)
        session.flush()
    with (DATA / "communes-13.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            commune = session.exec(select(Commune).where(Commune.insee == row["insee_com"])).first()
            if commune is None:
                commune = Commune(insee=row["insee_com"], name=row["lib_com"])
            commune.name = row["lib_com"]
            commune.metropole_id = metropole.id if row["epci"] == AMP[1] else None
            session.add(commune)
    session.flush()

    geojson = (DATA / "qpv-paca.geojson").read_bytes()
    import json

    data = json.loads(geojson)
    data["features"] = [f for f in data["features"] if f["properties"].get("d") == "13"]
    population = (DATA / "qpv-13-population.csv").read_bytes()
    import_qpv_bytes(
        session,
        json.dumps(data, separators=(",", ":")).encode(),
        population_raw=population,
        source="qpv-paca.geojson (dép. 13) + qpv-13-population.csv",
    )

    marseille = session.exec(select(Commune).where(Commune.insee == MARSEILLE)).one()
    by_slug = {s.slug: s for s in session.exec(select(Secteur)).all()}
    for name, slug in SECTEURS.items():
        if slug not in by_slug:
            by_slug[slug] = Secteur(slug=slug, name=name, commune_id=marseille.id)
            session.add(by_slug[slug])
    session.flush()
    with (DATA / "marseille-secteurs.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            qpv = session.exec(select(Qpv).where(Qpv.code == row["code_qp"])).one()
            if qpv.secteur_id is None:
                qpv.secteur_id = by_slug[SECTEURS[row["secteur"]]].id
                session.add(qpv)
    session.flush()


def settle(user: User, qpv: Qpv, residence: str) -> None:
    """A demo resident's quartier, declared or verified (as if an agent had seen a proof of address)."""
    user.qpv_id = qpv.id
    user.residence_status = residence
    if residence == ResidenceStatus.verified:
        user.residence_method = "justificatif de domicile vu en personne (démo)"
        user.residence_verified_by = "system"
        user.residence_verified_at = utcnow()


def load_people(session: Session, ctx: dict[str, Any]) -> list[DemoLogin]:
    users: dict[str, User] = ctx.setdefault("users", {})
    logins = []
    for person in PEOPLE:
        user = accounts.find_by_identifier(session, person.identifier)
        if user is None:
            user = accounts.register(
                session,
                identifier=person.identifier,
                password=DEMO_PASSWORD,
                display_name=person.name,
                birth_year=person.birth_year,
            )
            if person.qpv:
                qpv = session.exec(select(Qpv).where(Qpv.code == person.qpv)).one()
                residence = ResidenceStatus.verified if person.verified else ResidenceStatus.declared
                settle(user, qpv, residence)
                session.add(user)
                session.flush()
            if person.contact_confirmed and user.email and user.email_confirmed_at is None:
                user.email_confirmed_at = utcnow()
                session.add(user)
                session.flush()
            assert user.id is not None
            existing = {(g.role, g.scope_kind, g.scope_code) for g in active_grants(session, user.id)}
            for role, kind, code in person.grants:
                if (role, kind, code) not in existing:
                    grant_role(session, SYSTEM, user, role, kind, code)
        users[person.key] = user
        logins.append(DemoLogin(person.label, person.identifier, DEMO_PASSWORD))
    return logins


def load_demo(settings: Settings, registry: Registry) -> list[DemoLogin]:
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            first_time = session.exec(select(Qpv.id).limit(1)).first() is None
            load_territories(session)
            load_contacts(session)
            ctx: dict[str, Any] = {"settings": settings, "registry": registry}
            logins = load_people(session, ctx)
            for kind in registry:
                if kind.demo is not None:
                    kind.demo(session, ctx)
            if first_time:
                record(
                    session,
                    actor=SYSTEM,
                    action="platform.demo_loaded",
                    process="territory",
                    object_type="platform",
                    object_id="demo",
                    reason="Données de démonstration chargées (Marseille).",
                )
    finally:
        engine.dispose()
    return logins
