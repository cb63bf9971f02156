"""Public QPV pages and map; territory administration (perimeter import, secteurs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlmodel import col, select

from backend.accounts.deps import AdminPrincipal
from backend.accounts.models import Role, RoleGrant, ScopeKind, User
from backend.db import attempt
from backend.deps import AppRegistry, DbSession
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.processes import SectionItem
from backend.rendering import redirect, render
from backend.territory.finder import FindStatus, find_quartier
from backend.territory.geo import geojson_outlines, parse_geometry, svg_map
from backend.territory.importer import ImportReport, QpvImportError, import_qpv_bytes
from backend.territory.models import Commune, Qpv, Secteur
from backend.territory.service import (
    DEFAULT_COMMUNE,
    assign_secteur,
    communes_by_id,
    create_secteur,
    get_qpv,
    list_qpv,
    secteur_by_id,
    territory_quartiers,
)
from backend.views_common import done, refused

router = APIRouter(include_in_schema=False)


def _grouped(session: DbSession, qpvs: list[Qpv]) -> list[tuple[str, list[Qpv]]]:
    """QPV grouped by secteur (Marseille) or commune, for lists people can scan."""
    sects = secteur_by_id(session)
    communes = communes_by_id(session)
    groups: dict[str, list[Qpv]] = {}
    for q in qpvs:
        label = communes[q.commune_id].name
        if q.secteur_id:
            label = f"{label} — {sects[q.secteur_id].name}"
        groups.setdefault(label, []).append(q)
    return sorted(groups.items())


@router.get("/quartiers")
def qpv_index(
    request: Request, session: DbSession, commune: str = DEFAULT_COMMUNE, adresse: str = ""
) -> Response:
    """The quartiers of a commune on a map and in a list, and « Trouver mon quartier » by address:
    an address inside a QPV goes to its page; any other answer is explained above the list."""
    search = find_quartier(session, request.app.state.geocoder, adresse) if adresse.strip() else None
    if search is not None and search.qpv is not None:
        return redirect(f"/quartiers/{search.qpv.code}", request)
    scope = territory_quartiers(session, commune or None)
    shown = scope.qpvs
    drawing = svg_map([(q.code, q.name, parse_geometry(q.geometry)) for q in shown])
    all_communes = sorted(communes_by_id(session).values(), key=lambda c: c.name)
    return render(
        request,
        "territory/index.html",
        {
            "groups": _grouped(session, shown),
            "map": drawing,
            "commune": scope.commune.insee if scope.commune else "",
            "communes": all_communes,
            "scope": scope,
            "secteur_of": {q.code: (q.secteur_id or 0) % 4 for q in shown},
            "search": search,
            "adresse": adresse,
            "find": FindStatus,
            "commune_names": {c.id: c.name for c in all_communes},
        },
    )


@router.get("/quartiers/contours.geojson")
def qpv_outlines(session: DbSession, commune: str = "", quartier: str = "") -> Response:
    """The outlines the street map draws: one QPV, or the QPV of a commune (all without either)."""
    qpvs = [get_qpv(session, quartier)] if quartier else territory_quartiers(session, commune or None).qpvs
    outlines = geojson_outlines([(q.code, q.name, parse_geometry(q.geometry)) for q in qpvs])
    return JSONResponse(outlines, headers={"Cache-Control": "public, max-age=600"})


def _tables_de_quartier(session: DbSession, qpv: Qpv) -> list[str]:
    """The names of the table de quartier accounts of this QPV (moderators scoped to it)."""
    names = session.exec(
        select(User.display_name)
        .join(RoleGrant, col(RoleGrant.user_id) == User.id)
        .where(
            RoleGrant.role == Role.moderator,
            RoleGrant.scope_kind == ScopeKind.qpv,
            RoleGrant.scope_code == qpv.code,
            col(RoleGrant.revoked_at).is_(None),
        )
        .distinct()
    ).all()
    return sorted(n for n in names if n)


@router.get("/quartiers/{code}")
def qpv_page(request: Request, session: DbSession, registry: AppRegistry, code: str) -> Response:
    """Everything happening in one quartier: each process's section, the next meetings, the journal."""
    qpv = get_qpv(session, code)
    sections = registry.quartier_sections(session, qpv)
    # Meetings of every process in one list, soonest first, each with the section it comes from.
    meetings = sorted(
        ((section, item) for section in sections for item in section.items if item.is_meeting),
        key=lambda pair: _sort_key(pair[1]),
    )
    secteur = session.get(Secteur, qpv.secteur_id) if qpv.secteur_id else None
    communes = {c.insee: c for c in communes_by_id(session).values()}
    geom = parse_geometry(qpv.geometry)
    drawing = svg_map([(qpv.code, qpv.name, geom)], width=600)
    journal = session.exec(
        select(LedgerEntry)
        .where(LedgerEntry.territory == qpv.code)
        .order_by(col(LedgerEntry.seq).desc())
        .limit(10)
    ).all()
    return render(
        request,
        "territory/qpv.html",
        {
            "qpv": qpv,
            "secteur": secteur,
            "commune_names": [communes[c].name for c in qpv.commune_codes if c in communes],
            "map": drawing,
            "area_km2": geom.area * 111.32 * 111.32 * 0.73,
            "journal": journal,
            "sections": sections,
            "meetings": meetings,
            "tables": _tables_de_quartier(session, qpv),
        },
    )


