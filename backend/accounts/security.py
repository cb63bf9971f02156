"""Passwords (argon2 via libpass), session cookie helpers, CSRF tokens, flash messages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets

from fastapi import Request
from passlib.context import CryptContext

from backend.errors import Invalid
from backend.i18n import gettext as _

# OWASP's recommended argon2id floor (19 MiB, 2 passes, 1 lane): ~30 ms here, so a login does
# not hog a worker, while an offline guess stays expensive.
PASSWORDS = CryptContext(
    schemes=["argon2"],
    deprecated="auto",
    argon2__type="ID",
    argon2__memory_cost=19456,
    argon2__time_cost=2,
    argon2__parallelism=1,
)
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return str(PASSWORDS.hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    if not password_hash:
        # Spend the same time as a real check so that unknown accounts are not revealed by timing.
        PASSWORDS.dummy_verify()
        return False
    try:
        return bool(PASSWORDS.verify(password, password_hash))
    except (ValueError, TypeError):
        return False


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(
            _("Le mot de passe doit contenir au moins %(min_password_length)s caractères.")
            % {"min_password_length": MIN_PASSWORD_LENGTH},
            field="password",
        )
    if len(password) > 200:
        raise Invalid(_("Le mot de passe est trop long (200 caractères au plus)."), field="password")


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(value: str) -> str:
    value = value.strip().lower()
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise Invalid(
            _("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."), field="email"
        )
    return value


def normalize_phone(value: str) -> str:
    """French mobile or landline to E.164 (+33…); other international numbers kept with +."""
    digits = re.sub(r"[\s.\-()]", "", value.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8}", digits):
        return "+33" + digits[1:]
    if re.fullmatch(r"\+\d{8,15}", digits):
        return digits
    raise Invalid(_("Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78)."), field="phone")


LOGIN_ID_RE = re.compile(r"^QP[A-Z0-9]{6}$")


def normalize_login_id(value: str) -> str | None:
    """A printed login id (« QP-K7M49P », any case, spaces or dashes) → « QPK7M49P », else None."""
    compact = re.sub(r"[\s.\-]", "", value).upper()
    return compact if LOGIN_ID_RE.match(compact) else None


def parse_identifier(value: str) -> tuple[str, str]:
    """An email, a phone number or a printed login id typed in the same field →
    ("email"|"phone"|"login_id", normalised)."""
    value = value.strip()
    if not value:
        raise Invalid(_("Indiquez votre adresse e-mail ou votre numéro de téléphone."), field="identifier")
    if "@" in value:
        return "email", normalize_email(value)
    login_id = normalize_login_id(value)
    if login_id is not None:
        return "login_id", login_id
    return "phone", normalize_phone(value)


def account_key(identifier: str) -> str:
    """Rate-limit key for an identifier, without storing the identifier itself."""
    return hashlib.sha256(identifier.strip().lower().encode()).hexdigest()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use), masked afresh for this response."""
    if "session" not in request.scope:
        return ""
    sess = request.session
    token = sess.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        sess["csrf"] = token
    return _mask(str(token).encode())


# Masked, the token is a different string in every page, so that compressing a page cannot leak
# it through the page's size (BREACH): a random pad, then the token XOR the pad (as Django does).
def _mask(token: bytes) -> str:
    pad = secrets.token_bytes(len(token))
    return base64.urlsafe_b64encode(pad + bytes(a ^ b for a, b in zip(pad, token, strict=True))).decode()


def _unmask(submitted: str) -> bytes:
    try:
        data = base64.urlsafe_b64decode(submitted.encode("ascii"))
    except (ValueError, binascii.Error):
        return b""
    half = len(data) // 2
    return bytes(a ^ b for a, b in zip(data[:half], data[half:], strict=False)) if len(data) % 2 == 0 else b""


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """A masked token from a page, or the session's token itself (as sent before tokens were masked)."""
    expected = request.session.get("csrf") if "session" in request.scope else None
    if not (expected and submitted):
        return False
    plain = str(expected).encode()
    return hmac.compare_digest(plain, submitted.encode()) or hmac.compare_digest(plain, _unmask(submitted))


def flash(request: Request, message: str, kind: str = "info") -> None:
    """A message shown once on the next page (after a redirect)."""
    # Reassign (not append in place): the session cookie is rewritten only when an item is set.
    request.session["flash"] = [*request.session.get("flash", []), {"kind": kind, "message": message}]


def pop_flashes(request: Request) -> list[dict[str, str]]:
    if "session" not in request.scope:
        return []
    return list(request.session.pop("flash", []))
