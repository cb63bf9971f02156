"""Outgoing mail through a pluggable backend: console (log), file (.eml files) or SMTP."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Protocol

from backend.config import Settings

log = logging.getLogger("qp.mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    def send(self, mail: Mail) -> None: ...


def _message(sender: str, mail: Mail) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Message-ID"] = make_msgid(domain="quartiers-participatifs.fr")
    msg.set_content(mail.body)
    return msg


class ConsoleMailer:
    def __init__(self, sender: str):
        self.sender = sender
        self.sent: list[Mail] = []

    def send(self, mail: Mail) -> None:
        self.sent.append(mail)
        log.info("mail to=%s subject=%s\n%s", mail.to, mail.subject, mail.body)


class FileMailer:
    def __init__(self, sender: str, directory: Path):
        self.sender = sender
        self.directory = directory

    def send(self, mail: Mail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        msg = _message(self.sender, mail)
        name = str(msg["Message-ID"]).strip("<>").replace("@", "_") + ".eml"
        (self.directory / name).write_bytes(bytes(msg))


class SmtpMailer:
    def __init__(self, settings: Settings):
        self.settings = settings

    def send(self, mail: Mail) -> None:
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=10) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(_message(s.mail_from, mail))


def make_mailer(settings: Settings) -> Mailer:
    if settings.mail_backend == "file":
        return FileMailer(settings.mail_from, settings.mail_dir)
    if settings.mail_backend == "smtp":
        return SmtpMailer(settings)
    return ConsoleMailer(settings.mail_from)
