"""Confirmed contact, account recovery and login by SMS code, with abuse limits (no CAPTCHA).

An e-mail is confirmed by a single-use link, a phone number by a 6-digit SMS code. A new or changed
contact replaces the old one only once confirmed, so nothing already saved is lost on the way. A phone
number confirms one account only (``user_account.phone`` is unique, and the check below gives the reason).
Requests from people who are not logged in never tell whether an account exists: limits are counted per
contact whether or not an account uses it, and the answer is the same either way.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import smtplib
from datetime import timedelta
from typing import Literal

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts import codes
from backend.accounts.journal import journal_user
from backend.accounts.models import CodePurpose, OneTimeCode, RateEvent, User
from backend.accounts.security import (
    check_password_strength,
    hash_password,
    normalize_email,
    normalize_phone,
    parse_identifier,
)
from backend.accounts.sessions import end_sessions
from backend.config import Settings
from backend.db import utcnow
from backend.errors import Conflict, Invalid, TooManyRequests, Unavailable
from backend.i18n import gettext as _
from backend.mail import Mail, Mailer
from backend.sms import Sms, SmsSender

log = logging.getLogger("qp.accounts")

Kind = Literal["email", "phone"]
SMS_CODE_TTL = timedelta(minutes=15)
RATE_EVENTS_KEPT = timedelta(days=2)


def bad_code() -> Invalid:
    return Invalid(_("Ce code n'est pas bon ou n'est plus valable. Demandez un nouveau code."), field="code")


# --- abuse limits ------------------------------------------------------------------------------


def _rate_key(settings: Settings, kind: str, value: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _count(session: Session, kind: str, key: str, window: timedelta) -> int:
    since = utcnow() - window
    return session.exec(
        select(func.count(col(RateEvent.id))).where(
            RateEvent.kind == kind, RateEvent.key == key, col(RateEvent.at) >= since
        )
    ).one()


def _hit(session: Session, kind: str, key: str) -> None:
    session.execute(delete(RateEvent).where(col(RateEvent.at) < utcnow() - RATE_EVENTS_KEPT))
    session.add(RateEvent(kind=kind, key=key))
    session.flush()


def count_signup(session: Session, settings: Settings, ip: str) -> None:
    """Refuse a sign-up past the hourly limit for this address; count it otherwise (in the sign-up's
    transaction, so a refused sign-up does not count)."""
    key = _rate_key(settings, "signup", ip)
    if _count(session, "signup", key, timedelta(hours=1)) >= settings.signup_max_per_ip_hour:
        raise TooManyRequests(
            _(
                "Trop de comptes ont été créés depuis cette connexion. Réessayez dans une heure, "
                "ou demandez de l'aide à votre table de quartier."
            )
        )
    _hit(session, "signup", key)


def count_code_request(session: Session, settings: Settings, target: str, ip: str) -> None:
    """Limits on messages sent: per contact per day and per address per hour. Counted whether or not an
    account uses the contact, so the limit says nothing about who has an account."""
    ip_key = _rate_key(settings, "code_ip", ip)
    target_key = _rate_key(settings, "code_target", target)
    if _count(session, "code_target", target_key, timedelta(days=1)) >= settings.codes_max_per_target_day:
        raise TooManyRequests(
            _(
                "Trop de messages ont été envoyés à ce contact aujourd'hui. Réessayez demain, "
                "ou demandez de l'aide à votre table de quartier."
            ),
            field="identifier",
        )
    if _count(session, "code_ip", ip_key, timedelta(hours=1)) >= settings.code_requests_max_per_ip_hour:
        raise TooManyRequests(_("Trop de demandes depuis cet appareil. Réessayez dans une heure."))
    _hit(session, "code_target", target_key)
    _hit(session, "code_ip", ip_key)


# --- sending ----------------------------------------------------------------------------------


def _link(settings: Settings, path: str) -> str:
    return settings.base_url.rstrip("/") + path


def _send_mail(mailer: Mailer, mail: Mail) -> None:
    try:
        mailer.send(mail)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("mail not sent: %s", type(exc).__name__)
        raise Unavailable(
            _("L'e-mail n'a pas pu partir. Rien n'est perdu : réessayez dans quelques minutes."),
            field="email",
        ) from None


def _mail_link(
    session: Session, settings: Settings, mailer: Mailer, user: User, purpose: CodePurpose, target: str,
    path: str, subject: str, body: str,
) -> None:  # fmt: skip
    """Mail ``target`` a one-use link to ``path``/<token>; ``body`` places it at ``%(link)s``."""
    token = codes.issue(session, settings.secret_key, user, purpose, target=target)
    link = _link(settings, f"{path}/{token}")
    _send_mail(mailer, Mail(to=target, subject=subject, body=body % {"link": link}))


def _sms_code(
    session: Session, settings: Settings, sms: SmsSender, user: User, purpose: CodePurpose, target: str, what: str,
    *, ttl: timedelta | None = None, numeric: bool = False,
) -> None:  # fmt: skip
    """Text ``target`` a one-use code to ``what`` (« vous connecter »…)."""
    code = codes.issue(session, settings.secret_key, user, purpose, target=target, ttl=ttl, numeric=numeric)
    sms.send(Sms(to=target, text=_sms_text(code, what)))


def _sms_text(code: str, what: str) -> str:
    # GSM 7-bit characters only (é and à are, ê and ç are not): one SMS of 160 characters at most, on every phone.
    return _(
        "Quartiers Participatifs : %(code)s est votre code pour %(what)s. Il expire dans 15 minutes."
    ) % {"code": code, "what": what}


# --- confirming a contact ----------------------------------------------------------------------


def _owner_elsewhere(session: Session, user: User, kind: Kind, target: str) -> Conflict | None:
    column = User.email if kind == "email" else User.phone
    other = session.exec(select(User.id).where(column == target, User.id != user.id)).first()
    if other is None:
        return None
    if kind == "phone":
        return Conflict(
            _(
                "Ce numéro est déjà utilisé par un autre compte. Un numéro de téléphone ne peut confirmer "
                "qu'un seul compte. Si c'est votre numéro, connectez-vous avec lui, ou choisissez "
                "« Mot de passe oublié »."
            ),
            field="phone",
        )
    return Conflict(
        _(
            "Cette adresse e-mail est déjà utilisée par un autre compte. Si c'est la vôtre, connectez-vous "
            "avec elle, ou choisissez « Mot de passe oublié »."
        ),
        field="email",
    )


def pending_targets(session: Session, user: User) -> dict[str, str | None]:
    """The contacts waiting for confirmation (live codes): {"email": ..., "phone": ...}, None if none."""
    now = utcnow()
    rows = session.exec(
        select(OneTimeCode).where(
            OneTimeCode.user_id == user.id,
            col(OneTimeCode.purpose).in_([CodePurpose.confirm_email, CodePurpose.confirm_phone]),
            col(OneTimeCode.used_at).is_(None),
            col(OneTimeCode.expires_at) > now,
        )
    ).all()
    pending: dict[str, str | None] = {"email": None, "phone": None}
    for r in rows:
        pending["email" if r.purpose == CodePurpose.confirm_email else "phone"] = r.target
    return pending


def start_confirmation(
    session: Session,
    settings: Settings,
    mailer: Mailer,
    sms: SmsSender,
    user: User,
    kind: Kind,
    ip: str,
    value: str | None = None,
) -> str:
    """Send a link (e-mail) or a code (SMS) to confirm the person's contact, or a new one they typed
    (which replaces the old one only once confirmed). Returns the normalised contact."""
    if value is not None and value.strip():
        target = normalize_email(value) if kind == "email" else normalize_phone(value)
    else:
        current = user.email if kind == "email" else user.phone
        if current is None:
            if kind == "email":
                raise Invalid(_("Indiquez votre adresse e-mail."), field="email")
            raise Invalid(_("Indiquez votre numéro de téléphone."), field="phone")
        target = current
    confirmed_at = user.email_confirmed_at if kind == "email" else user.phone_confirmed_at
    if target == (user.email if kind == "email" else user.phone) and confirmed_at is not None:
        raise Conflict(_("Ce contact est déjà confirmé."), field=kind)
    conflict = _owner_elsewhere(session, user, kind, target)
    if conflict is not None:
        raise conflict
    count_code_request(session, settings, target, ip)
    if kind == "email":
        body = _(
            "Bonjour,\n\nPour confirmer votre adresse e-mail sur Quartiers Participatifs, ouvrez ce lien "
            "puis appuyez sur le bouton « Confirmer » :\n\n%(link)s\n\nLe lien marche une seule fois, "
            "pendant 24 heures.\nSi vous n'avez pas demandé ce message, ne faites rien.\n"
        )
        _mail_link(session, settings, mailer, user, CodePurpose.confirm_email, target, "/compte/confirmer",
                   _("Confirmez votre adresse e-mail"), body)  # fmt: skip
    else:
        _sms_code(
            session, settings, sms, user, CodePurpose.confirm_phone, target, _("confirmer votre numéro")
        )
    return target


def _mark_confirmed(session: Session, user: User, kind: Kind, target: str, means: str) -> None:
    """Set (or change to) a confirmed contact and journal it, pseudonymously."""
    conflict = _owner_elsewhere(session, user, kind, target)
    if conflict is not None:
        raise conflict
    changed = (user.email if kind == "email" else user.phone) != target
    if kind == "email":
        user.email = target
        user.email_confirmed_at = utcnow()
    else:
        user.phone = target
        user.phone_confirmed_at = utcnow()
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # taken by another account at the same moment
        raise Conflict(_("Ce contact vient d'être utilisé par un autre compte."), field=kind) from exc
    journal_user(
        session,
        user,
        action="accounts.contact_confirmed",
        reason=(_("Adresse e-mail confirmée") if kind == "email" else _("Numéro de téléphone confirmé"))
        + f" ({means}).",
        payload={"contact": kind, "means": means, "changed": changed},
    )


def confirm_email(session: Session, settings: Settings, token: str) -> User:
    """Use a confirmation link (the person need not be logged in on this device)."""
    row = codes.consume(session, settings.secret_key, CodePurpose.confirm_email, token)
    user = session.get(User, row.user_id)
    if user is None or user.is_deleted or not user.is_active:
        raise bad_code()
    _mark_confirmed(session, user, "email", row.target, "lien par e-mail")
    return user


def confirm_phone(session: Session, settings: Settings, user: User, code: str) -> None:
    """Check the SMS code typed by the logged-in person; wrong codes count against it."""
    row = codes.consume(session, settings.secret_key, CodePurpose.confirm_phone, code.strip(), user=user)
    _mark_confirmed(session, user, "phone", row.target, "code par SMS")


# --- recovery and login by SMS ------------------------------------------------------------------


def _active_user(session: Session, kind: Kind, target: str) -> User | None:
    column = User.email if kind == "email" else User.phone
    return session.exec(
        select(User).where(column == target, col(User.deleted_at).is_(None), col(User.is_active).is_(True))
    ).first()


def request_password_reset(
    session: Session, settings: Settings, mailer: Mailer, sms: SmsSender, identifier: str, ip: str
) -> tuple[Kind, str]:
    """Send a reset link (e-mail) or a 6-digit code (SMS) if an account uses this contact; the caller
    answers the same either way. Returns the kind and the normalised contact."""
    kind_str, target = parse_identifier(identifier)
    kind: Kind = "email" if kind_str == "email" else "phone"
    count_code_request(session, settings, target, ip)
    user = _active_user(session, kind, target)
    if user is None:
        return kind, target
    if kind == "email":
        body = _(
            "Bonjour,\n\nVous avez demandé un nouveau mot de passe pour Quartiers Participatifs. "
            "Ouvrez ce lien pour le choisir :\n\n%(link)s\n\nLe lien marche une seule fois, pendant 30 minutes.\n"
            "Si vous n'avez rien demandé, ne faites rien : votre mot de passe ne change pas.\n"
        )
        _mail_link(session, settings, mailer, user, CodePurpose.reset_password, target, "/mot-de-passe/nouveau",
                   _("Choisir un nouveau mot de passe"), body)  # fmt: skip
    else:
        _sms_code(session, settings, sms, user, CodePurpose.reset_password, target, _("changer votre mot de passe"),
                  ttl=SMS_CODE_TTL, numeric=True)  # fmt: skip
    return kind, target


def reset_password(
    session: Session,
    settings: Settings,
    password: str,
    *,
    token: str | None = None,
    phone: str | None = None,
    code: str | None = None,
) -> User:
    """Set a new password with a reset link's token, or with a phone number and its SMS code. Other
    sessions stop working (session_version); a code also proves the contact it was sent to."""
    check_password_strength(password)
    if token is not None:
        row = codes.consume(session, settings.secret_key, CodePurpose.reset_password, token)
        user = session.get(User, row.user_id)
        kind: Kind = "email"
    else:
        user = _active_user(session, "phone", phone or "")
        if user is None:
            raise bad_code()  # same answer as a wrong code: says nothing about the account
        row = codes.consume(
            session, settings.secret_key, CodePurpose.reset_password, (code or "").strip(), user=user
        )
        kind = "phone"
    current = (user.email if kind == "email" else user.phone) if user else None
    if user is None or user.is_deleted or not user.is_active or current != row.target:
        raise bad_code()  # the contact changed since the code was sent
    user.password_hash = hash_password(password)
    end_sessions(session, user)  # every other device is logged out, API tokens too
    journal_user(
        session,
        user,
        action="accounts.password_reset",
        reason=_("Mot de passe changé avec un code de récupération ; les autres appareils sont déconnectés."),
        payload={"means": "lien par e-mail" if kind == "email" else "code par SMS"},
    )
    _confirm_by_recovery(session, user, kind, row.target)
    return user


def _confirm_by_recovery(session: Session, user: User, kind: Kind, target: str) -> None:
    confirmed_at = user.email_confirmed_at if kind == "email" else user.phone_confirmed_at
    if confirmed_at is None:
        means = "lien par e-mail" if kind == "email" else "code par SMS"
        _mark_confirmed(session, user, kind, target, means)


def request_login_code(session: Session, settings: Settings, sms: SmsSender, phone: str, ip: str) -> str:
    """Send a login code by SMS if an account uses this number (same answer either way)."""
    target = normalize_phone(phone)
    count_code_request(session, settings, target, ip)
    user = _active_user(session, "phone", target)
    if user is not None:
        _sms_code(session, settings, sms, user, CodePurpose.login, target, _("vous connecter"))
    return target


def login_with_code(session: Session, settings: Settings, phone: str, code: str) -> User:
    """The person whose number received this code; typing it also confirms the number."""
    user = _active_user(session, "phone", phone)
    if user is None:
        raise bad_code()
    row = codes.consume(session, settings.secret_key, CodePurpose.login, code.strip(), user=user)
    if row.target != user.phone:
        raise bad_code()
    _confirm_by_recovery(session, user, "phone", row.target)
    return user
