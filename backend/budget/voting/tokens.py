"""Bearer tokens for the JSON API of the vote: signed (no table), short-lived, revoked with the
account's sessions.

A token is ``{"u": user id, "v": session version}`` signed with the server secret (itsdangerous,
salted for this use only). Changing one's password or logging out everywhere bumps the session
version, which invalidates every token; deleting or disabling the account does too.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_SALT = "qp/bp-api-token/v1"  # noqa: S105 - a domain separator, not a secret
TOKEN_MAX_AGE_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    session_version: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT)


def issue_token(secret: str, user_id: int, session_version: int) -> str:
    return str(_serializer(secret).dumps({"u": user_id, "v": session_version}))


def read_token(secret: str, token: str, max_age_s: int = TOKEN_MAX_AGE_S) -> TokenClaims | None:
    """The claims of a valid, unexpired token; None otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age_s)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("v"), int):
        return None
    return TokenClaims(data["u"], data["v"])
