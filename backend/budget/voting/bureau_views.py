"""The voting point (« bureau de vote »): moderators and agents of the QPV find or register a
person, check identity and residence (recording how), and sign them in (émargement). The person
then votes alone: on the tablet (« isoloir », :mod:`.isoloir_views`) or on paper into the box. The
agent never types anyone's choice. Also the batch entry of paper ballot sheets.

The identity document's number is typed by the agent and kept only as a keyed hash on the account
(:mod:`backend.accounts.documents`): one document votes once per edition. A person registered here
needs neither e-mail nor phone and leaves with a printed slip (login id and activation code).

The person's page and the émargement are in :mod:`.emargement_views`. Every route takes the
voting point (:data:`.voting_point.PointDep`): edition 404, role 403."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, or_
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from backend.accounts import activation, documents
from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.budget.voting import service
from backend.budget.voting.ballot_form import form_value, vote_cache
from backend.budget.voting.paper import COLUMNS, import_batch
from backend.budget.voting.voting_point import POINT_KEY, PointDep, VotingPoint
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import Qpv, QpvRef
from backend.views_common import WholeForm

router = APIRouter(include_in_schema=False)


def _search(session: DbSession, q: str, covered: list[QpvRef]) -> list[User]:
    q = " ".join(q.split())[:80]
    if len(q) < 2:
        return []
    exact = None
    try:
        exact = accounts.find_by_identifier(session, q)
    except Invalid:
        exact = None
    like = f"%{q.lower()}%"
    ids = [r.id for r in covered]
    found = list(
        session.exec(
            select(User)
            .where(
                col(User.deleted_at).is_(None),
                col(User.qpv_id).in_(ids),
                or_(
                    func.lower(User.display_name).like(like),
                    func.lower(User.email).like(like),
                    col(User.phone).like(like),
                ),
            )
            .order_by(User.display_name)
            .limit(20)
        ).all()
    )
    if exact is not None and exact not in found:
        found.insert(0, exact)
    return found


def _bureau_page(
    request: Request,
    session: DbSession,
    point: VotingPoint,
    *,
    q: str = "",
    people: list[User] | None = None,
    form: dict[str, str] | None = None,
    error: DomainError | None = None,
) -> Response:
    people = people or []
    voted = {
        v.user_id: v
        for v in session.exec(
            select(service.Voter).where(
                service.Voter.edition_id == point.edition.id,
                col(service.Voter.user_id).in_([p.id for p in people]),
            )
        ).all()
    }
    context = {
        "edition": point.edition,
        "base": point.base,
        "q": q,
        "people": people,
        "voted": voted,
        "qpv_names": {r.id: r.name for r in point.covered},
        "covered": point.covered,
        "counts": service.counts_by_point(session, point.edition.id),
        "pending": point.grant is not None,
        "current_point": request.session.get(POINT_KEY, ""),
        "form": form or {},
        "error": error,
        "kinds": documents.document_kinds(),
    }
    return render(request, "budget/bureau.html", context, status_code=error.status_code if error else 200)


@router.get("/budget-participatif/{slug}/bureau")
def voting_point_page(request: Request, session: DbSession, point: PointDep, q: str = "") -> Response:
    return _bureau_page(request, session, point, q=q, people=_search(session, q, point.covered))


def _register(
    request: Request, session: DbSession, point: VotingPoint, form: dict[str, str]
) -> tuple[User, Any]:
    """The person's account (no password), their identity document (hash only) and their slip."""
    settings = request.app.state.settings
    ref = point.ref(form["qpv_code"])
    role = point.role(ref)
    if ref is None or role is None:
        raise Invalid(_("Choisissez le quartier de la personne."), field="qpv_code")
    if not form["birth_year"].isdigit():
        raise Invalid(_("Indiquez l'année de naissance (4 chiffres)."), field="birth_year")
    address = " ".join(form["address"].split())
    if len(address) < 5:
        raise Invalid(_("Indiquez l'adresse de la personne (numéro et rue)."), field="address")
    documents.check_kind(form["document_kind"])
    actor = point.principal.actor(role)
    user = accounts.register(
        session,
        identifier=form["identifier"],
        password=None,
        display_name=form["display_name"],
        birth_year=int(form["birth_year"]),
        registered_by=actor.id,
    )
    user.qpv_id = ref.id
    user.residence_status = ResidenceStatus.declared
    user.address = address[:300]
    documents.record_document(
        session,
        user,
        key=settings.id_document_key,
        kind=form["document_kind"],
        number=form["document_number"],
    )
    slip = activation.issue_activation(
        session,
        settings.secret_key,
        actor,
        user,
        session.get(Qpv, ref.id),
        context=_("inscription au bureau de vote"),
    )
    return user, slip


@router.post("/budget-participatif/{slug}/bureau/inscrire")
def register_person(request: Request, session: DbSession, point: PointDep, raw: WholeForm) -> Response:
    """Register a person met at the voting point: no password, and neither e-mail nor phone needed.
    The identity document is noted (hash only) and the page shows the slip to print."""
    names = (
        "display_name",
        "identifier",
        "birth_year",
        "address",
        "qpv_code",
        "document_kind",
        "document_number",
    )
    form = {k: form_value(raw, k) for k in names}
    outcome = attempt(session, lambda: _register(request, session, point, form))
    if isinstance(outcome, DomainError):
        return _bureau_page(request, session, point, form=form, error=outcome)
    user, slip = outcome
    return render(
        request,
        "budget/bureau_slip.html",
        {
            "edition": point.edition,
            "base": point.base,
            "person": user,
            "slip": slip,
            "activate_url": activation.activate_url(request.app.state.settings.base_url),
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/budget-participatif/{slug}/bureau/import")
def import_form(request: Request, point: PointDep) -> Response:
    return render(
        request,
        "budget/bureau_import.html",
        {"edition": point.edition, "base": point.base, "report": None, "error": None, "columns": COLUMNS},
    )


@router.post("/budget-participatif/{slug}/bureau/import")
def import_file(request: Request, session: DbSession, point: PointDep, raw: WholeForm) -> Response:
    """Check the file (« Vérifier ») or record it (« Enregistrer »): refused lines cancel it all."""
    upload = raw.get("fichier")
    content = upload.file.read(2_000_001) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    report = None
    error: DomainError | None = None
    if not content:
        error = Invalid(_("Choisissez le fichier CSV des bulletins."), field="fichier")
    else:
        report = import_batch(
            session,
            actor=point.principal.actor(point.role()),
            secret=request.app.state.settings.secret_key,
            edition=point.edition,
            covered=point.covered,
            filename=filename,
            raw=content,
            apply=form_value(raw, "action") == "enregistrer",
            cache=vote_cache(request),
            document_key=request.app.state.settings.id_document_key,
        )
    ok = report is not None and not report.refused and not report.problem
    return render(
        request,
        "budget/bureau_import.html",
        {"edition": point.edition, "base": point.base, "report": report, "error": error, "columns": COLUMNS},
        status_code=200 if ok else 422,
    )
