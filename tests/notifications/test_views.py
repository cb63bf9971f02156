"""The notification centre, the header's unread count and the preferences page."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.notifications import notify
from backend.notifications.service import preference_of
from tests.factories import login, make_user, page_text, post
from tests.notifications.conftest import confirmed_phone, notices


def told(session: Session, user_id: int, edition: str, url: str = "/budget-participatif/bp") -> None:
    notify(session, [user_id], "vote_open", params={"edition": edition}, url=url)


def test_the_centre_lists_newest_first_and_the_header_counts_unread(
    session: Session, client: TestClient
) -> None:
    user = make_user(session)
    told(session, user.id, "Budget 2025")
    told(session, user.id, "Budget 2026")
    login(client, user)
    page = page_text(client.get("/notifications"))
    assert page.index("Budget 2026") < page.index("Budget 2025")
    assert 'aria-label="Mes notifications : 2 non lues"' in page


def test_marking_read_one_then_all(session: Session, client: TestClient) -> None:
    user = make_user(session)
    told(session, user.id, "Budget 2025", url="/budget-participatif/bp-2025")
    told(session, user.id, "Budget 2026")
    first, second = notices(session, user.id)
    login(client, user)
    response = post(client, f"/notifications/{first.id}/lue", {"ouvrir": "1"})
    assert response.status_code == 303 and response.headers["location"].endswith(
        "/budget-participatif/bp-2025"
    )
    session.refresh(first)
    assert first.read_at is not None
    assert 'aria-label="Mes notifications : 1 non lue"' in page_text(client.get("/notifications"))
    assert post(client, "/notifications/toutes-lues").status_code == 303
    session.refresh(second)
    assert second.read_at is not None
    assert 'aria-label="Mes notifications : 0 non lue"' in page_text(client.get("/notifications"))


def test_nobody_sees_or_marks_another_persons_notifications(session: Session, client: TestClient) -> None:
    owner, intruder = make_user(session), make_user(session)
    told(session, owner.id, "Budget secret de quelqu'un")
    (notice,) = notices(session, owner.id)
    login(client, intruder)
    assert "Budget secret" not in page_text(client.get("/notifications"))
    assert post(client, f"/notifications/{notice.id}/lue").status_code == 404
    post(client, "/notifications/toutes-lues")
    session.refresh(notice)
    assert notice.read_at is None


def test_the_centre_needs_a_login(client: TestClient) -> None:
    response = client.get("/notifications")
    assert response.status_code == 303 and "/connexion" in response.headers["location"]


def test_preferences_are_saved_and_shown(session: Session, client: TestClient) -> None:
    user = confirmed_phone(session, "06 10 20 30 40")
    login(client, user)
    page = page_text(client.get("/compte/notifications"))
    assert 'value="proposal_status:sms" checked' in page  # phone only: SMS by default
    assert 'value="proposal_status:email" disabled' in page  # no e-mail on the account
    response = post(client, "/compte/notifications", {"canal": ["vote_open:sms"], "langue": "ar"})
    assert response.status_code == 303
    pref = preference_of(session, user.id)
    assert pref is not None and pref.language == "ar"
    assert pref.channels["vote_open"] == ["sms"] and pref.channels["proposal_status"] == []
    page = page_text(client.get("/compte/notifications"))
    assert 'value="proposal_status:sms" checked' not in page and 'value="vote_open:sms" checked' in page
    assert post(client, "/compte/notifications", {"langue": "xx"}).status_code == 422


def test_each_fph_message_has_its_line_in_the_preferences(session: Session, client: TestClient) -> None:
    login(client, make_user(session))
    page = page_text(client.get("/compte/notifications"))
    for key, label in (
        ("fph_decision", "Ma demande au fonds de participation des habitants"),
        ("fph_invitation", "Invitation au comité du fonds de participation des habitants"),
        ("fph_payment", "L'argent versé pour mon projet du fonds de participation des habitants"),
        ("fph_bilan", "Le bilan de mon projet du fonds de participation des habitants"),
    ):
        assert f"<legend>{label}</legend>" in page
        assert f'value="{key}:email" checked' in page  # e-mail by default for an account with one
