"""The émargement at a voting point: the person's page (eligibility, identity and residence checks),
the signature on the list, then the tablet or a paper ballot; the close of the voting point's
session. Found from the search of :mod:`.bureau_views`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import col, select

from backend.accounts import documents
from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.accounts.security import flash
from backend.budget.voting import isoloir, service
from backend.budget.voting.ballot_form import context_of, form_value, vote_cache
from backend.budget.voting.eligibility import VoterFacts
from backend.budget.voting.service import NotEligible, PaperInfo
from backend.budget.voting.voting_point import GRANT_KEY, POINT_KEY, PointDep, VotingPoint
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.territory.models import Qpv, QpvRef
from backend.views_common import WholeForm

router = APIRouter(include_in_schema=False)
RESIDENCE_CHECKS = (
    "Facture (électricité, gaz, eau, téléphone)",
    "Quittance de loyer ou bail",
    "Attestation d'hébergement",
    "Avis d'imposition",
    "Autre",
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
    point: VotingPoint,
    person: User,
    form: dict[str, str],
    error: DomainError | None = None,
) -> Response:
    ctx = context_of(request, session, point.edition)
    chosen = point.ref(form.get("qpv_code", ""))
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
        "edition": point.edition,
        "base": point.base,
        "person": person,
        "qpv": session.get(Qpv, person.qpv_id) if person.qpv_id else None,
        "voted": service.voter_row(session, ctx.edition_id, person.id),
        "refusal": refusal,
        "covered": point.covered,
        "form": form,
        "error": error,
        "kinds": documents.document_kinds(),
        "residence_checks": [_(c) for c in RESIDENCE_CHECKS],
        "points": [p for p, _n in service.counts_by_point(session, ctx.edition_id)[:-1]],
        "pending": point.grant is not None,
    }
    status_code = error.status_code if error else 200
    return render(request, "budget/bureau_person.html", context, status_code=status_code)


@router.get("/budget-participatif/{slug}/bureau/personne/{public_id}")
def person_page(request: Request, session: DbSession, point: PointDep, public_id: str) -> Response:
    person = _load_person(session, point.covered, public_id)
    qpv_code = next((r.code for r in point.covered if r.id == person.qpv_id), "")
    form = {"voting_point": request.session.get(POINT_KEY, ""), "qpv_code": qpv_code, "residence_check": ""}
    return _person_page(request, session, point, person, form)


# --- the émargement, then the urn ---------------------------------------------------------------


def _spend_pending(request: Request, session: DbSession, point: VotingPoint) -> bool:
    """Spend the tablet's waiting pass, if any (the person votes on paper, or left): it can then
    give no tablet ballot, even replayed. True when there was one."""
    if point.grant is None:
        return False
    isoloir.give_paper(session, point.edition.id, point.grant)
    request.session.pop(GRANT_KEY, None)
    return True


def _sign_in(
    request: Request, session: DbSession, point: VotingPoint, person: User, form: dict[str, str]
) -> isoloir.Pass:
    """Note the identity document, check or take the residence, then sign the list."""
    if point.grant is not None:
        raise Conflict(
            _(
                "Une personne a signé la liste mais n'a pas encore voté. Terminez son vote, ou donnez-lui "
                "un bulletin papier, avant de faire signer la personne suivante."
            ),
            field="deja_vote",
        )
    ref = point.ref(form["qpv_code"])
    role = point.role(ref)
    if ref is None or role is None:
        raise Invalid(
            _("Choisissez le quartier de la personne, parmi ceux dont vous avez la charge."), field="qpv_code"
        )
    actor = point.principal.actor(role)
    identity = documents.kind_label(documents.check_kind(form["document_kind"]))
    residence = form["residence_check"]
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
    return isoloir.sign_in(
        session,
        edition=point.edition,
        user=person,
        info=PaperInfo(form["voting_point"], identity, residence_text, actor.id),
        cache=vote_cache(request),
    )


@router.post("/budget-participatif/{slug}/bureau/personne/{public_id}")
def sign_in_person(
    request: Request, session: DbSession, point: PointDep, public_id: str, raw: WholeForm
) -> Response:
    """« Signer la liste d'émargement »: identity and residence were checked; no choice is recorded."""
    person = _load_person(session, point.covered, public_id)
    names = (
        "voting_point",
        "document_kind",
        "document_number",
        "residence_check",
        "residence_other",
        "qpv_code",
    )
    form = {k: form_value(raw, k) for k in names}
    grant = attempt(session, lambda: _sign_in(request, session, point, person, form))
    if isinstance(grant, DomainError):
        session.refresh(person)
        return _person_page(request, session, point, person, form, grant)
    request.session[POINT_KEY] = grant.voting_point
    # The pass names nobody: the tablet knows that someone may vote, not who.
    request.session[GRANT_KEY] = {
        "slug": point.edition.slug,
        "token": grant.token,
        "envelope": grant.envelope_id,
        "point": grant.voting_point,
    }
    return redirect(f"{point.base}/emargement", request)


@router.get("/budget-participatif/{slug}/bureau/emargement")
def signed_in(request: Request, point: PointDep) -> Response:
    """After the signature: the tablet (isoloir) or a paper ballot into the box."""
    if point.grant is None:
        return redirect(point.base)
    return render(
        request,
        "budget/bureau_signed.html",
        {"edition": point.edition, "base": point.base, "point": point.grant.voting_point},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/budget-participatif/{slug}/bureau/papier")
def paper_ballot(request: Request, session: DbSession, point: PointDep) -> Response:
    """The person votes on paper: nothing more is recorded now (the ballot is counted at the
    dépouillement); the tablet's pass is spent so that it cannot also give a tablet ballot."""
    if _spend_pending(request, session, point):
        flash(
            request,
            _(
                "Donnez un bulletin papier et une enveloppe. La personne vote seule, puis met l'enveloppe dans l'urne."
            ),
            "success",
        )
    return redirect(point.base)


@router.get("/budget-participatif/{slug}/bureau/a-vote")
def has_voted(request: Request, point: PointDep) -> Response:
    """The agent's screen once the tablet is back: « A voté », nothing of the choice."""
    return render(
        request,
        "budget/bureau_voted.html",
        {"edition": point.edition, "base": point.base},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/budget-participatif/{slug}/bureau/fermer")
def close_voting_point(request: Request, session: DbSession, point: PointDep, raw: WholeForm) -> Response:
    """End of a voting point's session: the urn is mixed and the counts are journaled."""
    name = form_value(raw, "voting_point") or str(request.session.get(POINT_KEY, ""))
    if len(" ".join(name.split())) < 2:
        flash(request, _("Indiquez le bureau de vote à fermer."), "error")
        return redirect(point.base)
    _spend_pending(request, session, point)  # someone signed in and left: their tablet pass is spent
    counts = isoloir.close_point(session, point.principal.actor(point.role()), point.edition, name)
    request.session.pop(POINT_KEY, None)
    flash(
        request,
        _("Bureau de vote « %(point)s » fermé : %(n)d signatures, %(t)d votes sur la tablette.")
        % {"point": counts.voting_point, "n": counts.signatures, "t": counts.tablet_ballots},
        "success",
    )
    return redirect(point.base)
