"""Sign-up, login, profile and residence, password, personal data, residence verification."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from backend import i18n
from backend.accounts import personal_data, service, sessions
from backend.accounts.contact import count_signup
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.forms import (
    Checks,
    DeleteAccountForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResidenceForm,
    SignupForm,
    read_birth_year,
)
from backend.accounts.grants import active_grants
from backend.accounts.models import ResidenceStatus, Role, User
from backend.accounts.permissions import (
    ROLE_LABELS,
    SCOPE_LABELS,
    VERIFIER_ROLES,
    Principal,
    enforce,
    require_authenticated,
    staff_policy,
    verify_residence_policy,
)
from backend.accounts.security import parse_identifier
from backend.db import attempt
from backend.deps import AppRegistry, DbSession, get_registry
from backend.errors import DomainError, Invalid, Problems
from backend.forms import form_errors
from backend.i18n import gettext as _
from backend.notifications.service import remember_language
from backend.rendering import redirect, render
from backend.territory.models import Qpv, QpvRef
from backend.territory.service import check_address, qpv_ref, qpv_refs, qpvs_by_commune
from backend.views_common import Posted, chosen_quartiers, done, refused

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None, default: str = "/compte") -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else default


def _login(request: Request, session: DbSession, user: User) -> None:
    """Start a fresh session (new server-side session, new CSRF token) for this user."""
    key = sessions.start_session(session, user, request.app.state.settings.session_max_age_s)
    request.session.clear()
    request.session.update({"uid": user.id, "sid": key, "csrf": secrets.token_urlsafe(32)})


# --- sign-up and login -----------------------------------------------------------------------

SIGNUP_FIELDS = ("identifier", "display_name", "birth_year", "password", "password_confirm", "consent")


def _in_form_order(exc: DomainError, fields: tuple[str, ...]) -> Problems:
    errors = Problems.of(exc)
    order = {name: i for i, name in enumerate(fields)}
    return Problems(sorted(errors, key=lambda e: order.get(e.field or "", len(order))))


@router.get("/inscription")
def signup_form(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"form": {}, **form_errors(None)})


@router.post("/inscription")
def signup(request: Request, session: DbSession, posted: Posted[SignupForm]) -> Response:
    form = posted.typed("identifier", "display_name", "birth_year")
    checks = Checks()
    year = checks.value(read_birth_year, posted.birth_year, required=True)
    checks.value(posted.check_confirm)
    if not posted.consent:
        checks.add(_("Cochez la case pour accepter l'utilisation de vos données."), field="consent")

    def register() -> User:
        ip = request.client.host if request.client else "unknown"
        count_signup(session, request.app.state.settings, ip)  # refused sign-ups do not count
        with checks:
            user = service.register(
                session,
                identifier=posted.identifier,
                password=posted.password,
                display_name=posted.display_name,
                birth_year=year,
            )
        checks.raise_any()
        remember_language(session, user.id, i18n.get_locale())  # the language they signed up in
        return user

    # In a savepoint: when the form has other problems, the account just created is undone.
    user = attempt(session, register)
    if isinstance(user, DomainError):
        problems = _in_form_order(user, SIGNUP_FIELDS)
        form["consent"] = posted.consent
        return render(
            request,
            "accounts/signup.html",
            {"form": form, **form_errors(problems)},
            status_code=problems.status_code,
        )
    _login(request, session, user)
    from backend.accounts.recovery_views import after_signup  # it imports _login from here

    return after_signup(request, session, user)  # sends the confirmation link or SMS code


@router.get("/connexion")
def login_form(request: Request, suivant: str = "") -> Response:
    return render(
        request,
        "accounts/login.html",
        {"identifier": "", "suivant": _safe_next(suivant), **form_errors(None)},
    )


@router.post("/connexion")
def login(request: Request, session: DbSession, posted: Posted[LoginForm]) -> Response:
    settings = request.app.state.settings
    ip = request.client.host if request.client else "unknown"
    context = {"identifier": posted.identifier, "suivant": _safe_next(posted.suivant)}
    # An incomplete form is not a guess: say what is missing, count nothing.
    checks = Checks()
    checks.value(parse_identifier, posted.identifier)
    if not posted.password:
        checks.add(_("Indiquez votre mot de passe."), field="password")
    try:
        checks.raise_any()
        user = sessions.authenticate(session, settings, posted.identifier, posted.password, ip)
    except DomainError as exc:
        return render(
            request, "accounts/login.html", {**context, **form_errors(exc)}, status_code=exc.status_code
        )
    if user is None:
        error = Invalid(_("Identifiant ou mot de passe incorrect."), field="password")
        return render(request, "accounts/login.html", {**context, **form_errors(error)}, status_code=401)
    _login(request, session, user)
    return redirect(_safe_next(posted.suivant), request)


@router.post("/deconnexion")
def logout(request: Request, session: DbSession) -> Response:
    """End this session on the server, so a copy of the cookie opens nothing any more."""
    sessions.end_session(session, request.session.get("sid"))
    request.session.clear()
    return done(request, "/", _("Vous êtes déconnecté."), "info")


# --- profile -----------------------------------------------------------------------------


def _profile_context(
    session: DbSession, principal: Principal, error: DomainError | None = None, **extra: object
) -> dict[str, object]:
    user = require_authenticated(principal)
    qpv = session.get(Qpv, user.qpv_id) if user.qpv_id else None
    return {
        "me": user,
        "qpv": qpv,
        "qpv_groups": qpvs_by_commune(session),
        "grants": active_grants(session, user.id),
        "role_labels": ROLE_LABELS,
        "scope_labels": SCOPE_LABELS,
        "form": {},
        "suivant": "",
        **form_errors(error),
        **extra,
    }


def _back_to(suivant: str) -> str:
    """Where to go once the profile is saved: back to the page that asked for it (the ballot
    page asks for the birth year or the quartier), or the profile itself."""
    return _safe_next(suivant, default="")


@router.get("/compte")
def profile(request: Request, session: DbSession, principal: CurrentPrincipal, suivant: str = "") -> Response:
    ctx = _profile_context(session, principal, suivant=_back_to(suivant))
    return render(request, "accounts/profile.html", ctx)


@router.post("/compte/profil")
def update_profile(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[ProfileForm]
) -> Response:
    user = require_authenticated(principal)
    checks = Checks()
    year = checks.value(read_birth_year, posted.birth_year)

    def update() -> None:
        with checks:
            service.update_profile(
                session,
                user,
                display_name=posted.display_name,
                birth_year=year if not checks.has("birth_year") else user.birth_year,
            )
        checks.raise_any()

    outcome = attempt(session, update)
    if isinstance(outcome, DomainError):
        session.refresh(user)
        form = posted.typed("display_name", "birth_year")
        problems = _in_form_order(outcome, ("display_name", "birth_year"))
        ctx = _profile_context(session, principal, problems, form=form, suivant=_back_to(posted.suivant))
        return render(request, "accounts/profile.html", ctx, status_code=problems.status_code)
    return done(request, _back_to(posted.suivant) or "/compte", _("Vos informations sont enregistrées."))


@router.post("/compte/residence")
def update_residence(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[ResidenceForm]
) -> Response:
    user = require_authenticated(principal)
    declared = (
        session.exec(select(Qpv).where(Qpv.code == posted.qpv_code)).first() if posted.qpv_code else None
    )
    check = (
        check_address(session, request.app.state.geocoder, posted.address) if posted.address.strip() else None
    )
    message = attempt(
        session,
        lambda: service.set_residence(
            session, user, address=posted.address, declared_qpv=declared, check=check
        ),
    )
    if isinstance(message, DomainError):
        session.refresh(user)
        form = posted.typed("address", "qpv_code")
        ctx = _profile_context(
            session, principal, message, form=form, residence_error=True, suivant=_back_to(posted.suivant)
        )
        return render(request, "accounts/profile.html", ctx, status_code=message.status_code)
    kind = "success" if user.residence_status == ResidenceStatus.verified else "info"
    return done(request, _back_to(posted.suivant) or "/compte#residence", message, kind)


@router.get("/compte/mot-de-passe")
def password_form(request: Request, principal: CurrentPrincipal) -> Response:
    require_authenticated(principal)
    return render(request, "accounts/password.html", form_errors(None))


@router.post("/compte/mot-de-passe")
def change_password(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[PasswordChangeForm]
) -> Response:
    user = require_authenticated(principal)
    outcome = attempt(
        session,
        lambda: sessions.change_password(
            session,
            user,
            current=posted.current_password,
            new=posted.password,
            confirm=posted.password_confirm,
        ),
    )
    if isinstance(outcome, DomainError):
        return render(
            request, "accounts/password.html", form_errors(outcome), status_code=outcome.status_code
        )
    _login(request, session, user)  # a new session here: copies of the old cookie stay logged out
    return done(
        request, "/compte", _("Votre mot de passe est changé. Vos autres appareils sont déconnectés.")
    )


@router.get("/compte/mes-donnees.json")
def download_data(session: DbSession, principal: CurrentPrincipal, registry: AppRegistry) -> Response:
    user = require_authenticated(principal)
    data = personal_data.export_personal_data(session, user, registry)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-quartiers-participatifs.json"'},
    )


@router.get("/compte/supprimer")
def delete_form(request: Request, principal: CurrentPrincipal) -> Response:
    require_authenticated(principal)
    return render(request, "accounts/delete.html", form_errors(None))


@router.post("/compte/supprimer")
def delete_account(
    request: Request, session: DbSession, principal: CurrentPrincipal, posted: Posted[DeleteAccountForm]
) -> Response:
    from backend.accounts.security import verify_password

    user = require_authenticated(principal)
    checks = Checks()
    if user.password_hash and not verify_password(posted.password, user.password_hash):
        checks.add(_("Le mot de passe n'est pas le bon."), field="password")
    if posted.confirm != "SUPPRIMER":
        checks.add(_("Écrivez SUPPRIMER en majuscules pour confirmer."), field="confirm")
    if checks.errors:
        return render(request, "accounts/delete.html", form_errors(Problems(checks.errors)), status_code=422)
    personal_data.delete_account(session, user, get_registry(request))
    request.session.clear()
    return done(request, "/", _("Votre compte et vos données personnelles ont été supprimés."))


# --- residence verification (agents, tables de quartier) ----------------------------------------


def covered_refs(session: DbSession, principal: Principal) -> list[QpvRef]:
    """The QPV where this agent or moderator may check residences and identities (403 if none)."""
    enforce(staff_policy(principal, *VERIFIER_ROLES))
    refs = [ref for ref in qpv_refs(session).values() if principal.covers_any(VERIFIER_ROLES, ref)]
    return sorted(refs, key=lambda r: r.name)


def verifiable_resident(user_id: int, session: DbSession, principal: CurrentPrincipal) -> User:
    """Load the resident and check the verifier's grant covers their QPV (404, then 403)."""
    user = service.get_user(session, user_id)
    enforce(verify_residence_policy(principal, qpv_ref(session, user.qpv_id) if user.qpv_id else None))
    return user


