"""The voting point (« bureau de vote »): moderators and agents of the QPV find or register a
person, check identity and residence (recording how), and record the paper ballot. Also the
batch entry of paper ballot sheets with its reconciliation report.

The identity document's number is typed by the agent and kept only as a keyed hash on the account
(:mod:`backend.accounts.documents`): one document votes once per edition. A person registered here
needs neither e-mail nor phone and leaves with a printed slip (login id and activation code)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import func, or_
from sqlmodel import col, select
from starlette.datastructures import FormData, UploadFile

from backend.accounts import activation, documents
from backend.accounts import service as accounts
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.models import ResidenceStatus, User
from backend.accounts.permissions import Principal, enforce
from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.permissions import EditionDep, acting_role, staff_policy, staff_qpvs
from backend.budget.phases import Act
from backend.budget.service import editions
from backend.budget.voting import service
from backend.budget.voting.context import Choice
from backend.budget.voting.eligibility import VoterFacts
from backend.budget.voting.paper import COLUMNS, import_batch
from backend.budget.voting.service import BallotRefused, NotEligible, PaperInfo
from backend.budget.voting.web import (
    ballot_context,
    context_of,
    form_data,
    form_value,
    read_choice,
    vote_cache,
)
from backend.deps import DbSession
from backend.errors import DomainError, Forbidden, Invalid, NotFound
from backend.i18n import gettext as _
from backend.territory.models import Qpv, QpvRef
from backend.web import redirect, render

router = APIRouter(include_in_schema=False)
POINT_KEY = "bp_voting_point"
RECEIPT_KEY = "bp_paper_receipt"
RESIDENCE_CHECKS = (
    "Facture (électricité, gaz, eau, téléphone)",
    "Quittance de loyer ou bail",
    "Attestation d'hébergement",
    "Avis d'imposition",
    "Autre",
)


def _base(edition: Edition) -> str:
    return f"/budget-participatif/{edition.slug}/bureau"


def covered_qpvs(session: DbSession, principal: Principal, edition: Edition) -> list[QpvRef]:
    """The edition's QPV where this person may record paper ballots (403 otherwise)."""
    refs = editions.edition_qpvs(session, edition)
    enforce(staff_policy(principal, edition, Act.record_paper_ballot, refs))
    roles = tuple(phases.spec(edition.phase).roles_for(Act.record_paper_ballot))
    return staff_qpvs(principal, edition, roles, refs)


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


@router.get("/budget-participatif/{slug}/bureau")
def voting_point(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, q: str = ""
) -> Response:
    covered = covered_qpvs(session, principal, edition)
    people = _search(session, q, covered)
    voted = {
        v.user_id: v
        for v in session.exec(
            select(service.Voter).where(
                service.Voter.edition_id == edition.id, col(service.Voter.user_id).in_([p.id for p in people])
            )
        ).all()
    }
    names = {r.id: r.name for r in covered}
    return render(
        request,
        "budget/bureau.html",
        {
            "edition": edition,
            "base": _base(edition),
            "q": q,
            "people": people,
            "voted": voted,
            "qpv_names": names,
            "covered": covered,
            "counts": service.counts_by_point(session, edition.id),  # type: ignore[arg-type]
            "form": {},
            "error": None,
            "kinds": documents.document_kinds(),
        },
    )


