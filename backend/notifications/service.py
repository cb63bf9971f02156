"""Telling people what happened: in-app notices and queued e-mails and SMS, written in the
transaction of the change itself (services only flush; the worker sends after the commit)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from backend import i18n
from backend.accounts.models import User
from backend.db import utcnow
from backend.errors import Invalid, NotFound
from backend.export_rows import export_row
from backend.formatting import format_date, format_datetime, format_money
from backend.i18n import gettext as _
from backend.notifications.kinds import BY_KEY, KINDS, Kind
from backend.notifications.models import Channel, Notification, NotificationPreference, OutboxMessage

SMS_MAX = 160
PAGE_SIZE = 50


class Translatable(str):
    """A param that is itself a message id (a status, an outcome): translated for each recipient."""


@dataclass(frozen=True)
class Money:
    """An amount in cents, formatted in each recipient's language."""

    cents: int


@dataclass(frozen=True)
class Phrase:
    """A message id with params of its own (a line of details), translated for each recipient.
    Its placeholders are written as in the catalogue: `{name}`, or `%(name)s` for older ids."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)


Param = str | int | date | datetime | Translatable | Money | Phrase


# --- preferences ---------------------------------------------------------------------------------


def default_channels(user: User) -> set[str]:
    """In-app always (not a channel here); e-mail when the account has one; SMS when it has a
    confirmed phone and no e-mail."""
    if user.email:
        return {Channel.email}
    if user.phone and user.phone_confirmed_at is not None:
        return {Channel.sms}
    return set()


def reachable(user: User) -> set[str]:
    """The channels this account can be reached on at all."""
    out: set[str] = set()
    if user.email:
        out.add(Channel.email)
    if user.phone and user.phone_confirmed_at is not None:
        out.add(Channel.sms)
    return out


def preference_of(session: Session, user_id: int) -> NotificationPreference | None:
    return session.exec(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    ).first()


def channels_for(user: User, pref: NotificationPreference | None, kind: str) -> set[str]:
    """Where a notice of `kind` goes besides the centre: the person's choice, else the defaults."""
    chosen = (
        set(pref.channels[kind]) if pref is not None and kind in pref.channels else default_channels(user)
    )
    return chosen & reachable(user)


def language_of(pref: NotificationPreference | None) -> str:
    return pref.language if pref is not None and pref.language in i18n.SUPPORTED else i18n.DEFAULT_LOCALE


def save_preferences(
    session: Session, user: User, channels: Mapping[str, Iterable[str]], language: str
) -> None:
    """Store the channels chosen for every kind (unknown kinds and channels are refused)."""
    if language not in i18n.SUPPORTED:
        raise Invalid(_("Choisissez une langue de la liste."), field="language")
    clean: dict[str, list[str]] = {}
    for kind in KINDS:
        wanted = set(channels.get(kind.key, ()))
        if not wanted <= set(Channel):
            raise Invalid(_("Choisissez seulement e-mail ou SMS."), field="channels")
        clean[kind.key] = sorted(wanted)
    pref = preference_of(session, user.id) or NotificationPreference(user_id=user.id)
    pref.channels = clean
    pref.language = language
    pref.updated_at = utcnow()
    session.add(pref)
    session.flush()


def remember_language(session: Session, user_id: int, language: str) -> None:
    """The language the person reads the site in becomes the language of their messages
    (the row is created with the default channels when missing)."""
    if language not in i18n.SUPPORTED:
        return
    pref = preference_of(session, user_id) or NotificationPreference(user_id=user_id)
    if pref.id is not None and pref.language == language:
        return
    pref.language = language
    pref.updated_at = utcnow()
    session.add(pref)
    session.flush()


def preference_grid(session: Session, user: User) -> tuple[list[tuple[Kind, set[str]]], str]:
    """Each kind with its channels (chosen or default), and the language (default: the active one)."""
    pref = preference_of(session, user.id)
    grid = [(kind, channels_for(user, pref, kind.key)) for kind in KINDS]
    return grid, pref.language if pref is not None else i18n.get_locale()


# --- writing notices -----------------------------------------------------------------------------


def text_of(value: Param) -> str:
    """A param as text in the active language (dates, amounts, message ids)."""
    return _value(value)


def _value(value: Param) -> str:
    if isinstance(value, Translatable):
        return _(str(value))
    if isinstance(value, Phrase):
        text = _(value.msgid)
        values = {k: _value(v) for k, v in value.params.items()}
        return text % values if "%(" in value.msgid else text.format(**values)
    if isinstance(value, Money):
        return format_money(value.cents)
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    return str(value)


def _fill(template: str, params: Mapping[str, Param]) -> str:
    return _(template).format(**{k: _value(v) for k, v in params.items()})


def short_sms(template: str, params: Mapping[str, Param]) -> str:
    """The SMS text, its longest param shortened (with « … ») when the text passes 160 characters."""
    text = _fill(template, params)
    used = [k for k in params if "{" + k + "}" in _(template)]  # a param the SMS leaves out is no help
    if len(text) <= SMS_MAX or not used:
        return text
    longest = max(used, key=lambda k: len(_value(params[k])))
    value = _value(params[longest])
    keep = max(len(value) - (len(text) - SMS_MAX) - 1, 10)
    return _fill(template, {**params, longest: value[:keep].rstrip() + "…"})


