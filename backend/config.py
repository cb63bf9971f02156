"""Settings, read when the app or a command is created (never at import time)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused outside dev/test, see below
# Passwords that were once defaults (docker-compose.yml used "change-me"): refused in prod.
DEFAULT_DB_PASSWORDS = frozenset({"change-me", "changeme"})
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", ""})


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

    # Map tiles under the quartier maps (Leaflet): a {z}/{x}/{y} URL template and its attribution.
    # Default: IGN's « Plan IGN v2 » from the Géoplateforme (WMTS, free, no key). The tile host is
    # added to the Content-Security-Policy's img-src.
    map_tile_url: str = (
        "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM&FORMAT=image/png"
        "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
    )
    map_tile_attribution: str = "© IGN – Plan IGN"

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

    # The outbox (notification e-mails and SMS) is sent by a thread of `qp serve` every
    # outbox_interval_s seconds, so that `make run` alone sends them. Production runs `qp worker`
    # as its own service and sets APP_OUTBOX_IN_PROCESS=false.
    outbox_in_process: bool = True
    outbox_interval_s: float = 30.0

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
    def _refuse_development_defaults(self) -> Settings:
        """In prod, refuse the defaults that only make sense on a developer's machine (with the setting to fix)."""
        if self.env != "prod":
            return self
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise ValueError("APP_SECRET_KEY must be set to a random value of 32+ characters in prod")
        if not self.document_key or len(self.document_key) < 32:
            raise ValueError("APP_DOCUMENT_KEY must be set to a random value of 32+ characters in prod")
        self._refuse_default_database_password()
        if self.mail_backend == "smtp" and self.smtp_host.strip().lower() in LOCAL_HOSTS:
            raise ValueError(
                f"APP_SMTP_HOST is {self.smtp_host!r} with APP_MAIL_BACKEND=smtp in prod: inside a container "
                "that is the container itself, which runs no mail server. Set APP_SMTP_HOST to the mail "
                "server's name or address."
            )
        if self.mail_backend == "console":
            raise ValueError(
                "APP_MAIL_BACKEND=console writes every e-mail (one-time codes, links) to the log: "
                "use smtp (or file) in prod"
            )
        if self.sms_backend == "console":
            raise ValueError(
                "APP_SMS_BACKEND=console writes every SMS (one-time codes) to the log: use brevo "
                "(with APP_SMS_API_KEY) or file in prod"
            )
        return self

    def _refuse_default_database_password(self) -> None:
        url = make_url(self.database_url)
        if not url.get_backend_name().startswith("postgresql"):
            return
        if url.password is not None and str(url.password) in DEFAULT_DB_PASSWORDS:
            raise ValueError(
                f"DATABASE_URL uses the default PostgreSQL password {url.password!r} in prod: "
                "set POSTGRES_PASSWORD (docker compose) or the URL's password to a random value"
            )
        # Over TCP a password is expected; a Unix socket (no host, or a directory) may use peer authentication.
        over_tcp = bool(url.host) and not str(url.host).startswith("/")
        if over_tcp and not url.password:
            raise ValueError(
                "DATABASE_URL has no PostgreSQL password in prod: put a random password in the URL "
                "(postgresql://user:password@host/db), or connect through a Unix socket"
            )

    @property
    def id_document_key(self) -> str:
        """The key of identity-document hashes (derived from secret_key with its own label in dev)."""
        if self.document_key:
            return self.document_key
        return hmac.new(self.secret_key.encode(), b"qp:id-document-key:v1", hashlib.sha256).hexdigest()

    @property
    def map_tile_origin(self) -> str:
        """scheme://host of the tile server ("" when the template is relative or empty)."""
        parts = urlsplit(self.map_tile_url)
        return (
            f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def safe_database_url(self) -> str:
        """The URL with any password hidden, for logs."""
        return make_url(self.database_url).render_as_string(hide_password=True)
