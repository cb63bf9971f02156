from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session

from backend.assembly.service import draws, work
from backend.assembly.service.common import saisine_journal
from backend.errors import Conflict, Invalid
from tests.assembly.helpers import AGENT, drawn_saisine, make_saisine

WHEN = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def test_meetings_need_a_panel_and_are_journaled(session: Session) -> None:
    with pytest.raises(Conflict):
        work.plan_meeting(
            session, AGENT, make_saisine(session), title="Séance 1", starts_at=WHEN, place="Mairie", agenda=""
        )
    saisine = drawn_saisine(session)
    with pytest.raises(Invalid) as err:
        work.plan_meeting(
            session, AGENT, saisine, title="Séance 1", starts_at=None, place="Mairie", agenda=""
        )
    assert err.value.field == "starts_at"
    later = work.plan_meeting(
        session, AGENT, saisine, title="Séance 2", starts_at=WHEN + timedelta(days=7), place="Cité", agenda=""
    )
    first = work.plan_meeting(
        session, AGENT, saisine, title="Séance 1", starts_at=WHEN, place="Mairie 13/14", agenda="Accueil"
    )
    assert work.meetings(session, saisine) == [first, later]
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.meeting_planned" and "14 mars 2026" in entry.reason


def test_attendance_is_recorded_for_every_active_member(session: Session) -> None:
    saisine = drawn_saisine(session)
    meeting = work.plan_meeting(
        session, AGENT, saisine, title="Séance 1", starts_at=WHEN, place="Mairie", agenda=""
    )
    active = draws.members(session, saisine)
    assert work.record_attendance(
        session, AGENT, saisine, meeting, [active[0].id, active[1].id], "Compte rendu"
    ) == (2, 6)
    assert work.record_attendance(session, AGENT, saisine, meeting, [active[0].id], "Corrigé") == (1, 6)
    assert sum(work.attendance(session, meeting).values()) == 1
    assert work.attendance_counts(session, saisine)[meeting.id or 0] == (1, 6)
    assert meeting.summary == "Corrigé"
    with pytest.raises(Invalid):
        work.record_attendance(session, AGENT, saisine, meeting, [999_999], "")
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.attendance_recorded" and '"present":1' in entry.payload


def test_working_groups(session: Session) -> None:
    saisine = drawn_saisine(session)
    group = work.create_group(session, AGENT, saisine, name="Formation", topic="Apprentissage")
    active = draws.members(session, saisine)
    work.set_group_members(session, saisine, group, [active[0].id, active[2].id])
    work.set_group_members(session, saisine, group, [active[2].id])
    assert work.group_members(session, saisine) == {group.id: [active[2].id]}
    assert work.member_groups(session, active[2]) == [group.id]
    with pytest.raises(Invalid):
        work.create_group(session, AGENT, saisine, name="x", topic="")


def test_documents_are_links_or_checked_files(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    saisine = make_saisine(session)
    link = work.add_document(
        session,
        AGENT,
        saisine,
        title="Diagnostic jeunesse",
        url="https://exemple.fr/d.pdf",
        upload_dir=tmp_path,
    )
    assert link.url and link.stored_name is None
    upload = work.Upload("Note de cadrage.pdf", b"%PDF-1.4 test")
    doc = work.add_document(
        session, AGENT, saisine, title="Note de cadrage", upload=upload, upload_dir=tmp_path
    )
    assert work.document_path(tmp_path, doc).read_bytes() == b"%PDF-1.4 test"
    assert doc.content_type == "application/pdf" and doc.filename == "Note de cadrage.pdf"
    for kwargs, field in [
        ({"title": "x", "url": "https://a.fr"}, "title"),
        ({"title": "Sans rien"}, "file"),
        ({"title": "Lien", "url": "javascript:alert(1)"}, "url"),
        ({"title": "Script", "upload": work.Upload("a.exe", b"MZ")}, "file"),
        ({"title": "Vide", "upload": work.Upload("a.pdf", b"")}, "file"),
    ]:
        with pytest.raises(Invalid) as err:
            work.add_document(session, AGENT, saisine, upload_dir=tmp_path, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field
    assert saisine_journal(session, saisine.id or 0)[-1].action == "assembly.document_added"