def _render(
    kind: Kind, params: Mapping[str, Param], details: Sequence[Param], language: str
) -> tuple[str, str, str]:
    """Title, body (with its lines of details) and SMS in `language`."""

    def run() -> tuple[str, str, str]:
        i18n.set_locale(language)
        body = "\n".join([_fill(kind.body, params), *(_value(d) for d in details)])
        return _fill(kind.title, params)[:200], body, short_sms(kind.sms, params)

    # A copy of the context: the request's own locale is left as it was.
    return contextvars.copy_context().run(run)


def _email_body(body: str, language: str) -> str:
    """The e-mail ends with a line announcing the link (the worker adds the address after it)."""

    def run() -> str:
        i18n.set_locale(language)
        return f"{body}\n\n{_('Pour voir le détail :')}"

    return contextvars.copy_context().run(run)


def notify(
    session: Session,
    user_ids: Iterable[int],
    kind: str,
    *,
    params: Mapping[str, Param],
    url: str,
    details: Sequence[Param] = (),
    dedupe_key: str | None = None,
) -> int:
    """Write the in-app notice and queue the e-mail or SMS each person chose, in their language;
    returns how many people were told. `details` are lines added to the in-app text and the
    e-mail (not the SMS): reasons, amounts. With `dedupe_key`, people who already had it are skipped."""
    spec = BY_KEY[kind]
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    prefs = {
        p.user_id: p
        for p in session.exec(
            select(NotificationPreference).where(col(NotificationPreference.user_id).in_(ids))
        )
    }
    done: set[int] = set()
    if dedupe_key is not None:
        done = set(
            session.exec(
                select(Notification.user_id).where(
                    col(Notification.user_id).in_(ids), Notification.dedupe_key == dedupe_key
                )
            ).all()
        )
    told = 0
    for user in users:
        if user.is_deleted or not user.is_active or user.id in done:
            continue
        pref = prefs.get(user.id)
        language = language_of(pref)
        title, body, sms = _render(spec, params, details, language)
        session.add(
            Notification(user_id=user.id, kind=kind, title=title, body=body, url=url, dedupe_key=dedupe_key)
        )
        for channel in sorted(channels_for(user, pref, kind)):
            if channel == Channel.email:
                message = OutboxMessage(
                    user_id=user.id,
                    channel=channel,
                    recipient=user.email or "",
                    subject=title,
                    body=_email_body(body, language),
                    url=url,
                )
            else:
                message = OutboxMessage(
                    user_id=user.id, channel=channel, recipient=user.phone or "", body=sms
                )
            session.add(message)
        told += 1
    session.flush()
    return told


# --- the notification centre ---------------------------------------------------------------------


def unread_count(session: Session, user_id: int) -> int:
    """One indexed count for the header badge."""
    return int(
        session.scalar(
            select(func.count(col(Notification.id))).where(
                Notification.user_id == user_id, col(Notification.read_at).is_(None)
            )
        )
        or 0
    )


def latest(session: Session, user_id: int, limit: int = PAGE_SIZE) -> list[Notification]:
    """A person's notices, newest first."""
    return list(
        session.exec(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        ).all()
    )


def mark_read(session: Session, user_id: int, notification_id: int) -> Notification:
    """Mark one of the person's own notices read; another person's is « not found »."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_("Cette notification n'existe pas."))
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        session.flush()
    return notification


def mark_all_read(session: Session, user_id: int) -> None:
    session.execute(
        update(Notification)
        .where(col(Notification.user_id) == user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    session.flush()


# --- personal data -------------------------------------------------------------------------------

# Export name → attribute, for a notice and for a message sent by e-mail or SMS.
NOTICE_FIELDS = {
    "type": "kind",
    "titre": "title",
    "texte": "body",
    "lien": "url",
    "le": "created_at",
    "lue_le": "read_at",
}
MESSAGE_FIELDS = {
    "canal": "channel",
    "destinataire": "recipient",
    "objet": "subject",
    "texte": "body",
    "etat": "status",
    "cree_le": "created_at",
    "envoye_le": "sent_at",
}


def export(session: Session, user: User) -> dict[str, Any]:
    """The person's notices, preferences and messages (RGPD right of access)."""
    pref = preference_of(session, user.id)
    messages = session.exec(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(col(OutboxMessage.id))
    ).all()
    return {
        "notifications": [export_row(n, NOTICE_FIELDS) for n in latest(session, user.id, limit=10_000)],
        "preferences": {"langue": pref.language, "canaux": pref.channels} if pref else None,
        "messages": [export_row(m, MESSAGE_FIELDS) for m in messages],
    }


def erase(session: Session, user: User) -> None:
    """Delete the person's notices, preferences and messages (sent or not) with their account."""
    for model in (Notification, NotificationPreference, OutboxMessage):
        session.execute(delete(model).where(col(model.user_id) == user.id))
    session.flush()
