"""JSON API for territories."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Query

from backend.deps import DbSession
from backend.errors import error_responses
from backend.territory.models import QpvPublic
from backend.territory.service import communes_by_id, get_qpv, list_qpv, locator, secteur_by_id

router = APIRouter(prefix="/api", tags=["territoires"])


@router.get("/qpv", response_model=list[QpvPublic])
def qpv_list(session: DbSession) -> list[QpvPublic]:
    """Every QPV with its population, commune and secteur."""
    sects = secteur_by_id(session)
    communes = communes_by_id(session)
    return [
        QpvPublic(
            code=q.code,
            name=q.name,
            population=q.population,
            commune=communes[q.commune_id].name,
            secteur=sects[q.secteur_id].name if q.secteur_id else None,
        )
        for q in list_qpv(session)
    ]


@router.get("/qpv/localiser")
def qpv_locate(
    session: DbSession, lat: float = Query(ge=-90, le=90), lon: float = Query(ge=-180, le=180)
) -> dict[str, Any]:
    """Which QPV contains this point (WGS84), if any. Indicative: an agent verifies residence."""
    code = locator(session).locate(lat, lon)
    if code is None:
        return {"qpv": None}
    qpv = get_qpv(session, code)
    return {"qpv": {"code": qpv.code, "name": qpv.name}}


@router.get("/qpv/{code}.geojson", responses=error_responses(404))
def qpv_geojson(session: DbSession, code: str) -> dict[str, Any]:
    """One QPV as a GeoJSON Feature."""
    qpv = get_qpv(session, code)
    return {
        "type": "Feature",
        "properties": {
            "code_qp": qpv.code,
            "lib_qp": qpv.name,
            "insee_com": qpv.commune_codes,
            "population": qpv.population,
        },
        "geometry": json.loads(qpv.geometry),
    }
