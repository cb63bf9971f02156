"""In-person recovery: staff find a person of their quartier, check an identity document and print
a one-time activation code; the person then uses it at ``/compte/activer``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import col, select

from backend.accounts import activation, documents, sessions
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.forms import ActivationForm, DocumentForm
from backend.accounts.models import LoginAttempt, Role, User
from backend.accounts.permissions import VERIFIER_ROLES, enforce, verify_residence_policy
from backend.accounts.security import account_key
from backend.accounts.views import _login, covered_refs
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError, Invalid, NotFound
from backend.i18n import gettext as _
from backend.rendering import render
from backend.territory.models import Qpv, QpvRef
from backend.territory.service import qpv_ref
from backend.views_common import Posted, done

router = APIRouter(include_in_schema=False)
HELP_PATH = "/aide-compte"
NO_STORE = {"Cache-Control": "no-store"}


# --- the person: /compte/activer -----------------------------------------------------------


@router.get(activation.ACTIVATE_PATH)
def activate_form(request: Request) -> Response:
    return render(request, "accounts/activate.html", {"form": {}, "error": None})


@router.post(activation.ACTIVATE_PATH)
def activate(request: Request, session: DbSession, posted: Posted[ActivationForm]) -> Response:
    settings = request.app.state.settings
    ip = request.client.host if request.client else "unknown"
    key = account_key(f"activation:{ip}")
    form = posted.typed("code", "contact")

    def activate_account() -> User:
        sessions.check_rate_limit(session, settings, key, ip)
        posted.check_confirm()
        return activation.activate(
            session, settings.secret_key, code=posted.code, password=posted.password, contact=posted.contact
        )

    user = attempt(session, activate_account)
    if isinstance(user, DomainError):
        if user.field == "code":  # wrong codes count toward the limit, like failed logins
            session.add(LoginAttempt(account_key=key, ip=ip))
        return render(
            request,
            "accounts/activate.html",
            {"form": form, "error": user},
            status_code=user.status_code,
            headers=NO_STORE,
        )
    _login(request, session, user)
    login_id = activation.format_login_id(user.login_id)
    if login_id:
        message = _(
            "C'est fait : votre mot de passe est enregistré. Pour vous connecter, tapez votre identifiant "
            "%(login_id)s et votre mot de passe."
        ) % {"login_id": login_id}
    else:
        message = _("C'est fait : votre mot de passe est enregistré. Vous êtes connecté.")
    return done(request, "/compte", message)


# --- staff: find a person and print a code -------------------------------------------------------


def _find(session: DbSession, key: str, covered: list[QpvRef], form: dict[str, str]) -> list[User]:
    """By document number (its hash), or by name and birth year, among the covered QPV only."""
    where: list[Any] = [col(User.deleted_at).is_(None), col(User.qpv_id).in_([r.id for r in covered])]
    if form["numero"].strip():
        where.append(User.id_document_hash == documents.document_hash(key, form["numero"]))
    else:
        name = " ".join(form["nom"].split()).lower()
        if len(name) < 2 or not form["annee"].strip().isdigit():
            raise Invalid(
                _("Tapez le nom et l'année de naissance, ou le numéro du document d'identité."), field="nom"
            )
        where += [func.lower(User.display_name).like(f"%{name}%"), User.birth_year == int(form["annee"])]
    return list(session.exec(select(User).where(*where).order_by(User.display_name).limit(20)).all())


def _help_page(
    request: Request,
    session: DbSession,
    covered: list[QpvRef],
    form: dict[str, str],
    people: list[User] | None = None,
    error: DomainError | None = None,
    person: str = "",
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "accounts/help_account.html",
        {
            "covered": covered,
            "qpv_names": {r.id: r.name for r in covered},
            "form": form,
            "people": people,
            "error": error,
            "error_person": person,
            "kinds": documents.document_kinds(),
        },
        status_code=status_code,
    )


@router.get(HELP_PATH)
def help_account(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    nom: str = "",
    annee: str = "",
    numero: str = "",
) -> Response:
    covered = covered_refs(session, principal)
    form = {"nom": nom, "annee": annee, "numero": numero}
    if not any(v.strip() for v in form.values()):
        return _help_page(request, session, covered, form)
    try:
        people = _find(session, request.app.state.settings.id_document_key, covered, form)
    except DomainError as exc:
        return _help_page(request, session, covered, form, error=exc, status_code=exc.status_code)
    return _help_page(request, session, covered, form, people)


@router.post(HELP_PATH + "/{public_id}")
def issue_code(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    public_id: str,
    posted: Posted[DocumentForm],
) -> Response:
    """Identity checked in person → the document is noted on the account and a code is printed."""
    covered = covered_refs(session, principal)
    person = session.exec(
        select(User).where(User.public_id == public_id, col(User.deleted_at).is_(None))
    ).first()
    if person is None:
        raise NotFound(_("Cette personne n'existe pas."))
    ref = qpv_ref(session, person.qpv_id) if person.qpv_id else None
    enforce(verify_residence_policy(principal, ref))
    assert ref is not None
    role = principal.covers_any(VERIFIER_ROLES, ref) or Role.agent
    settings = request.app.state.settings

    def issue() -> activation.Slip:
        documents.record_document(
            session,
            person,
            key=settings.id_document_key,
            kind=posted.document_kind,
            number=posted.document_number,
        )
        return activation.issue_activation(
            session,
            settings.secret_key,
            principal.actor(role),
            person,
            session.get(Qpv, ref.id),
            context=_("aide au compte"),
        )

    slip = attempt(session, issue)
    if isinstance(slip, DomainError):
        session.refresh(person)
        form = {"nom": person.display_name, "annee": str(person.birth_year or ""), "numero": ""}
        return _help_page(
            request, session, covered, form, [person], slip, person.public_id, status_code=slip.status_code
        )
    return render(
        request,
        "accounts/slip.html",
        {
            "slip": slip,
            "activate_url": activation.activate_url(settings.base_url),
            "back": HELP_PATH,
            "back_label": _("Aider une autre personne"),
        },
        headers=NO_STORE,
    )
