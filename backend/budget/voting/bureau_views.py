"""The voting point (« bureau de vote »): moderators and agents of the QPV find or register a
person, check identity and residence (recording how), and sign them in (émargement). The person
then votes alone: on the tablet (« isoloir », :mod:`.isoloir`) or on paper into the box. The agent
never types anyone's choice. Also the batch entry of paper ballot sheets.

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
from backend.accounts.security import flash
from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.permissions import EditionDep, acting_role, staff_policy, staff_qpvs
from backend.budget.phases import Act
from backend.budget.service import editions
from backend.budget.voting import isoloir, service
from backend.budget.voting.ballot_form import (
    ballot_context,
    context_of,
    form_data,
    form_value,
    read_choice,
    vote_cache,
)
from backend.budget.voting.context import Choice
from backend.budget.voting.eligibility import VoterFacts
from backend.budget.voting.paper import COLUMNS, import_batch
from backend.budget.voting.service import BallotRefused, NotEligible, PaperInfo
from backend.deps import DbSession
from backend.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.territory.models import Qpv, QpvRef

router = APIRouter(include_in_schema=False)
POINT_KEY = "bp_voting_point"
GRANT_KEY = "bp_isoloir_grant"
RECEIPT_KEY = "bp_isoloir_receipt"
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
            "counts": service.counts_by_point(session, edition.id),
            "pending": _pending(request, edition) is not None,
            "current_point": request.session.get(POINT_KEY, ""),
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
                "counts": service.counts_by_point(session, edition.id),
                "pending": _pending(request, edition) is not None,
                "current_point": request.session.get(POINT_KEY, ""),
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
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request, session, edition)
    voted = service.voter_row(session, ctx.edition_id, person.id)
    qpv = session.get(Qpv, person.qpv_id) if person.qpv_id else None
    chosen = next((r for r in covered if r.code == form.get("qpv_code")), None)
    facts = VoterFacts(
        person.birth_year,
        chosen.id if chosen else person.qpv_id,
        ResidenceStatus.verified
        if form.get("residence_check") not in ("", "deja", None)
        else person.residence_status,
    )
    refusal = None
    try:
        service.eligible_envelope(ctx, facts, staff=True)
    except NotEligible as exc:
        refusal = exc.refusal
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
        "kinds": documents.document_kinds(),
        "residence_checks": [_(c) for c in RESIDENCE_CHECKS],
        "points": [p for p, _n in service.counts_by_point(session, ctx.edition_id)[:-1]],
        "pending": _pending(request, edition) is not None,
    }
    return render(request, "budget/bureau_person.html", context, status_code=status_code)


@router.get("/budget-participatif/{slug}/bureau/personne/{public_id}")
def person_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep, public_id: str
) -> Response:
    covered = covered_qpvs(session, principal, edition)
    person = _load_person(session, covered, public_id)
    qpv_code = next((r.code for r in covered if r.id == person.qpv_id), "")
    form = {"voting_point": request.session.get(POINT_KEY, ""), "qpv_code": qpv_code, "residence_check": ""}
    return _person_page(request, session, edition, covered, person, form)


# --- the émargement, then the urn ---------------------------------------------------------------


def _pending(request: Request, edition: Edition) -> isoloir.Pass | None:
    """The tablet's pass, if a person signed in here has not voted yet."""
    data = request.session.get(GRANT_KEY)
    if not isinstance(data, dict) or data.get("slug") != edition.slug:
        return None
    return isoloir.Pass(str(data["token"]), int(data["envelope"]), str(data["point"]))


def _spend_pending(request: Request, session: DbSession, edition: Edition) -> bool:
    """Spend the tablet's waiting pass, if any (the person votes on paper, or left): it can then
    give no tablet ballot, even replayed. True when there was one."""
    grant = _pending(request, edition)
    if grant is None:
        return False
    isoloir.give_paper(session, edition.id, grant)
    request.session.pop(GRANT_KEY, None)
    return True


