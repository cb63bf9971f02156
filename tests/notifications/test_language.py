"""The language of a person's messages follows the language they read the site in: chosen with
the language switch (link or form) when signed in, or the one they signed up in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.notifications.models import NotificationPreference
from backend.notifications.service import preference_of, save_preferences
from tests.factories import login, make_user, post
from tests.notifications.conftest import notices


def language_of(session: Session, user_id: int) -> str | None:
    session.expire_all()
    pref = preference_of(session, user_id)
    return pref.language if pref is not None else None


def test_switching_language_when_signed_in_sets_the_messages_language(
    client: TestClient, session: Session
) -> None:
    user = make_user(session)
    login(client, user)
    assert language_of(session, user.id) is None
    assert client.get("/langue/ar?next=/compte", follow_redirects=False).status_code == 303
    assert language_of(session, user.id) == "ar"  # the row is created
    assert post(client, "/langue", {"lang": "en", "suivant": "/"}).status_code == 303
    assert language_of(session, user.id) == "en"
    client.get("/langue/xx", follow_redirects=False)  # not a language of the site: nothing changes
    assert language_of(session, user.id) == "en"


def test_switching_keeps_the_chosen_channels_and_changes_the_notices_language(
    client: TestClient, session: Session
) -> None:
    from backend.notifications import notify

    user = make_user(session)
    save_preferences(session, user, {"vote_open": []}, "fr")
    login(client, user)
    client.get("/langue/en", follow_redirects=False)
    session.expire_all()
    pref = preference_of(session, user.id)
    assert pref is not None and pref.channels["vote_open"] == []
    notify(session, [user.id], "vote_open", params={"edition": "Budget 2026"}, url="/x")
    (notice,) = notices(session, user.id)
    assert not notice.title.startswith("Le vote est ouvert")  # in English


def test_switching_language_anonymously_stores_nothing(client: TestClient, session: Session) -> None:
    assert client.get("/langue/ar", follow_redirects=False).status_code == 303
    assert session.exec(select(NotificationPreference)).all() == []


def test_sign_up_stores_the_language_of_the_request(client: TestClient, session: Session) -> None:
    client.cookies.set("lang", "ar")
    data = {
        "identifier": "samira@example.org",
        "display_name": "Samira",
        "birth_year": "1990",
        "password": "une phrase assez longue",
        "password_confirm": "une phrase assez longue",
        "consent": "1",
    }
    assert post(client, "/inscription", data).status_code == 303
    user = session.exec(select(User).where(User.email == "samira@example.org")).one()
    assert language_of(session, user.id) == "ar"
