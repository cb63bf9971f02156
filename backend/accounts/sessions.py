"""Login with rate limiting, passwords, and the logged-in sessions behind the cookie."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from backend.accounts.forms import collecting
from backend.accounts.grants import active_grants
from backend.accounts.models import LoginAttempt, User, UserSession
from backend.accounts.permissions import Grant, Principal
from backend.accounts.security import account_key, check_password_strength, hash_password, verify_password
from backend.accounts.service import find_by_identifier
from backend.config import Settings
from backend.db import utcnow
from backend.errors import Invalid, TooManyRequests
from backend.i18n import gettext as _

# Failures on one account from every address together, as a multiple of the per-address limit,
# beyond which only addresses that have themselves failed on that account are refused.
ACCOUNT_WIDE_FACTOR = 4


def client_key(ip: str) -> str:
    """The address the limits count. An IPv6 client gets a whole /64 (one home, one phone), so
    counting single addresses would hand a guesser billions of fresh ones."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _failures_since(session: Session, since: Any, *conditions: Any) -> int:
    return session.exec(
        select(func.count(col(LoginAttempt.id))).where(col(LoginAttempt.at) >= since, *conditions)
    ).one()


def check_rate_limit(session: Session, settings: Settings, key: str, ip: str) -> None:
    """Stop guessing without letting someone else lock the owner out.

    Refused: this account from this address after `login_max_failures_account` failures; this
    address after `login_max_failures_ip` failures on any accounts; and, when guesses on this
    account come from many addresses (ACCOUNT_WIDE_FACTOR times the per-address limit), every
    address that has itself failed on it. An address that has not been failing on the account,
    like the owner's phone, can always try its password."""
    since = utcnow() - timedelta(seconds=settings.login_window_s)
    minutes = max(1, settings.login_window_s // 60)
    for_account = TooManyRequests(
        _(
            "Trop d'essais pour ce compte. Pour votre sécurité, attendez %(minutes)s minutes avant de réessayer."
        )
        % {"minutes": minutes}
    )
    by_account = col(LoginAttempt.account_key) == key
    from_here = _failures_since(session, since, by_account, col(LoginAttempt.ip) == ip)
    if from_here >= settings.login_max_failures_account:
        raise for_account
    if _failures_since(session, since, col(LoginAttempt.ip) == ip) >= settings.login_max_failures_ip:
        raise TooManyRequests(
            _("Trop d'essais depuis cet appareil. Attendez %(minutes)s minutes avant de réessayer.")
            % {"minutes": minutes}
        )
    account_wide = ACCOUNT_WIDE_FACTOR * settings.login_max_failures_account
    if from_here and _failures_since(session, since, by_account) >= account_wide:
        raise for_account


def authenticate(
    session: Session, settings: Settings, identifier: str, password: str, ip: str
) -> User | None:
    """The user if the password matches; a failure is recorded (and counts toward the limits)."""
    key = account_key(identifier)
    ip = client_key(ip)
    check_rate_limit(session, settings, key, ip)
    try:
        user = find_by_identifier(session, identifier)
    except Invalid:
        user = None
    if user is not None and user.is_active and verify_password(password, user.password_hash):
        # Only this address's own mistakes are forgiven: a guesser elsewhere keeps their count.
        session.exec(
            delete(LoginAttempt).where(col(LoginAttempt.account_key) == key, col(LoginAttempt.ip) == ip)
        )
        return user
    if user is None:
        verify_password(password, None)
    session.add(LoginAttempt(account_key=key, ip=ip))
    old = utcnow() - timedelta(days=1)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < old))
    session.flush()
    return None


def change_password(session: Session, user: User, *, current: str, new: str, confirm: str) -> None:
    """Set a new password and end every session and API token of the account (the device that
    changed it starts a new session, so a copy of its old cookie ends too). Every problem is
    reported at once."""
    with collecting() as checks:
        if not verify_password(current, user.password_hash):
            checks.add(_("Le mot de passe actuel n'est pas le bon."), field="current_password")
        checks.value(check_password_strength, new)
        if new != confirm:
            checks.add(_("Les deux nouveaux mots de passe ne sont pas identiques."), field="password_confirm")
    user.password_hash = hash_password(new)
    end_sessions(session, user)


# --- sessions ------------------------------------------------------------------------------

SESSION_REFRESH = timedelta(hours=1)


def _session_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, max_age_s: int) -> str:
    """A new logged-in session; returns the random key the cookie keeps (only its hash is stored)."""
    assert user.id is not None
    expired = utcnow() - timedelta(seconds=max_age_s)
    session.exec(delete(UserSession).where(col(UserSession.last_seen_at) < expired))
    key = secrets.token_urlsafe(32)
    session.add(UserSession(key_hash=_session_hash(key), user_id=user.id))
    session.flush()
    return key


def end_session(session: Session, key: str | None) -> None:
    """Logout: this session ends, and every copy of its cookie with it."""
    if key:
        session.exec(delete(UserSession).where(col(UserSession.key_hash) == _session_hash(key)))
        session.flush()


def end_sessions(session: Session, user: User) -> None:
    """End every session of the account, and every API token (they carry the session version)."""
    session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))
    user.session_version += 1
    session.add(user)
    session.flush()


def load_principal(
    session: Session, user_id: int | None, session_key: str | None, max_age_s: int
) -> Principal:
    """The person of a session cookie; anonymous when the session has ended or expired."""
    if user_id is None or not session_key:
        return Principal()
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(col(UserSession.key_hash) == _session_hash(session_key))
    ).first()
    if row is None:
        return Principal()
    live, user = row
    now = utcnow()
    if user.id != user_id or user.is_deleted or not user.is_active:
        return Principal()
    if live.last_seen_at < now - timedelta(seconds=max_age_s):
        return Principal()
    if live.last_seen_at < now - SESSION_REFRESH:
        live.last_seen_at = now
        session.add(live)
    grants = tuple(Grant(g.role, g.scope_kind, g.scope_code) for g in active_grants(session, user_id))
    return Principal(user=user, grants=grants)
