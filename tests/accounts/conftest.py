"""A real SMTP server on loopback (aiosmtpd) and the file SMS outbox, for contact and recovery tests."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from backend.config import Settings
from tests.live import free_port


@dataclass
class SmtpServer:
    """Messages the local SMTP server received (the handler runs in the controller's thread)."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def link(self, address: str, path: str) -> str:
        """The path of the last link to ``path`` sent to ``address`` (what the person clicks)."""
        body = self.to(address)[-1].get_body(preferencelist=("plain",))
        assert body is not None
        found = re.findall(r"https?://[^/\s]+(" + re.escape(path) + r"[\w-]+)", body.get_content())
        assert found, "no link in the message"
        return str(found[-1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(host="127.0.0.1", port=free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    yield server
    controller.stop()


def read_sms(directory: Path) -> list[tuple[str, str]]:
    """(number, text) of every SMS the file backend wrote, oldest first."""
    if not directory.exists():
        return []
    out = []
    for path in sorted(directory.glob("*.txt")):
        number, _, text = path.read_text(encoding="utf-8").partition("\n")
        out.append((number, text.strip()))
    return out


def last_sms_code(directory: Path, number: str) -> str:
    texts = [text for to, text in read_sms(directory) if to == number]
    assert texts, f"no SMS to {number}"
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match
    return match.group(1)


@pytest.fixture
def sms_dir(tmp_path: Path) -> Path:
    return tmp_path / "sms"


def real_outboxes(settings: Settings, smtp_server: SmtpServer, sms_dir: Path) -> Settings:
    """`settings` sending e-mail through the local SMTP server and SMS as files in `sms_dir`."""
    return settings.model_copy(
        update={
            "mail_backend": "smtp",
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "sms_backend": "file",
            "sms_dir": sms_dir,
        }
    )
