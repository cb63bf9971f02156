"""Settings refuse, in prod, the defaults meant for a developer's machine, naming the setting to fix."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend.config import Settings

KEY = "k" * 40
# Every checked setting is given explicitly, so that the environment (DATABASE_URL of a PostgreSQL run,
# a developer's .env) does not change the outcome.
GOOD: dict[str, Any] = {
    "env": "prod",
    "secret_key": KEY,
    "document_key": KEY + "-documents",
    "database_url": "postgresql://quartiers:s3cr3t-0f-24-characters@db:5432/quartiers",
    "mail_backend": "smtp",
    "smtp_host": "smtp.example.fr",
    "sms_backend": "brevo",
    "sms_api_key": "brevo-key",
}


def prod(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **{**GOOD, **overrides})


def test_a_complete_production_configuration_is_accepted() -> None:
    settings = prod()
    assert settings.env == "prod" and settings.smtp_host == "smtp.example.fr"
    # A Unix socket may use peer authentication: no password needed there.
    assert prod(database_url="postgresql:///quartiers?host=/var/run/postgresql").env == "prod"
    assert prod(database_url="postgresql://quartiers@/quartiers").env == "prod"
    assert prod(database_url="sqlite:////srv/qp/qp.sqlite3").is_sqlite
    assert prod(mail_backend="file", smtp_host="localhost", sms_backend="file").env == "prod"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"secret_key": "dev-only-secret-change-me"}, "APP_SECRET_KEY must be set"),
        ({"secret_key": "short"}, "APP_SECRET_KEY must be set"),
        ({"document_key": None}, "APP_DOCUMENT_KEY must be set"),
        (
            {"database_url": "postgresql://quartiers:change-me@db:5432/quartiers"},
            "default PostgreSQL password 'change-me'",
        ),
        (
            {"database_url": "postgresql+psycopg://quartiers:changeme@db/quartiers"},
            "default PostgreSQL password 'changeme'",
        ),
        (
            {"database_url": "postgresql://quartiers@db:5432/quartiers"},
            "DATABASE_URL has no PostgreSQL password",
        ),
        (
            {"database_url": "postgresql://quartiers:@db:5432/quartiers"},
            "DATABASE_URL has no PostgreSQL password",
        ),
        ({"smtp_host": "localhost"}, "APP_SMTP_HOST is 'localhost' with APP_MAIL_BACKEND=smtp"),
        ({"smtp_host": "127.0.0.1"}, "APP_SMTP_HOST is '127.0.0.1' with APP_MAIL_BACKEND=smtp"),
        ({"smtp_host": ""}, "APP_SMTP_HOST is '' with APP_MAIL_BACKEND=smtp"),
        ({"mail_backend": "console"}, "APP_MAIL_BACKEND=console writes every e-mail"),
        ({"sms_backend": "console"}, "APP_SMS_BACKEND=console writes every SMS"),
    ],
)
def test_prod_refuses_development_defaults(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        prod(**overrides)


def test_the_smtp_host_defaults_to_localhost_so_prod_must_set_it() -> None:
    without_host = {k: v for k, v in GOOD.items() if k != "smtp_host"}
    with pytest.raises(ValidationError, match="Set APP_SMTP_HOST to the mail server"):
        Settings(_env_file=None, **without_host)


def test_dev_and_test_keep_their_conveniences() -> None:
    for env in ("dev", "test"):
        settings = Settings(
            _env_file=None,
            env=env,
            database_url="postgresql://postgres@127.0.0.1:5432/test",
            mail_backend="smtp",
            smtp_host="localhost",
            sms_backend="console",
        )
        assert settings.sms_backend == "console" and settings.smtp_host == "localhost"
