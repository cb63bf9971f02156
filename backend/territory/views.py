"""Public QPV pages and map; territory administration (perimeter import, secteurs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlmodel import col, select

from backend.accounts.deps import AdminPrincipal, CurrentPrincipal
from backend.accounts.models import Role, RoleGrant, ScopeKind, User
from backend.accounts.permissions import enforce
from backend.db import attempt
from backend.deps import AppRegistry, DbSession
from backend.errors import DomainError, Invalid
from backend.forms import form_errors
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef
from backend.processes import SectionItem
from backend.rendering import redirect, render
from backend.territory.contact import (
    CONTACT_EDITORS,
    ContactInput,
    edit_contact_policy,
    get_contact,
    save_contact,
    tel_uri,
)
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
    qpv_ref,
    secteur_by_id,
    territory_quartiers,
)
from backend.views_common import FormFields, Posted, done, posted_into, refused

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
def qpv_page(
    request: Request, session: DbSession, registry: AppRegistry, principal: CurrentPrincipal, code: str
) -> Response:
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
    contact = get_contact(session, qpv)
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
            "contact": contact,
            "contact_tel": tel_uri(contact.phone) if contact and contact.phone else None,
            "can_edit_contact": edit_contact_policy(principal, qpv_ref(session, qpv.id)) is None,
        },
    )


def _sort_key(item: SectionItem) -> str:
    # Dates and datetimes mixed: their ISO forms sort by day first.
    return item.when.isoformat() if item.when is not None else ""


# --- the table de quartier's contact (staff) --------------------------------------------------


@dataclass(frozen=True)
class ContactEditing:
    qpv: Qpv
    actor: ActorRef


def contact_editing(session: DbSession, principal: CurrentPrincipal, code: str) -> ContactEditing:
    """The quartier whose contact is edited, once the policy allows this person (404, 401, 403)."""
    qpv = get_qpv(session, code)
    ref = qpv_ref(session, qpv.id)
    enforce(edit_contact_policy(principal, ref))
    return ContactEditing(qpv, principal.actor(principal.covers_any(CONTACT_EDITORS, ref)))


ContactEditor = Annotated[ContactEditing, Depends(contact_editing)]


def _contact_form(
    request: Request, editing: ContactEditing, typed: ContactInput, error: DomainError | None = None
) -> Response:
    return render(
        request,
        "territory/contact_form.html",
        {"qpv": editing.qpv, "values": typed, **form_errors(error)},
        status_code=error.status_code if error else 200,
    )


@router.get("/quartiers/{code}/contact")
def contact_form(request: Request, session: DbSession, editing: ContactEditor) -> Response:
    return _contact_form(request, editing, ContactInput.of(get_contact(session, editing.qpv)))


PostedContact = Annotated[ContactInput, Depends(posted_into(ContactInput))]


@router.post("/quartiers/{code}/contact")
def contact_save(
    request: Request, session: DbSession, editing: ContactEditor, typed: PostedContact
) -> Response:
    outcome = attempt(session, lambda: save_contact(session, editing.qpv, typed, editing.actor))
    if isinstance(outcome, DomainError):
        return _contact_form(request, editing, typed, outcome)
    message = _("Contact de la table de quartier enregistré.") if outcome else _("Contact retiré.")
    return done(request, f"/quartiers/{editing.qpv.code}#table", message)


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


class SecteurForm(FormFields):
    name: str = ""
    commune: str = ""


@router.post("/admin/territoires/secteurs")
def admin_create_secteur(
    request: Request, session: DbSession, principal: AdminPrincipal, posted: Posted[SecteurForm]
) -> Response:
    target = session.exec(select(Commune).where(Commune.insee == posted.commune)).first()
    if target is None:
        raise Invalid(_("Cette commune n'existe pas."))
    secteur = attempt(
        session, lambda: create_secteur(session, target, posted.name, principal.actor(Role.admin))
    )
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
