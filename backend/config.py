"""Settings, read when the app or a command is created (never at import time)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside dev/test, see below


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore")

    env: Literal["dev", "test", "prod"] = "dev"
    database_url: str = Field(
        default=f"sqlite:///{ROOT / 'data' / 'qp.sqlite3'}",
        validation_alias=AliasChoices("DATABASE_URL", "APP_DATABASE_URL"),
    )
    secret_key: str = DEV_SECRET
    # Key of the identity-document hashes (HMAC): kept apart from secret_key so that rotating one
    # does not change the other; unset in dev/test, a key derived from secret_key is used.
    document_key: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    # Browsers only send Secure cookies over https; dev serves plain http on localhost.
    secure_cookies: bool = False
    session_max_age_s: int = 14 * 24 * 3600

    # Login rate limiting: failures allowed within the window, per account and per IP.
    login_window_s: int = 15 * 60
    login_max_failures_account: int = 5
    login_max_failures_ip: int = 20

    # Base Adresse Nationale geocoder.
    ban_url: str = "https://api-adresse.data.gouv.fr/search/"
    ban_timeout_s: float = 3.0
    ban_min_score: float = 0.6
    geocoder_enabled: bool = True

    # Outgoing mail: console (log), file (one .eml per message in mail_dir), smtp.
    mail_backend: Literal["console", "file", "smtp"] = "console"
    mail_dir: Path = ROOT / "var" / "mail"
    mail_from: str = "Quartiers Participatifs <ne-pas-repondre@quartiers-participatifs.fr>"
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False

    # Outgoing SMS: console (log, development), file (one .txt per message in sms_dir), brevo (HTTP API).
    sms_backend: Literal["console", "file", "brevo"] = "console"
    sms_dir: Path = ROOT / "var" / "sms"
    sms_api_key: str | None = None
    # Brevo deprecated POST /v3/transactionalSMS/sms for /v3/transactionalSMS/send (same request body).
    sms_api_url: str = "https://api.brevo.com/v3/transactionalSMS/send"
    sms_sender: str = "Quartiers"  # 3 to 11 letters or digits, shown as the sender on the phone
    sms_timeout_s: float = 10.0

    # Abuse limits without CAPTCHA: sign-ups per IP per hour, codes sent per e-mail or phone per day,
    # code requests (SMS, e-mails) per IP per hour.
    signup_max_per_ip_hour: int = 10
    codes_max_per_target_day: int = 5
    code_requests_max_per_ip_hour: int = 30

    upload_dir: Path = ROOT / "var" / "uploads"
    # Retention (`qp purge`, explained on /donnees-personnelles): used or expired one-time codes are
    # deleted after code_retention_days; identity-document hashes seen more than document_retention_days
    # ago are cleared once no edition is open or within the contest period after its results.
    code_retention_days: int = 30
    document_retention_days: int = 60
    contest_period_days: int = 61  # two months to contest results before the administrative court
    # PostgreSQL only: first online ballots through the JSON API skip the web stack (see
    # backend/budget/voting/fastpath.py); everything else takes the regular routes.
    vote_fast_path: bool = True
    default_locale: str = "fr"

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "prod" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("APP_SECRET_KEY must be set to a random value of 32+ characters in prod")
        if self.env == "prod" and (not self.document_key or len(self.document_key) < 32):
            raise ValueError("APP_DOCUMENT_KEY must be set to a random value of 32+ characters in prod")
        return self

    @property
    def id_document_key(self) -> str:
        """The key of identity-document hashes (derived from secret_key with its own label in dev)."""
        if self.document_key:
            return self.document_key
        return hmac.new(self.secret_key.encode(), b"qp:id-document-key:v1", hashlib.sha256).hexdigest()

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def safe_database_url(self) -> str:
        """The URL with any password hidden, for logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)