@router.get("/verification")
def verification_list(
    request: Request, session: DbSession, principal: CurrentPrincipal, qpv: str = "", statut: str = "declared"
) -> Response:
    covered = covered_refs(session, principal)
    selected = chosen_quartiers(covered, qpv)
    status = statut if statut in {s.value for s in ResidenceStatus} else None
    residents = service.residents_to_verify(session, [r.id for r in selected], status)
    names = {r.id: r.name for r in covered}
    return render(
        request,
        "accounts/verification.html",
        {"covered": covered, "qpv": qpv, "statut": statut, "residents": residents, "qpv_names": names},
    )


@router.post("/verification/{user_id}")
def verify(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    resident: Annotated[User, Depends(verifiable_resident)],
    method: Annotated[str, Form()] = "",
) -> Response:
    qpv = session.get(Qpv, resident.qpv_id)
    assert qpv is not None
    role = principal.covers_any(VERIFIER_ROLES, qpv_ref(session, qpv.id))
    outcome = attempt(
        session,
        lambda: service.verify_residence(session, principal.actor(role or Role.agent), resident, qpv, method),
    )
    if isinstance(outcome, DomainError):
        return refused(request, f"/verification?qpv={qpv.code}", outcome)
    message = _("Résidence de %(resident_display_nam)s vérifiée.") % {
        "resident_display_nam": resident.display_name
    }
    return done(request, f"/verification?qpv={qpv.code}", message)
