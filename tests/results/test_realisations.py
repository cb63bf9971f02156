"""Following winning projects: who may, what is journaled, subscriptions and their notices, photos."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from backend.accounts.models import Role
from backend.db import utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.ledger.models import LedgerEntry
from backend.ledger.service import ActorRef, verify_ledger
from backend.results import service
from backend.results.followables import followables
from backend.results.models import Milestone, Realisation, Subscription
from backend.results.personal_data import erase, export
from backend.results.service import Update
from tests.budget.helpers import CENTRE, CORO
from tests.factories import login, make_staff, make_user, page_text, post
from tests.notifications.conftest import notices, queued
from tests.results.helpers import close, counted_edition, fph

AGENT = ActorRef(role=Role.agent, id="agent-test")


@pytest.fixture
def settings(settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    settings.upload_dir = tmp_path / "uploads"
    return settings


def winner(session: Session) -> tuple[int, int]:
    edition, _projects, _people = counted_edition(session)
    results = close(session, edition)
    return int(results[CORO].selected[0]), edition.id or 0


def test_only_winners_and_grants_can_be_followed(session: Session) -> None:
    edition, projects, _people = counted_edition(session)
    with pytest.raises(NotFound):  # the vote is not counted yet
        service.open_realisation(session, AGENT, "bp", projects[CORO][0].id or 0)
    close(session, edition)
    _fund, granted, refused = fph(session)
    with pytest.raises(NotFound):
        service.open_realisation(session, AGENT, "fph", refused.id or 0)
    r = service.open_realisation(session, AGENT, "fph", granted.id or 0, "Centre social")
    assert (r.status, r.progress, r.service, r.qpv_id) == ("etudes", 0, "Centre social", granted.qpv_id)
    with pytest.raises(Conflict):
        service.open_realisation(session, AGENT, "fph", granted.id or 0)
    items = {(i.source, i.source_id): i for i in followables(session)}
    assert ("fph", granted.id) in items and ("fph", refused.id) not in items
    assert sum(1 for k in items if k[0] == "bp") == 6


def test_every_change_is_journaled_in_the_originating_process(session: Session) -> None:
    proposal_id, edition_id = winner(session)
    r = service.open_realisation(session, AGENT, "bp", proposal_id)
    assert r.edition_id == edition_id
    changes = service.update_realisation(session, AGENT, r, Update("travaux", 30, "Direction des sports"))
    assert changes == [
        "Étape : Études → Travaux.",
        "Avancement : 30 %.",
        "Service responsable : Direction des sports.",
    ]
    with pytest.raises(Invalid):  # nothing changed
        service.update_realisation(session, AGENT, r, Update("travaux", 30, "Direction des sports"))
    service.update_realisation(session, AGENT, r, Update("travaux", 60, "Direction des sports"))
    service.update_realisation(
        session, AGENT, r, Update("abandonne", 60, "Direction des sports", "Le terrain est privé.")
    )
    assert r.reason == "Le terrain est privé."
    service.update_realisation(session, AGENT, r, Update("livre", 60, "Direction des sports"))
    assert (r.progress, r.reason) == (100, "")
    service.add_milestone(session, AGENT, r, happened_on=date(2027, 3, 1), title="Inauguration")
    entries = session.exec(
        select(LedgerEntry).where(
            LedgerEntry.object_type == "bp_proposal", LedgerEntry.object_id == str(proposal_id)
        )
    ).all()
    ours = [e for e in entries if e.action.startswith("results.")]
    assert [e.action for e in ours] == [
        "results.realisation_opened", "results.status_changed", "results.realisation_updated",
        "results.status_changed", "results.status_changed", "results.milestone_added",
    ]  # fmt: skip
    assert {e.process for e in ours} == {"bp"} and {e.territory for e in ours} == {CORO}
    assert "Raison de l'abandon : Le terrain est privé." in ours[3].reason
    assert verify_ledger(session).ok


def test_a_milestone_needs_a_title_and_a_date(session: Session) -> None:
    _fund, granted, _refused = fph(session)
    r = service.open_realisation(session, AGENT, "fph", granted.id or 0)
    with pytest.raises(Invalid) as exc:
        service.add_milestone(session, AGENT, r, happened_on=None, title="Fête")
    assert exc.value.field == "happened_on"
    with pytest.raises(Invalid):
        service.add_milestone(session, AGENT, r, happened_on=date(2026, 1, 1), title="x")


def test_subscribers_are_told_through_the_outbox_and_erasure_removes_them(session: Session) -> None:
    _fund, granted, _refused = fph(session)
    r = service.open_realisation(session, AGENT, "fph", granted.id or 0)
    fan = make_user(session, identifier="fan@example.org", display_name="Awa Fan")
    phone_only = make_user(session, identifier="06 11 22 33 44", phone_confirmed_at=utcnow())
    service.subscribe(session, r, fan)
    service.subscribe(session, r, fan)  # twice is once
    service.subscribe(session, r, phone_only)  # no e-mail address: told in-app and by SMS
    assert service.subscriber_count(session, r) == 2
    service.update_realisation(session, AGENT, r, Update("travaux", 50, ""))
    (mail,) = queued(session, fan.id)
    assert (
        mail.channel == "email" and mail.recipient == "fan@example.org" and "Fête des voisins" in mail.subject
    )
    assert "Étape : Études → Travaux." in mail.body and "Où en est le projet : Travaux, 50 %." in mail.body
    assert mail.url == f"/resultats/realisations/{r.id}"
    (sms,) = queued(session, phone_only.id)
    assert sms.channel == "sms" and "Fête des voisins" in sms.body
    assert [n.kind for n in notices(session, phone_only.id)] == ["project_update"]
    assert export(session, fan)["projets_suivis"][0]["realisation_id"] == r.id
    erase(session, fan)
    assert [s.user_id for s in session.exec(select(Subscription)).all()] == [phone_only.id]


def _image() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def test_agents_follow_from_the_screens_and_residents_subscribe(client: TestClient, session: Session) -> None:
    _fund, granted, _refused = fph(session)
    stranger = make_staff(session, Role.agent, "qpv", CENTRE)
    login(client, stranger)
    assert client.get("/resultats/suivi").status_code == 200
    refused = post(client, "/resultats/suivi/ouvrir", {"source": "fph", "source_id": granted.id})
    assert refused.status_code == 403  # not their QPV
    client.cookies.clear()
    agent = make_staff(session, Role.agent, "qpv", CORO)
    login(client, agent)
    assert "Fête des voisins" in page_text(client.get("/resultats/suivi"))
    r = post(
        client,
        "/resultats/suivi/ouvrir",
        {"source": "fph", "source_id": granted.id, "service_name": "Centre social"},
    )
    assert r.status_code == 303
    realisation = session.exec(select(Realisation)).one()
    url = f"/resultats/suivi/{realisation.id}"
    bad = post(client, url, {"status": "abandonne", "progress": "10", "service": "", "reason": ""})
    assert bad.status_code == 422 and "pourquoi le projet est abandonné" in page_text(bad)
    assert (
        post(client, url, {"status": "travaux", "progress": "45 %", "service": "Centre social"}).status_code
        == 303
    )
    files = {"m_photo": ("photo.png", _image(), "image/png")}
    ok = post(
        client,
        f"{url}/etapes",
        {"m_title": "Achat du matériel", "m_date": "2026-10-01", "m_text": "Fait."},
        files=files,
    )
    assert ok.status_code == 303, ok.text
    milestone = session.exec(select(Milestone)).one()
    assert milestone.photo and (milestone.status, milestone.progress) == ("travaux", 45)
    not_image = {"m_photo": ("x.png", b"not an image", "image/png")}
    refused_photo = post(
        client, f"{url}/etapes", {"m_title": "Autre", "m_date": "2026-10-02"}, files=not_image
    )
    assert refused_photo.status_code == 422
    client.cookies.clear()
    public = page_text(client.get(f"/resultats/realisations/{realisation.id}"))
    assert "Achat du matériel" in public and "Travaux" in public and "45" in public
    photo = client.get(f"/resultats/realisations/{realisation.id}/etapes/{milestone.id}/photo")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert client.get(f"/resultats/realisations/{realisation.id}/etapes/999999/photo").status_code == 404
    # A resident subscribes, then the agent's next change e-mails them after the response.
    resident = make_user(session, qpv=CORO, identifier="voisine@example.org")
    login(client, resident)
    assert post(client, f"/resultats/realisations/{realisation.id}/abonnement").status_code == 303
    assert "Vous suivez ce projet" in page_text(client.get(f"/resultats/realisations/{realisation.id}"))
    assert (
        post(client, f"{url}", {"status": "livre", "progress": "100"}).status_code == 403
    )  # residents cannot update
    client.cookies.clear()
    login(client, agent)
    assert (
        post(client, url, {"status": "livre", "progress": "90", "service": "Centre social"}).status_code
        == 303
    )
    assert [m.recipient for m in queued(session, resident.id)] == ["voisine@example.org"]
    session.refresh(realisation)
    assert (realisation.status, realisation.progress) == ("livre", 100)


def test_qpv_page_shows_what_became_of_each_decision(client: TestClient, session: Session) -> None:
    proposal_id, _edition_id = winner(session)
    _fund, granted, _refused = fph(session)
    r = service.open_realisation(session, AGENT, "bp", proposal_id)
    service.update_realisation(
        session, AGENT, r, Update("abandonne", 0, "", "Le bailleur a refusé les travaux.")
    )
    text = page_text(client.get(f"/resultats/quartiers/{CORO}"))
    assert "Projet QN01342I 1" in text and "Abandonné" in text and "Le bailleur a refusé les travaux." in text
    assert "Fête des voisins" in text and "Suivi pas encore commencé" in text
    assert client.get("/resultats/quartiers/XX000").status_code == 404
    assert (
        client.get(f"/resultats/quartier?quartier={CORO}").headers["location"]
        == f"/resultats/quartiers/{CORO}"
    )
    assert "Malpassé Corot" in page_text(client.get("/resultats"))
    assert client.get("/resultats/realisations/999999").status_code == 404
