"""QPV import in both formats; bad files are refused and change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from backend.ledger.models import LedgerEntry
from backend.ledger.service import verify_ledger
from backend.territory.importer import QpvImportError, import_qpv_bytes
from backend.territory.models import Commune, Qpv

DATA = Path(__file__).resolve().parents[2] / "backend" / "territory" / "data"
SQUARE = {
    "type": "MultiPolygon",
    "coordinates": [[[[5.0, 43.0], [5.01, 43.0], [5.01, 43.01], [5.0, 43.01], [5.0, 43.0]]]],
}


def anct_feature(
    code: str,
    name: str,
    insee: str = "13055",
    commune: str = "Marseille",
    geometry: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "code_qp": code,
            "lib_qp": name,
            "insee_com": insee,
            "lib_com": commune,
            "insee_dep": "13",
        },
        "geometry": geometry or SQUARE,
    }


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def counts(session: Session) -> tuple[int, int, int]:
    return (
        session.exec(select(func.count()).select_from(Qpv)).one(),
        session.exec(select(func.count()).select_from(Commune)).one(),
        session.exec(select(func.count()).select_from(LedgerEntry)).one(),
    )


def test_seeded_territories(session: Session) -> None:
    assert session.exec(select(func.count()).select_from(Qpv)).one() == 71
    marseille = session.exec(select(Qpv).where(Qpv.communes.contains("13055"))).all()  # type: ignore[attr-defined]
    assert len(marseille) == 41
    assert sum(q.population or 0 for q in marseille) == 243_471
    assert all(q.secteur_id is not None for q in marseille)


def test_reimporting_the_vendored_file_updates_without_duplicating(session: Session) -> None:
    before = counts(session)
    report = import_qpv_bytes(session, (DATA / "qpv-paca.geojson").read_bytes())
    # The vendored file holds the whole region: 64 new QPV outside the Bouches-du-Rhône, 71 unchanged.
    assert (report.created, report.updated, report.unchanged) == (64, 0, 71)
    again = import_qpv_bytes(session, (DATA / "qpv-paca.geojson").read_bytes())
    assert (again.created, again.updated) == (0, 0)
    qpvs, _, entries = counts(session)
    assert qpvs == before[0] + 64
    assert entries == before[2] + 1  # the unchanged second import writes nothing
    assert len(set(session.exec(select(Qpv.code)).all())) == qpvs


def test_anct_format_creates_and_updates(session: Session) -> None:
    report = import_qpv_bytes(
        session,
        collection(
            anct_feature("QN01342I", "Malpassé Corot (nouveau nom)"),
            anct_feature("QN08399Z", "Quartier test", insee="83137", commune="Toulon"),
        ),
    )
    assert (report.created, report.updated) == (1, 1)
    corot = session.exec(select(Qpv).where(Qpv.code == "QN01342I")).one()
    assert corot.name == "Malpassé Corot (nouveau nom)"
    assert corot.population == 9250  # kept: the file has no population
    toulon = session.exec(select(Commune).where(Commune.insee == "83137")).one()
    assert toulon.name == "Toulon"
    entry = session.exec(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()  # type: ignore[attr-defined]
    assert entry is not None and entry.action == "territory.qpv_imported"
    assert json.loads(entry.payload)["sha256"] == report.sha256
    assert verify_ledger(session).ok


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"not json", "JSON valide"),
        (json.dumps({"type": "Feature"}).encode(), "FeatureCollection"),
        (collection(), "aucun quartier"),
        (collection(anct_feature("XX123", "Mauvais code")), "code de quartier invalide"),
        (collection(anct_feature("QN01342I", "")), "nom du quartier absent"),
        (collection(anct_feature("QN01342I", "A"), anct_feature("QN01342I", "B")), "apparaît deux fois"),
        (collection(anct_feature("QN01342I", "A", insee="")), "INSEE"),
        (
            collection(anct_feature("QN01342I", "A", geometry={"type": "Point", "coordinates": [5, 43]})),
            "périmètre invalide",
        ),
        (
            collection(
                anct_feature(
                    "QN01342I",
                    "A",
                    geometry={
                        "type": "Polygon",
                        "coordinates": [[[500, 43], [501, 43], [501, 44], [500, 43]]],
                    },
                )
            ),
            "hors limites",
        ),
    ],
)
def test_malformed_file_is_refused_and_changes_nothing(session: Session, raw: bytes, message: str) -> None:
    before = counts(session)
    name_before = session.exec(select(Qpv.name).where(Qpv.code == "QN01342I")).one()
    # A valid feature first: refusal must still write nothing at all.
    if raw.startswith(b"{") and b"features" in raw and b"QN01342I" in raw:
        data = json.loads(raw)
        data["features"].insert(0, anct_feature("QN01343I", "Balustres modifié"))
        raw = json.dumps(data).encode()
    with pytest.raises(QpvImportError, match=message):
        import_qpv_bytes(session, raw)
    assert counts(session) == before
    assert session.exec(select(Qpv.name).where(Qpv.code == "QN01342I")).one() == name_before
    assert session.exec(select(Qpv.name).where(Qpv.code == "QN01343I")).one() == "Balustres Cerisaie"
