"""QPV perimeter import: official ANCT GeoJSON or the compact vendored format.

The whole file is parsed and validated before anything is written: a malformed file is
refused with a message naming the problem and changes nothing. Re-importing updates
existing QPV (matched by code) and never duplicates them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend.db import utcnow
from backend.i18n import gettext as _
from backend.ledger.service import SYSTEM, ActorRef, record
from backend.territory.geo import parse_geometry
from backend.territory.models import Commune, Qpv

QPV_CODE_RE = re.compile(r"^QN[0-9AB]{5,6}[A-Z]$")
MAX_FILE_BYTES = 200 * 1024 * 1024


class QpvImportError(ValueError):
    """The file is refused; the message says why, in French."""


@dataclass
class ParsedQpv:
    code: str
    name: str
    communes: list[str]
    commune_names: dict[str, str]
    geometry: dict[str, Any]
    population: int | None = None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)
    sha256: str = ""


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[;,]", str(value)) if part.strip()]


def parse_qpv_geojson(raw: bytes) -> list[ParsedQpv]:
    """Parse and validate a FeatureCollection in either accepted format."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QpvImportError(_("le fichier n'est pas du JSON valide (%(exc)s)") % {"exc": exc}) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise QpvImportError(_("le fichier doit être une FeatureCollection GeoJSON"))
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise QpvImportError(_("la FeatureCollection ne contient aucun quartier"))

    parsed: list[ParsedQpv] = []
    seen: set[str] = set()
    for number, feature in enumerate(features, start=1):
        where = _("élément n° %(number)s") % {"number": number}
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise QpvImportError(_("%(where)s : propriétés absentes") % {"where": where})
        props = feature["properties"]
        code = str(props.get("code_qp") or props.get("q") or "").strip()
        name = str(props.get("lib_qp") or props.get("n") or "").strip()
        if not code:
            raise QpvImportError(
                _("%(where)s : code du quartier absent (propriété code_qp ou q)") % {"where": where}
            )
        where = _("élément n° %(number)s (%(code)s)") % {"number": number, "code": code}
        if not QPV_CODE_RE.match(code):
            raise QpvImportError(
                _("%(where)s : code de quartier invalide (attendu comme QN01342I)") % {"where": where}
            )
        if code in seen:
            raise QpvImportError(
                _("%(where)s : ce code apparaît deux fois dans le fichier") % {"where": where}
            )
        seen.add(code)
        if not name:
            raise QpvImportError(
                _("%(where)s : nom du quartier absent (propriété lib_qp ou n)") % {"where": where}
            )
        communes = _as_list(props.get("insee_com") if "insee_com" in props else props.get("com"))
        if not communes or not all(re.fullmatch(r"\d[\dAB]\d{3}", c) for c in communes):
            raise QpvImportError(
                _("%(where)s : code(s) INSEE de commune absent(s) ou invalide(s)") % {"where": where}
            )
        names = _as_list(props.get("lib_com"))
        commune_names = dict(zip(communes, names, strict=False)) if len(names) == len(communes) else {}
        geometry = feature.get("geometry")
        try:
            geom = parse_geometry(geometry)  # type: ignore[arg-type]
        except Exception as exc:  # shapely raises many types for broken geometries
            raise QpvImportError(
                _("%(where)s : périmètre invalide (%(exc)s)") % {"where": where, "exc": exc}
            ) from exc
        if geom.is_empty:
            raise QpvImportError(_("%(where)s : périmètre vide") % {"where": where})
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise QpvImportError(
                _("%(where)s : coordonnées hors limites (WGS84 lon/lat attendu)") % {"where": where}
            )
        population = props.get("population") or props.get("pop")
        parsed.append(
            ParsedQpv(
                code=code,
                name=name[:200],
                communes=communes,
                commune_names=commune_names,
                geometry=geometry,  # type: ignore[arg-type]
                population=int(population) if isinstance(population, int | float) else None,
            )
        )
    return parsed