@router.post("/budget-participatif/{slug}/bureau/inscrire")
def register_person(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Register a person met at the voting point: no password, and neither e-mail nor phone needed.
    The identity document is noted (hash only) and the page shows the slip to print."""
    covered = covered_qpvs(session, principal, edition)
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
    settings = request.app.state.settings
    try:
        ref = next((r for r in covered if r.code == form["qpv_code"]), None)
        role = acting_role(principal, edition, Act.record_paper_ballot, ref)
        if ref is None or role is None:
            raise Invalid(_("Choisissez le quartier de la personne."), field="qpv_code")
        if not form["birth_year"].isdigit():
            raise Invalid(_("Indiquez l'année de naissance (4 chiffres)."), field="birth_year")
        address = " ".join(form["address"].split())
        if len(address) < 5:
            raise Invalid(_("Indiquez l'adresse de la personne (numéro et rue)."), field="address")
        documents.check_kind(form["document_kind"])
        actor = principal.actor(role)
        with session.begin_nested():
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
    except DomainError as exc:
        return render(
            request,
            "budget/bureau.html",
            {
                "edition": edition,
                "base": _base(edition),
                "q": "",
                "people": [],
                "voted": {},
                "qpv_names": {r.id: r.name for r in covered},
                "covered": covered,
                "counts": service.counts_by_point(session, edition.id),  # type: ignore[arg-type]
                "form": form,
                "error": exc,
                "kinds": documents.document_kinds(),
            },
            status_code=exc.status_code,
        )
    return render(
        request,
        "budget/bureau_slip.html",
        {
            "edition": edition,
            "base": _base(edition),
            "person": user,
            "slip": slip,
            "activate_url": activation.activate_url(settings.base_url),
        },
        headers={"Cache-Control": "no-store"},
    )


def _load_person(session: DbSession, covered: list[QpvRef], public_id: str) -> User:
    user = session.exec(
        select(User).where(User.public_id == public_id, col(User.deleted_at).is_(None))
    ).first()
    if user is None:
        raise NotFound(_("Cette personne n'existe pas."))
    if user.qpv_id is not None and user.qpv_id not in {r.id for r in covered}:
        raise Forbidden(_("Cette personne habite un quartier dont vous n'avez pas la charge."))
    return user


def _person_page(
    request: Request,
    session: DbSession,
    edition: Edition,
    covered: list[QpvRef],
    person: User,
    form: dict[str, str],
    choice: Choice,
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request, session, edition)
    voted = service.voter_row(session, ctx.edition_id, person.id)  # type: ignore[arg-type]
    qpv = session.get(Qpv, person.qpv_id) if person.qpv_id else None
    # Which envelope to show: the person's, or the one of the QPV chosen for the residence check.
    chosen = next((r for r in covered if r.code == form.get("qpv_code")), None)
    facts = VoterFacts(
        person.birth_year,
        chosen.id if chosen else person.qpv_id,
        ResidenceStatus.verified
        if form.get("residence_check") not in ("", "deja", None)
        else person.residence_status,
    )
    refusal = None
    envelope = None
    try:
        envelope = service.eligible_envelope(ctx, facts, staff=True)
    except NotEligible as exc:
        refusal = exc.refusal
    if envelope is None and qpv is None and covered:
        # No QPV yet: show the first covered QPV's envelope, the agent picks the right one.
        envelope_id = ctx.envelope_by_qpv.get(covered[0].id)
        envelope = ctx.envelopes.get(envelope_id) if envelope_id else None
    context: dict[str, Any] = {
        "edition": edition,
        "base": _base(edition),
        "person": person,
        "qpv": qpv,
        "voted": voted,
        "refusal": refusal,
        "covered": covered,
        "form": form,
        "error": error,
        "problems": error.problems if isinstance(error, BallotRefused) else [],
        "kinds": documents.document_kinds(),
        "residence_checks": [_(c) for c in RESIDENCE_CHECKS],
        "envelope": envelope,
        "points": [p for p, _n in service.counts_by_point(session, ctx.edition_id)[:-1]],
    }
    if envelope is not None:
        context.update(ballot_context(ctx, envelope, choice, check=error is not None))
    return render(request, "budget/bureau_person.html", context, status_code=status_code)


@router.get("/budget-participatif/{slug}/bureau/personne/{public_id}")
def person_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, public_id: str
) -> Response:
    covered = covered_qpvs(session, principal, edition)
    person = _load_person(session, covered, public_id)
    qpv_code = next((r.code for r in covered if r.id == person.qpv_id), "")
    form = {"voting_point": request.session.get(POINT_KEY, ""), "qpv_code": qpv_code, "residence_check": ""}
    return _person_page(request, session, edition, covered, person, form, Choice())


@router.post("/budget-participatif/{slug}/bureau/personne/{public_id}/compteur")
def paper_running_count(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    public_id: str,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """htmx: the count (or budget) of the paper ballot being typed; nothing is stored."""
    covered = covered_qpvs(session, principal, edition)
    _load_person(session, covered, public_id)
    ctx = context_of(request, session, edition)
    ref = next((r for r in covered if r.code == form_value(raw, "qpv_code")), None)
    envelope_id = ctx.envelope_by_qpv.get(ref.id) if ref else None
    envelope = ctx.envelopes.get(envelope_id) if envelope_id else None
    if envelope is None:
        return Response(status_code=204)
    return render(request, "budget/_vote_counter.html", ballot_context(ctx, envelope, read_choice(ctx, raw)))


@router.post("/budget-participatif/{slug}/bureau/personne/{public_id}")
def record_paper_ballot(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    public_id: str,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    covered = covered_qpvs(session, principal, edition)
    person = _load_person(session, covered, public_id)
    names = (
        "voting_point",
        "document_kind",
        "document_number",
        "residence_check",
        "residence_other",
        "qpv_code",
    )
    form = {k: form_value(raw, k) for k in names}
    ctx = context_of(request, session, edition)
    choice = read_choice(ctx, raw)
    try:
        ref = next((r for r in covered if r.code == form["qpv_code"]), None)
        role = acting_role(principal, edition, Act.record_paper_ballot, ref)
        if ref is None or role is None:
            raise Invalid(
                _("Choisissez le quartier de la personne, parmi ceux dont vous avez la charge."),
                field="qpv_code",
            )
        actor = principal.actor(role)
        identity = documents.kind_label(documents.check_kind(form["document_kind"]))
        residence = form["residence_check"]
        with session.begin_nested():
            # Noted on the account before the ballot: the box then refuses a document that voted.
            documents.record_document(
                session,
                person,
                key=request.app.state.settings.id_document_key,
                kind=form["document_kind"],
                number=form["document_number"],
            )
            if residence and residence != "deja":
                method = form["residence_other"] if residence in ("Autre", _("Autre")) else residence
                qpv = session.get(Qpv, ref.id)
                assert qpv is not None
                accounts.verify_residence(session, actor, person, qpv, method)
                residence_text = method
            elif person.qpv_id is None or person.qpv_id != ref.id:
                raise Invalid(
                    _("Vérifiez la résidence de la personne dans ce quartier (justificatif de domicile)."),
                    field="residence_check",
                )
            else:
                residence_text = (
                    _("résidence déjà vérifiée")
                    if person.residence_status == ResidenceStatus.verified
                    else _("quartier déclaré")
                )
            result = service.record_paper(
                session,
                secret=request.app.state.settings.secret_key,
                edition=edition,
                user=person,
                choice=choice,
                paper=PaperInfo(form["voting_point"], identity, residence_text, actor.id),
                cache=vote_cache(request),
            )
    except DomainError as exc:
        session.refresh(person)
        return _person_page(
            request, session, edition, covered, person, form, choice, exc, status_code=exc.status_code
        )
    request.session[POINT_KEY] = " ".join(form["voting_point"].split())
    request.session[RECEIPT_KEY] = {"slug": edition.slug, "code": result.receipt, "name": person.display_name}
    return redirect(f"{_base(edition)}/recu", request)


@router.get("/budget-participatif/{slug}/bureau/recu")
def paper_receipt(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    covered_qpvs(session, principal, edition)
    data = request.session.pop(RECEIPT_KEY, None)
    if not data or data.get("slug") != edition.slug:
        return redirect(_base(edition))
    return render(
        request,
        "budget/bureau_receipt.html",
        {"edition": edition, "base": _base(edition), "receipt": data},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/budget-participatif/{slug}/bureau/import")
def import_form(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    covered_qpvs(session, principal, edition)
    return render(
        request,
        "budget/bureau_import.html",
        {"edition": edition, "base": _base(edition), "report": None, "error": None, "columns": COLUMNS},
    )


@router.post("/budget-participatif/{slug}/bureau/import")
def import_file(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """Check the file (« Vérifier ») or record it (« Enregistrer »): refused lines cancel it all."""
    covered = covered_qpvs(session, principal, edition)
    upload = raw.get("fichier")
    content = upload.file.read(2_000_001) if isinstance(upload, UploadFile) else b""
    filename = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    report = None
    error: DomainError | None = None
    if not content:
        error = Invalid(_("Choisissez le fichier CSV des bulletins."), field="fichier")
    else:
        role = acting_role(principal, edition, Act.record_paper_ballot, covered[0] if covered else None)
        report = import_batch(
            session,
            actor=principal.actor(role),
            secret=request.app.state.settings.secret_key,
            edition=edition,
            covered=covered,
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
        {"edition": edition, "base": _base(edition), "report": report, "error": error, "columns": COLUMNS},
        status_code=200 if ok else 422,
    )
