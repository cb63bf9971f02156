"""Sign-up, login, profile and residence, password, personal data, residence verification."""

from __future__ import annotations

import json
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from sqlmodel import select

from backend.accounts import service
from backend.accounts.deps import CurrentPrincipal, DbSession
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
from backend.accounts.security import flash
from backend.errors import DomainError, Invalid, NotFound, TooManyRequests
from backend.i18n import gettext as _
from backend.territory.models import Qpv
from backend.territory.service import check_address, qpv_ref, qpv_refs, qpvs_by_commune
from backend.web import redirect, render

router = APIRouter(include_in_schema=False)


def _safe_next(value: str | None, default: str = "/compte") -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else default


def _login(request: Request, user: User) -> None:
    """Start a fresh session (new CSRF token) for this user."""
    request.session.clear()
    request.session.update({"uid": user.id, "sv": user.session_version, "csrf": secrets.token_urlsafe(32)})


def _parse_year(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise Invalid(
            _("L'année de naissance s'écrit avec 4 chiffres, par exemple 1985."), field="birth_year"
        )
    return int(value)


# --- sign-up and login -----------------------------------------------------------------------


@router.get("/inscription")
def signup_form(request: Request) -> Response:
    return render(request, "accounts/signup.html", {"form": {}, "error": None})


@router.post("/inscription")
def signup(
    request: Request,
    session: DbSession,
    identifier: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    birth_year: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
) -> Response:
    form = {"identifier": identifier, "display_name": display_name, "birth_year": birth_year}
    try:
        if password != password_confirm:
            raise Invalid(_("Les deux mots de passe ne sont pas identiques."), field="password_confirm")
        if not consent:
            raise Invalid(_("Cochez la case pour accepter l'utilisation de vos données."), field="consent")
        with session.begin_nested():
            user = service.register(
                session,
                identifier=identifier,
                password=password,
                display_name=display_name,
                birth_year=_parse_year(birth_year),
            )
    except DomainError as exc:
        return render(
            request, "accounts/signup.html", {"form": form, "error": exc}, status_code=exc.status_code
        )
    _login(request, user)
    flash(
        request,
        _("Votre compte est créé. Indiquez maintenant votre adresse pour participer dans votre quartier."),
        "success",
    )
    return redirect("/compte#residence", request)


@router.get("/connexion")
def login_form(request: Request, suivant: str = "") -> Response:
    return render(
        request, "accounts/login.html", {"identifier": "", "error": None, "suivant": _safe_next(suivant)}
    )


@router.post("/connexion")
def login(
    request: Request,
    session: DbSession,
    identifier: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    suivant: Annotated[str, Form()] = "",
) -> Response:
    settings = request.app.state.settings
    ip = request.client.host if request.client else "unknown"
    context = {"identifier": identifier, "suivant": _safe_next(suivant)}
    try:
        user = service.authenticate(session, settings, identifier, password, ip)
    except TooManyRequests as exc:
        return render(request, "accounts/login.html", {**context, "error": exc}, status_code=429)
    if user is None:
        error = Invalid(_("Identifiant ou mot de passe incorrect."), field="password")
        return render(request, "accounts/login.html", {**context, "error": error}, status_code=401)
    _login(request, user)
    return redirect(_safe_next(suivant), request)


@router.post("/deconnexion")
def logout(request: Request) -> Response:
    request.session.clear()
    flash(request, _("Vous êtes déconnecté·e."), "info")
    return redirect("/", request)


# --- profile -----------------------------------------------------------------------------


def _profile_context(session: DbSession, principal: Principal, **extra: object) -> dict[str, object]:
    user = require_authenticated(principal)
    qpv = session.get(Qpv, user.qpv_id) if user.qpv_id else None
    return {
        "me": user,
        "qpv": qpv,
        "qpv_groups": qpvs_by_commune(session),
        "grants": service.active_grants(session, user.id),  # type: ignore[arg-type]
        "role_labels": ROLE_LABELS,
        "scope_labels": SCOPE_LABELS,
        "error": None,
        "form": {},
        **extra,
    }


@router.get("/compte")
def profile(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    return render(request, "accounts/profile.html", _profile_context(session, principal))


@router.post("/compte/profil")
def update_profile(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    display_name: Annotated[str, Form()] = "",
    birth_year: Annotated[str, Form()] = "",
) -> Response:
    user = require_authenticated(principal)
    try:
        with session.begin_nested():
            service.update_profile(
                session, user, display_name=display_name, birth_year=_parse_year(birth_year)
            )
    except DomainError as exc:
        form = {"display_name": display_name, "birth_year": birth_year}
        ctx = _profile_context(session, principal, error=exc, form=form)
        return render(request, "accounts/profile.html", ctx, status_code=exc.status_code)
    flash(request, _("Vos informations sont enregistrées."), "success")
    return redirect("/compte", request)


@router.post("/compte/residence")
def update_residence(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    address: Annotated[str, Form()] = "",
    qpv_code: Annotated[str, Form()] = "",
) -> Response:
    user = require_authenticated(principal)
    declared = session.exec(select(Qpv).where(Qpv.code == qpv_code)).first() if qpv_code else None
    check = check_address(session, request.app.state.geocoder, address) if address.strip() else None
    try:
        with session.begin_nested():
            message = service.set_residence(
                session, user, address=address, declared_qpv=declared, check=check
            )
    except DomainError as exc:
        form = {"address": address, "qpv_code": qpv_code}
        ctx = _profile_context(session, principal, error=exc, form=form, residence_error=True)
        return render(request, "accounts/profile.html", ctx, status_code=exc.status_code)
    flash(request, message, "success" if user.residence_status == ResidenceStatus.verified else "info")
    return redirect("/compte#residence", request)


@router.get("/compte/mot-de-passe")
def password_form(request: Request, principal: CurrentPrincipal) -> Response:
    require_authenticated(principal)
    return render(request, "accounts/password.html", {"error": None})


@router.post("/compte/mot-de-passe")
def change_password(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    current_password: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
) -> Response:
    user = require_authenticated(principal)
    try:
        if password != password_confirm:
            raise Invalid(
                _("Les deux nouveaux mots de passe ne sont pas identiques."), field="password_confirm"
            )
        with session.begin_nested():
            service.change_password(session, user, current_password, password)
    except DomainError as exc:
        return render(request, "accounts/password.html", {"error": exc}, status_code=exc.status_code)
    _login(request, user)  # this device stays logged in with the new session version
    flash(request, _("Votre mot de passe est changé. Vos autres appareils sont déconnectés."), "success")
    return redirect("/compte", request)


@router.get("/compte/mes-donnees.json")
def download_data(session: DbSession, principal: CurrentPrincipal) -> Response:
    user = require_authenticated(principal)
    data = service.export_personal_data(session, user)
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-quartiers-participatifs.json"'},
    )


@router.get("/compte/supprimer")
def delete_form(request: Request, principal: CurrentPrincipal) -> Response:
    require_authenticated(principal)
    return render(request, "accounts/delete.html", {"error": None})


@router.post("/compte/supprimer")
def delete_account(
    request: Request,
    session: DbSession,
    principal: CurrentPrincipal,
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    from backend.accounts.security import verify_password

    user = require_authenticated(principal)
    error = None
    if confirm != "SUPPRIMER":
        error = Invalid(_("Écrivez SUPPRIMER en majuscules pour confirmer."), field="confirm")
    elif user.password_hash and not verify_password(password, user.password_hash):
        error = Invalid(_("Le mot de passe n'est pas le bon."), field="password")
    if error:
        return render(request, "accounts/delete.html", {"error": error}, status_code=422)
    service.delete_account(session, user)
    request.session.clear()
    flash(request, _("Votre compte et vos données personnelles ont été supprimés."), "success")
    return redirect("/", request)


# --- residence verification (agents, tables de quartier) ----------------------------------------


def verifiable_resident(user_id: int, session: DbSession, principal: CurrentPrincipal) -> User:
    """Load the resident and check the verifier's grant covers their QPV (404, then 403)."""
    user = service.get_user(session, user_id)
    enforce(verify_residence_policy(principal, qpv_ref(session, user.qpv_id) if user.qpv_id else None))
    return user


@router.get("/verification")
def verification_list(
    request: Request, session: DbSession, principal: CurrentPrincipal, qpv: str = "", statut: str = "declared"
) -> Response:
    enforce(staff_policy(principal, *VERIFIER_ROLES))
    covered = [ref for ref in qpv_refs(session).values() if principal.covers_any(VERIFIER_ROLES, ref)]
    covered.sort(key=lambda r: r.name)
    selected = [r for r in covered if r.code == qpv] if qpv else covered
    if qpv and not selected:
        raise NotFound(_("Ce quartier n'existe pas ou n'est pas dans votre périmètre."))
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
    role = principal.covers_any(VERIFIER_ROLES, qpv_ref(session, qpv.id))  # type: ignore[arg-type]
    try:
        with session.begin_nested():
            service.verify_residence(session, principal.actor(role or Role.agent), resident, qpv, method)
    except DomainError as exc:
        flash(request, exc.message, "error")
        return redirect(f"/verification?qpv={qpv.code}", request)
    flash(
        request,
        _("Résidence de %(resident_display_nam)s vérifiée.")
        % {"resident_display_nam": resident.display_name},
        "success",
    )
    return redirect(f"/verification?qpv={qpv.code}", request)