def _sort_key(item: SectionItem) -> str:
    # Dates and datetimes mixed: their ISO forms sort by day first.
    return item.when.isoformat() if item.when is not None else ""


# --- administration --------------------------------------------------------------------------


@router.get("/admin/territoires")
def admin_territories(request: Request, session: DbSession, principal: AdminPrincipal) -> Response:
    return render(
        request,
        "admin/territories.html",
        {
            "groups": _grouped(session, list_qpv(session)),
            "secteurs": sorted(secteur_by_id(session).values(), key=lambda s: s.name),
            "communes": sorted(communes_by_id(session).values(), key=lambda c: c.name),
            "error": None,
        },
    )


@router.post("/admin/territoires/{code}/secteur")
def admin_assign_secteur(
    request: Request,
    session: DbSession,
    principal: AdminPrincipal,
    code: str,
    secteur: Annotated[str, Form()] = "",
) -> Response:
    qpv = get_qpv(session, code)
    target = session.exec(select(Secteur).where(Secteur.slug == secteur)).first() if secteur else None
    if secteur and target is None:
        raise Invalid(_("Ce secteur n'existe pas."))
    assign_secteur(session, qpv, target, principal.actor(Role.admin))
    return done(
        request, "/admin/territoires", _("%(qpv_name)s : secteur enregistré.") % {"qpv_name": qpv.name}
    )


@router.post("/admin/territoires/secteurs")
def admin_create_secteur(
    request: Request,
    session: DbSession,
    principal: AdminPrincipal,
    name: Annotated[str, Form()] = "",
    commune: Annotated[str, Form()] = "",
) -> Response:
    target = session.exec(select(Commune).where(Commune.insee == commune)).first()
    if target is None:
        raise Invalid(_("Cette commune n'existe pas."))
    secteur = attempt(session, lambda: create_secteur(session, target, name, principal.actor(Role.admin)))
    if isinstance(secteur, DomainError):
        return refused(request, "/admin/territoires", secteur)
    return done(request, "/admin/territoires", _("Secteur « %(name)s » créé.") % {"name": secteur.name})


@router.post("/admin/territoires/import")
def admin_import(
    request: Request,
    session: DbSession,
    principal: AdminPrincipal,
    perimeters: Annotated[UploadFile | None, File()] = None,
) -> Response:
    if perimeters is None or not perimeters.filename:
        return done(request, "/admin/territoires", _("Choisissez un fichier GeoJSON à importer."), "error")
    raw = perimeters.file.read()
    source = perimeters.filename

    def run_import() -> ImportReport:
        try:
            return import_qpv_bytes(session, raw, actor=principal.actor(Role.admin), source=source)
        except QpvImportError as exc:  # a parsing error, not a DomainError: said the same way
            raise Invalid(_("Fichier refusé, rien n'a été modifié : %(exc)s") % {"exc": exc}) from exc

    report = attempt(session, run_import)
    if isinstance(report, DomainError):
        return refused(request, "/admin/territoires", report)
    message = _(
        "Import terminé : %(report_created)s quartiers ajoutés, %(report_updated)s mis à jour, %(report_unchanged)s inchangés."
    ) % {
        "report_created": report.created,
        "report_updated": report.updated,
        "report_unchanged": report.unchanged,
    }
    return done(request, "/admin/territoires", message)