def parse_population_csv(raw: bytes) -> dict[str, int]:
    """code_qp,population[,...] → {code: population}."""
    try:
        reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise QpvImportError(_("fichier de population illisible (%(exc)s)") % {"exc": exc}) from exc
    if not reader.fieldnames or "code_qp" not in reader.fieldnames or "population" not in reader.fieldnames:
        raise QpvImportError(_("le fichier de population doit avoir les colonnes code_qp et population"))
    result = {}
    for line, row in enumerate(rows, start=2):
        try:
            result[row["code_qp"].strip()] = int(row["population"])
        except (ValueError, AttributeError) as exc:
            raise QpvImportError(
                _("fichier de population, ligne %(line)s : population invalide") % {"line": line}
            ) from exc
    return result


def import_qpv(
    session: Session,
    parsed: list[ParsedQpv],
    *,
    populations: dict[str, int] | None = None,
    population_year: int | None = None,
    sha256: str = "",
    actor: ActorRef = SYSTEM,
    source: str = "",
) -> ImportReport:
    """Upsert QPV by code, creating unknown communes; journaled as one entry."""
    report = ImportReport(sha256=sha256)
    communes = {c.insee: c for c in session.exec(select(Commune)).all()}
    existing = {q.code: q for q in session.exec(select(Qpv)).all()}
    populations = populations or {}
    for item in parsed:
        for insee in item.communes:
            if insee not in communes:
                commune = Commune(insee=insee, name=item.commune_names.get(insee, insee))
                session.add(commune)
                session.flush()
                communes[insee] = commune
            elif item.commune_names.get(insee) and communes[insee].name == insee:
                communes[insee].name = item.commune_names[insee]
        geometry = json.dumps(item.geometry, separators=(",", ":"))
        population = populations.get(item.code, item.population)
        values = {
            "name": item.name,
            "communes": ",".join(item.communes),
            "commune_id": communes[item.communes[0]].id,
            "geometry": geometry,
        }
        if population is not None:
            values["population"] = population
            values["population_year"] = population_year
        qpv = existing.get(item.code)
        if qpv is None:
            qpv = Qpv.model_validate({"code": item.code, **values})
            session.add(qpv)
            report.created += 1
        elif any(getattr(qpv, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(qpv, key, value)
            qpv.updated_at = utcnow()
            report.updated += 1
        else:
            report.unchanged += 1
        report.codes.append(item.code)
    session.flush()
    if report.created == report.updated == 0:
        return report  # the same file again: nothing changed, nothing to journal
    record(
        session,
        actor=actor,
        action="territory.qpv_imported",
        process="territory",
        object_type="qpv_import",
        object_id=sha256[:16] or "import",
        reason=(
            f"Import des périmètres de {len(parsed)} quartiers prioritaires "
            f"({report.created} nouveaux, {report.updated} mis à jour)."
        ),
        payload={
            "sha256": sha256,
            "source": source,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "codes": report.codes,
        },
    )
    return report


def import_qpv_bytes(
    session: Session,
    raw: bytes,
    *,
    population_raw: bytes | None = None,
    actor: ActorRef = SYSTEM,
    source: str = "",
) -> ImportReport:
    if len(raw) > MAX_FILE_BYTES:
        raise QpvImportError(_("fichier trop volumineux (200 Mo au plus)"))
    parsed = parse_qpv_geojson(raw)
    populations = parse_population_csv(population_raw) if population_raw else None
    return import_qpv(
        session,
        parsed,
        populations=populations,
        population_year=2020 if populations else None,
        sha256=hashlib.sha256(raw).hexdigest(),
        actor=actor,
        source=source,
    )


def import_qpv_file(
    session: Session, path: Path, *, population_csv: Path | None = None, actor: ActorRef = SYSTEM
) -> ImportReport:
    """`qp import-qpv FILE`: read, validate, then write everything in one transaction."""
    try:
        raw = path.read_bytes()
        population_raw = population_csv.read_bytes() if population_csv else None
    except OSError as exc:
        raise QpvImportError(
            _("impossible de lire le fichier (%(exc_strerror)s)") % {"exc_strerror": exc.strerror}
        ) from exc
    return import_qpv_bytes(session, raw, population_raw=population_raw, actor=actor, source=path.name)
