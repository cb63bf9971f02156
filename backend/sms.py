"""Outgoing SMS through a pluggable backend: console (log), file (one .txt per message) or Brevo's
transactional SMS HTTP API.

Messages carry one-time codes: outside the console backend (a development outbox), neither the text nor
the full phone number is ever written to the logs.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from backend.config import Settings
from backend.db import utcnow
from backend.errors import Unavailable
from backend.i18n import gettext as _

log = logging.getLogger("qp.sms")


@dataclass(frozen=True)
class Sms:
    to: str  # E.164, e.g. +33612345678
    text: str


class SmsSender(Protocol):
    def send(self, sms: Sms) -> None: ...


def masked(phone: str) -> str:
    """Enough of a number to tell messages apart in logs, not enough to call it."""
    return phone[:4] + "…" + phone[-2:] if len(phone) > 6 else "…"


def not_sent() -> Unavailable:
    return Unavailable(
        _("Le SMS n'a pas pu partir. Rien n'est perdu : réessayez dans quelques minutes."), field="sms"
    )


class ConsoleSms:
    """Development only: the log is the outbox (so it shows the text)."""

    def __init__(self) -> None:
        self.sent: list[Sms] = []

    def send(self, sms: Sms) -> None:
        self.sent.append(sms)
        log.info("sms (console backend, development) to=%s\n%s", masked(sms.to), sms.text)


class FileSms:
    """One file per message (development and tests): first line the number, then the text."""

    def __init__(self, directory: Path):
        self.directory = directory

    def send(self, sms: Sms) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.txt"
        (self.directory / name).write_text(f"{sms.to}\n{sms.text}\n", encoding="utf-8")


class BrevoSms:
    """Brevo's transactional SMS API: POST JSON with the ``api-key`` header."""

    def __init__(
        self,
        api_key: str,
        sender: str,
        *,
        url: str,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ):
        self.api_key = api_key
        self.sender = sender
        self.url = url
        self.timeout_s = timeout_s
        self.transport = transport  # httpx.MockTransport in tests

    def send(self, sms: Sms) -> None:
        body = {
            "sender": self.sender,
            "recipient": sms.to.lstrip("+"),  # Brevo wants the country code without "+"
            "content": sms.text,
            "type": "transactional",
        }
        headers = {"api-key": self.api_key, "accept": "application/json"}
        try:
            with httpx.Client(transport=self.transport, timeout=self.timeout_s) as client:
                response = client.post(self.url, json=body, headers=headers)
        except httpx.TimeoutException:
            log.warning("sms provider timed out (to=%s)", masked(sms.to))
            raise not_sent() from None
        except httpx.HTTPError as exc:
            log.warning("sms provider unreachable: %s (to=%s)", type(exc).__name__, masked(sms.to))
            raise not_sent() from None
        if response.status_code >= 400:
            # Brevo answers {"code": "...", "message": "..."}; log only its code: the message may quote the request.
            try:
                code = str(response.json().get("code", ""))[:60]
            except ValueError:
                code = ""
            log.warning(
                "sms provider refused: status=%s code=%s (to=%s)", response.status_code, code, masked(sms.to)
            )
            raise not_sent()


def make_sms_sender(settings: Settings) -> SmsSender:
    if settings.sms_backend == "file":
        return FileSms(settings.sms_dir)
    if settings.sms_backend == "brevo":
        if not settings.sms_api_key:
            raise ValueError("APP_SMS_API_KEY is needed with APP_SMS_BACKEND=brevo")
        return BrevoSms(
            settings.sms_api_key,
            settings.sms_sender,
            url=settings.sms_api_url,
            timeout_s=settings.sms_timeout_s,
        )
    return ConsoleSms()
