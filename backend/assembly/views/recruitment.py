"""Staff pages of recruitment: invitation letters drawn from an address list, volunteers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from backend.assembly.models import Invitation
from backend.assembly.permissions import StaffSaisine
from backend.assembly.service import recruitment
from backend.assembly.service.common import territory_qpvs
from backend.assembly.views.common import form_page, manage_url, saisine_url
from backend.assembly.views.public import PostedVolunteer, register_volunteer, registration_context
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, NotFound
from backend.forms import parse_int
from backend.i18n import gettext as _
from backend.rendering import render
from backend.views_common import done, refused

router = APIRouter(include_in_schema=False)


def _invitation_fields() -> list[dict[str, Any]]:
    return [
        {"name": "file", "type": "file", "label": _("Liste d'adresses (fichier CSV)"), "required": True,
         "hint": _("Une ligne par logement. Colonnes : adresse (obligatoire), nom, code_postal, ville. "
                   "Séparateur virgule ou point-virgule."), "attrs": 'accept=".csv,text/csv"'},
        {"name": "count", "type": "text", "label": _("Nombre de lettres à envoyer"), "required": True,
         "hint": _("Les adresses sont tirées au sort dans la liste. Exemple : 500"), "attrs": 'inputmode="numeric"'},
    ]  # fmt: skip


@router.get("/assemblee/{saisine_id}/gestion/invitations")
def invitations_form(request: Request, ctx: StaffSaisine) -> Response:
    return form_page(
        request, ctx, title=_("Tirer au sort les lettres d'invitation"),
        intro=_("Chaque lettre porte un code personnel pour s'inscrire. Les adresses sont effacées à la fin du recrutement."),
        action=manage_url(ctx, "/invitations"), fields=_invitation_fields(), submit=_("Tirer au sort les adresses"),
    )  # fmt: skip


@router.post("/assemblee/{saisine_id}/gestion/invitations")
def invitations_draw(
    request: Request,
    session: DbSession,
    ctx: StaffSaisine,
    file: Annotated[UploadFile | None, File()] = None,
    count: Annotated[str, Form()] = "",
) -> Response:

    def draw() -> list[Invitation]:
        data = file.file.read(recruitment.MAX_LIST_BYTES + 1) if file is not None and file.filename else b""
        number = parse_int(
            count, "count", min=None, message=_("Le nombre de lettres est un nombre, par exemple 500.")
        )
        return recruitment.draw_invitations(session, ctx.actor, ctx.saisine, data, number)

    letters = attempt(session, draw)
    if isinstance(letters, DomainError):
        return form_page(
            request, ctx, title=_("Tirer au sort les lettres d'invitation"), intro="",
            action=manage_url(ctx, "/invitations"), fields=_invitation_fields(), submit=_("Tirer au sort les adresses"),
            form={"count": count}, error=letters,
        )  # fmt: skip
    return done(
        request,
        manage_url(ctx, f"/lettres?lot={letters[0].batch}"),
        _("{n} adresses tirées au sort : imprimez les lettres.").format(n=len(letters)),
    )


@router.get("/assemblee/{saisine_id}/gestion/lettres")
def letters(request: Request, session: DbSession, ctx: StaffSaisine, lot: int | None = None) -> Response:
    rows = [i for i in recruitment.invitations(session, ctx.saisine, lot) if i.address]
    base = str(request.app.state.settings.base_url).rstrip("/")
    return render(
        request,
        "assembly/letters.html",
        {
            "saisine": ctx.saisine,
            "letters": rows,
            "format_code": recruitment.format_code,
            "register_url": f"{base}{saisine_url(ctx.saisine, '/participer')}",
        },
    )


@router.get("/assemblee/{saisine_id}/gestion/volontaires")
def volunteer_list(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    return render(
        request,
        "assembly/volunteers.html",
        {
            "saisine": ctx.saisine,
            "volunteers": recruitment.volunteers(session, ctx.saisine, only_registered=False),
            "qpvs": {q.id: q for q in territory_qpvs(session, ctx.saisine.commune_insee)},
            "registration_open": recruitment.registration_open(ctx.saisine),
        },
    )


@router.get("/assemblee/{saisine_id}/gestion/volontaires/nouveau")
def assisted_form(request: Request, session: DbSession, ctx: StaffSaisine) -> Response:
    context = registration_context(
        session, ctx, recruitment.VolunteerForm(), None, manage_url(ctx, "/volontaires/nouveau")
    )
    return render(request, "assembly/register.html", context)


@router.post("/assemblee/{saisine_id}/gestion/volontaires/nouveau")
def assisted_register(
    request: Request, session: DbSession, ctx: StaffSaisine, form: PostedVolunteer
) -> Response:
    """An agent registers someone met in person (no phone or e-mail needed; consent still explicit)."""
    url = manage_url(ctx, "/volontaires/nouveau")
    problem = register_volunteer(request, session, ctx, form, url, registered_by=ctx.actor)
    if problem is not None:
        return problem
    return done(
        request, manage_url(ctx, "/volontaires"), _("Volontaire inscrit·e : {name}.").format(name=form.name)
    )


@router.post("/assemblee/{saisine_id}/gestion/volontaires/{volunteer_id}/retrait")
def volunteer_withdraw(
    request: Request, session: DbSession, ctx: StaffSaisine, volunteer_id: int
) -> Response:
    volunteer = next((v for v in recruitment.volunteers(session, ctx.saisine) if v.id == volunteer_id), None)
    if volunteer is None:
        raise NotFound(_("Ce volontaire n'existe pas."))
    outcome = attempt(session, lambda: recruitment.withdraw_volunteer(session, ctx.saisine, volunteer))
    if isinstance(outcome, DomainError):
        return refused(request, manage_url(ctx, "/volontaires"), outcome)
    return done(request, manage_url(ctx, "/volontaires"), _("Le volontaire a quitté la liste."))
