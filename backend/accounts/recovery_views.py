"""Confirming an e-mail or a phone number, forgotten passwords, login by SMS code.

Requests that send a message run in a savepoint: when the mail server or the SMS provider fails, the
code and the counted request are rolled back, and the page says so. Steps where a code is typed do
not: a wrong code must keep its counted attempt (codes.MAX_ATTEMPTS), so those services check
everything else before using the code.

An e-mail link opens a page with a button; only the button's POST uses the link, so mail scanners
that open links in advance never spend it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from backend.accounts import codes, contact
from backend.accounts.deps import CurrentPrincipal
from backend.accounts.forms import ContactForm, NewPasswordForm, ResetCodeForm
from backend.accounts.models import CodePurpose, User
from backend.accounts.permissions import require_authenticated
from backend.accounts.views import _login
from backend.config import Settings
from backend.db import attempt
from backend.deps import DbSession
from backend.errors import DomainError
from backend.i18n import gettext as _
from backend.rendering import redirect, render
from backend.views_common import Posted, done

router = APIRouter(include_in_schema=False)

KINDS: dict[str, contact.Kind] = {"email": "email", "telephone": "phone"}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def last_digits(phone: str | None) -> str:
    return (phone or "")[-2:]


def _start_confirmation(
    request: Request, session: DbSession, user: User, kind: contact.Kind, value: str | None = None
) -> str | DomainError:
    """Send the link or the code in a savepoint (see the module doc); the contact it went to."""
    return attempt(
        session,
        lambda: contact.start_confirmation(
            session,
            _settings(request),
            request.app.state.mailer,
            request.app.state.sms,
            user,
            kind,
            _ip(request),
            value=value,
        ),
    )


# --- after sign-up: a small hook called by views.signup ------------------------------------------


def after_signup(request: Request, session: DbSession, user: User) -> Response:
    """Send the confirmation for the contact used to sign up, then show the confirmation page.
    A failed send loses nothing: the account exists and the page offers to send again."""
    kind: contact.Kind = "email" if user.email else "phone"
    outcome = _start_confirmation(request, session, user, kind)
    if isinstance(outcome, DomainError):
        return done(
            request, "/compte/confirmation", _("Votre compte est créé.") + " " + outcome.message, "error"
        )
    return done(
        request, "/compte/confirmation", _("Votre compte est créé. Confirmez maintenant votre contact.")
    )


# --- confirming a contact (logged in) ------------------------------------------------------------


def _confirmation_page(
    request: Request, session: DbSession, user: User, error: DomainError | None = None, status_code: int = 200
) -> Response:
    pending = contact.pending_targets(session, user)
    ctx = {
        "me": user,
        "pending": pending,
        "phone_end": last_digits(pending.get("phone") or user.phone),
        "error": error,
        "form": {k: v for k, v in request.query_params.items() if k in {"email", "phone"}},
    }
    return render(request, "accounts/confirm_contact.html", ctx, status_code=status_code)


@router.get("/compte/confirmation")
def confirmation(request: Request, session: DbSession, principal: CurrentPrincipal) -> Response:
    return _confirmation_page(request, session, require_authenticated(principal))


@router.post("/compte/contact/{kind}")
def send_confirmation(
    request: Request, session: DbSession, principal: CurrentPrincipal, kind: str, posted: Posted[ContactForm]
) -> Response:
    """Send (again) a link or a code for the current contact, or for a new one typed in the form."""
    user = require_authenticated(principal)
    what = KINDS.get(kind)
    if what is None:
        return redirect("/compte/confirmation", request)
    value = posted.email if what == "email" else posted.phone
    target = _start_confirmation(request, session, user, what, value or None)
    if isinstance(target, DomainError):
        return _confirmation_page(request, session, user, target, target.status_code)
    if what == "email":
        message = _("Un lien de confirmation est parti à %(email)s. Ouvrez l'e-mail et suivez le lien.") % {
            "email": target
        }
    else:
        message = _("Un code est parti par SMS au numéro qui finit par %(end)s.") % {
            "end": last_digits(target)
        }
    return done(request, "/compte/confirmation", message)


@router.post("/compte/confirmation/code")
def confirm_phone(
    request: Request, session: DbSession, principal: CurrentPrincipal, code: Annotated[str, Form()] = ""
) -> Response:
    user = require_authenticated(principal)
    try:
        contact.confirm_phone(session, _settings(request), user, code)  # no savepoint: see the module doc
    except DomainError as exc:
        return _confirmation_page(request, session, user, exc, exc.status_code)
    return done(request, "/compte", _("Votre numéro de téléphone est confirmé. Merci !"))


@router.get("/compte/confirmer/{token}")
def confirm_link_page(request: Request, session: DbSession, token: str) -> Response:
    valid = codes.peek(session, _settings(request).secret_key, CodePurpose.confirm_email, token) is not None
    return render(request, "accounts/confirm_link.html", {"token": token, "valid": valid, "error": None})


@router.post("/compte/confirmer/{token}")
def confirm_link(request: Request, session: DbSession, principal: CurrentPrincipal, token: str) -> Response:
    user = attempt(session, lambda: contact.confirm_email(session, _settings(request), token))
    if isinstance(user, DomainError):
        ctx = {"token": token, "valid": False, "error": user}
        return render(request, "accounts/confirm_link.html", ctx, status_code=user.status_code)
    signed_in = principal.user is not None and principal.user.id == user.id
    return done(
        request, "/compte" if signed_in else "/connexion", _("Votre adresse e-mail est confirmée. Merci !")
    )


# --- forgotten password ---------------------------------------------------------------------------


@router.get("/mot-de-passe-oublie")
def forgot_form(request: Request) -> Response:
    return render(request, "accounts/forgot.html", {"identifier": "", "error": None})


@router.post("/mot-de-passe-oublie")
def forgot(request: Request, session: DbSession, identifier: Annotated[str, Form()] = "") -> Response:
    settings = _settings(request)
    outcome = attempt(
        session,
        lambda: contact.request_password_reset(
            session, settings, request.app.state.mailer, request.app.state.sms, identifier, _ip(request)
        ),
    )
    if isinstance(outcome, DomainError):
        ctx = {"identifier": identifier, "error": outcome}
        return render(request, "accounts/forgot.html", ctx, status_code=outcome.status_code)
    kind, target = outcome
    if kind == "email":
        return redirect("/mot-de-passe-oublie/envoye", request)
    request.session["reset_phone"] = target
    return redirect("/mot-de-passe-oublie/code", request)


@router.get("/mot-de-passe-oublie/envoye")
def forgot_sent(request: Request) -> Response:
    return render(request, "accounts/forgot_sent.html", {})


def _code_page(
    request: Request, step: tuple[str, str, str], error: DomainError | None = None, status_code: int = 200
) -> Response:
    """The page where a code received by SMS is typed. ``step`` is the session key holding the phone
    number, the page that asks for the number (where to go without one) and the template."""
    key, start, template = step
    phone = request.session.get(key)
    if not phone:
        return redirect(start, request)
    ctx = {"phone_end": last_digits(phone), "error": error}
    return render(request, template, ctx, status_code=status_code)


RESET_STEP = ("reset_phone", "/mot-de-passe-oublie", "accounts/reset_code.html")
SMS_LOGIN_STEP = ("login_phone", "/connexion/sms", "accounts/login_sms_code.html")


@router.get("/mot-de-passe-oublie/code")
def reset_code_form(request: Request) -> Response:
    return _code_page(request, RESET_STEP)


@router.post("/mot-de-passe-oublie/code")
def reset_with_code(request: Request, session: DbSession, posted: Posted[ResetCodeForm]) -> Response:
    phone = request.session.get("reset_phone")
    if not phone:
        return redirect("/mot-de-passe-oublie", request)
    try:
        posted.check_confirm()
        user = contact.reset_password(
            session, _settings(request), posted.password, phone=phone, code=posted.code
        )
    except DomainError as exc:
        return _code_page(request, RESET_STEP, exc, exc.status_code)
    return _after_reset(request, session, user)


@router.get("/mot-de-passe/nouveau/{token}")
def reset_link_form(request: Request, session: DbSession, token: str) -> Response:
    valid = codes.peek(session, _settings(request).secret_key, CodePurpose.reset_password, token) is not None
    return render(request, "accounts/reset_link.html", {"token": token, "valid": valid, "error": None})


@router.post("/mot-de-passe/nouveau/{token}")
def reset_with_link(
    request: Request, session: DbSession, token: str, posted: Posted[NewPasswordForm]
) -> Response:

    def reset() -> User:
        posted.check_confirm()
        return contact.reset_password(session, _settings(request), posted.password, token=token)

    user = attempt(session, reset)
    if isinstance(user, DomainError):
        valid = user.field in {"password", "password_confirm"}
        ctx = {"token": token, "valid": valid, "error": user}
        return render(request, "accounts/reset_link.html", ctx, status_code=user.status_code)
    return _after_reset(request, session, user)


def _after_reset(request: Request, session: DbSession, user: User) -> Response:
    _login(request, session, user)  # a fresh session with the new session version; other devices are out
    return done(
        request, "/compte", _("Votre mot de passe est changé. Vos autres appareils sont déconnectés.")
    )


# --- login by SMS code ----------------------------------------------------------------------------


@router.get("/connexion/sms")
def sms_login_form(request: Request) -> Response:
    return render(request, "accounts/login_sms.html", {"phone": "", "error": None})


@router.post("/connexion/sms")
def sms_login_request(request: Request, session: DbSession, phone: Annotated[str, Form()] = "") -> Response:
    target = attempt(
        session,
        lambda: contact.request_login_code(
            session, _settings(request), request.app.state.sms, phone, _ip(request)
        ),
    )
    if isinstance(target, DomainError):
        return render(
            request,
            "accounts/login_sms.html",
            {"phone": phone, "error": target},
            status_code=target.status_code,
        )
    request.session["login_phone"] = target
    return redirect("/connexion/sms/code", request)


@router.get("/connexion/sms/code")
def sms_code_form(request: Request) -> Response:
    return _code_page(request, SMS_LOGIN_STEP)


@router.post("/connexion/sms/code")
def sms_login(request: Request, session: DbSession, code: Annotated[str, Form()] = "") -> Response:
    phone = request.session.get("login_phone")
    if not phone:
        return redirect("/connexion/sms", request)
    try:
        user = contact.login_with_code(
            session, _settings(request), phone, code
        )  # no savepoint: see module doc
    except DomainError as exc:
        return _code_page(request, SMS_LOGIN_STEP, exc, exc.status_code)
    _login(request, session, user)
    return done(request, "/compte", _("Connexion réussie avec le code reçu par SMS."))
