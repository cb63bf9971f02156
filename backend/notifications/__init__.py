"""Notices where people are: in the notification centre, by e-mail, by SMS (foundation: names no domain).

Domains call `notify(session, user_ids, kind, params=..., url=...)` at the end of a service
function; `qp worker` sends what it queued."""

from backend.notifications.service import Money, Param, Phrase, Translatable, notify

__all__ = ["Money", "Param", "Phrase", "Translatable", "notify"]