@router.post("/budget-participatif/{slug}/bureau/personne/{public_id}")
def sign_in_person(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    public_id: str,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """« Signer la liste d'émargement »: identity and residence were checked; no choice is recorded."""
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
    try:
        if _pending(request, edition) is not None:
            raise Conflict(
                _(
                    "Une personne a signé la liste mais n'a pas encore voté. Terminez son vote, ou donnez-lui "
                    "un bulletin papier, avant de faire signer la personne suivante."
                ),
                field="deja_vote",
            )
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
            # Noted on the account before the sign-in: the box then refuses a document that voted.
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
            grant = isoloir.sign_in(
                session,
                edition=edition,
                user=person,
                info=PaperInfo(form["voting_point"], identity, residence_text, actor.id),
                cache=vote_cache(request),
            )
    except DomainError as exc:
        session.refresh(person)
        return _person_page(
            request, session, edition, covered, person, form, exc, status_code=exc.status_code
        )
    request.session[POINT_KEY] = grant.voting_point
    # The pass names nobody: the tablet knows that someone may vote, not who.
    request.session[GRANT_KEY] = {
        "slug": edition.slug,
        "token": grant.token,
        "envelope": grant.envelope_id,
        "point": grant.voting_point,
    }
    return redirect(f"{_base(edition)}/emargement", request)


@router.get("/budget-participatif/{slug}/bureau/emargement")
def signed_in(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    """After the signature: the tablet (isoloir) or a paper ballot into the box."""
    covered_qpvs(session, principal, edition)
    grant = _pending(request, edition)
    if grant is None:
        return redirect(_base(edition))
    return render(
        request,
        "budget/bureau_signed.html",
        {"edition": edition, "base": _base(edition), "point": grant.voting_point},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/budget-participatif/{slug}/bureau/papier")
def paper_ballot(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    """The person votes on paper: nothing more is recorded now (the ballot is counted at the
    dépouillement); the tablet's pass is spent so that it cannot also give a tablet ballot."""
    covered_qpvs(session, principal, edition)
    if _spend_pending(request, session, edition):
        flash(
            request,
            _(
                "Donnez un bulletin papier et une enveloppe. La personne vote seule, puis met l'enveloppe dans l'urne."
            ),
            "success",
        )
    return redirect(_base(edition))


def _isoloir_page(
    request: Request,
    session: DbSession,
    edition: Edition,
    grant: isoloir.Pass,
    choice: Choice,
    *,
    template: str = "budget/isoloir.html",
    error: DomainError | None = None,
    status_code: int = 200,
) -> Response:
    ctx = context_of(request, session, edition)
    envelope = ctx.envelopes.get(grant.envelope_id)
    if envelope is None:
        raise NotFound(_("Ce bulletin ne correspond à aucune enveloppe."))
    context: dict[str, Any] = {
        "edition": edition,
        "base": _base(edition),
        "error": error,
        "problems": error.problems if isinstance(error, BallotRefused) else [],
        "isoloir": True,
        **ballot_context(ctx, envelope, choice, check=error is not None),
    }
    return render(request, template, context, status_code=status_code, headers={"Cache-Control": "no-store"})


@router.get("/budget-participatif/{slug}/bureau/isoloir")
def isoloir_page(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    """The voter's screen: their ballot, alone."""
    covered_qpvs(session, principal, edition)
    grant = _pending(request, edition)
    if grant is None:
        return redirect(_base(edition))
    return _isoloir_page(request, session, edition, grant, Choice())


@router.post("/budget-participatif/{slug}/bureau/isoloir/compteur")
def isoloir_running_count(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """htmx: the count (or budget) of the ballot being chosen; nothing is stored."""
    covered_qpvs(session, principal, edition)
    grant = _pending(request, edition)
    ctx = context_of(request, session, edition)
    envelope = ctx.envelopes.get(grant.envelope_id) if grant else None
    if envelope is None:
        return Response(status_code=204)
    return render(request, "budget/_vote_counter.html", ballot_context(ctx, envelope, read_choice(ctx, raw)))


@router.post("/budget-participatif/{slug}/bureau/isoloir")
def isoloir_ballot(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """« Vérifier » shows the choice again; « Confirmer » drops it in the urn (once per pass)."""
    covered_qpvs(session, principal, edition)
    grant = _pending(request, edition)
    if grant is None:
        flash(
            request,
            _("Ce vote sur la tablette est déjà enregistré, ou la personne n'a pas signé la liste."),
            "error",
        )
        return redirect(_base(edition))
    ctx = context_of(request, session, edition)
    choice = read_choice(ctx, raw)
    action = form_value(raw, "action")
    if action != "confirmer":
        problems = ctx.problems(ctx.envelopes[grant.envelope_id], choice) if action == "verifier" else []
        if action == "verifier" and not problems:
            return _isoloir_page(
                request, session, edition, grant, choice, template="budget/isoloir_confirm.html"
            )
        error = BallotRefused(problems) if problems else None
        status = error.status_code if error else 200
        return _isoloir_page(request, session, edition, grant, choice, error=error, status_code=status)
    try:
        with session.begin_nested():
            receipt = isoloir.cast(
                session, edition=edition, grant=grant, choice=choice, cache=vote_cache(request)
            )
    except BallotRefused as exc:
        return _isoloir_page(request, session, edition, grant, choice, error=exc, status_code=exc.status_code)
    except DomainError as exc:
        request.session.pop(GRANT_KEY, None)
        flash(request, exc.message, "error")
        return redirect(_base(edition))
    request.session.pop(GRANT_KEY, None)
    request.session[RECEIPT_KEY] = {"slug": edition.slug, "code": receipt}
    return redirect(f"{_base(edition)}/isoloir/recu", request)


@router.get("/budget-participatif/{slug}/bureau/isoloir/recu")
def isoloir_receipt(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    """Still the voter's screen: their receipt, shown once, before the tablet goes back."""
    covered_qpvs(session, principal, edition)
    data = request.session.pop(RECEIPT_KEY, None)
    if not data or data.get("slug") != edition.slug:
        return redirect(f"{_base(edition)}/a-vote")
    return render(
        request,
        "budget/isoloir_receipt.html",
        {"edition": edition, "base": _base(edition), "code": data["code"], "isoloir": True},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/budget-participatif/{slug}/bureau/a-vote")
def has_voted(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> Response:
    """The agent's screen once the tablet is back: « A voté », nothing of the choice."""
    covered_qpvs(session, principal, edition)
    return render(
        request,
        "budget/bureau_voted.html",
        {"edition": edition, "base": _base(edition)},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/budget-participatif/{slug}/bureau/fermer")
def close_voting_point(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    edition: EditionDep,
    raw: Annotated[FormData, Depends(form_data)],
) -> Response:
    """End of a voting point's session: the urn is mixed and the counts are journaled."""
    covered = covered_qpvs(session, principal, edition)
    point = form_value(raw, "voting_point") or str(request.session.get(POINT_KEY, ""))
    if len(" ".join(point.split())) < 2:
        flash(request, _("Indiquez le bureau de vote à fermer."), "error")
        return redirect(_base(edition))
    role = acting_role(principal, edition, Act.record_paper_ballot, covered[0] if covered else None)
    _spend_pending(request, session, edition)  # someone signed in and left: their tablet pass is spent
    counts = isoloir.close_point(session, principal.actor(role), edition, point)
    request.session.pop(POINT_KEY, None)
    flash(
        request,
        _("Bureau de vote « %(point)s » fermé : %(n)d signatures, %(t)d votes sur la tablette.")
        % {"point": counts.voting_point, "n": counts.signatures, "t": counts.tablet_ballots},
        "success",
    )
    return redirect(_base(edition))


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
