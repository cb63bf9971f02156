"""Telling the panel: a convocation to each session, through `backend.notifications` (in-app, and
e-mail or SMS as each member chose), in the planning's own transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from backend.assembly.models import Meeting, Member
from backend.notifications import notify


def tell_panel(session: Session, meeting: Meeting, panel: Iterable[Member]) -> None:
    """The panel members with an account are convened to the session."""
    notify(
        session,
        [m.user_id for m in panel if m.user_id is not None],
        "convocation",
        params={"title": meeting.title, "when": meeting.starts_at, "place": meeting.place},
        url=f"/assemblee/{meeting.saisine_id}/seances/{meeting.id}",
    )
