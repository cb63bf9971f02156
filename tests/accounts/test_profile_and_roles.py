"""Profile, residence (geocoded or declared), verification scoping, roles, personal data."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from backend.accounts.levels import Level, level_of
from backend.accounts.models import ResidenceStatus, Role, RoleGrant, ScopeKind, User
from backend.accounts.permissions import Grant
from backend.ledger.models import LedgerEntry
from backend.ledger.service import verify_ledger
from backend.territory.geocoder import BanGeocoder
from backend.territory.service import qpv_ref
from tests.factories import login, make_staff, make_user, page_text, post, qpv


def ban(lat: float, lon: float, score: float = 0.93) -> BanGeocoder:
    body = {
        "features": [
            {
                "geometry": {"coordinates": [lon, lat]},
                "properties": {"score": score, "type": "housenumber", "label": "adresse"},
            }
        ]
    }
    return BanGeocoder(transport=httpx.MockTransport(lambda r: httpx.Response(200, json=body)))


def offline() -> BanGeocoder:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("offline", request=request)

    return BanGeocoder(transport=httpx.MockTransport(handler))


def last_entry(session: Session) -> LedgerEntry:
    return session.exec(select(LedgerEntry).order_by(LedgerEntry.seq.desc())).first()  # type: ignore[attr-defined,return-value]


def test_a_geocoded_address_suggests_the_quartier_but_never_verifies(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    app.state.geocoder = ban(43.3255, 5.4083)
    user = make_user(session)
    login(client, user)
    response = post(client, "/compte/residence", {"address": "12 avenue Corot 13013 Marseille"})
    assert response.status_code == 303
    session.refresh(user)
    assert user.qpv_id == qpv(session, "QN01342I").id
    assert user.residence_status == ResidenceStatus.declared_in_area
    assert user.residence_verified_at is None and user.residence_verified_by is None
    assert level_of(user) == Level.account


def test_a_new_address_undoes_an_earlier_verification(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    app.state.geocoder = ban(43.3255, 5.4083)
    user = make_user(session, qpv="QN01342I", residence_verified_by="abc")
    assert user.residence_status == ResidenceStatus.verified
    login(client, user)
    post(client, "/compte/residence", {"address": "12 avenue Corot 13013 Marseille"})
    session.refresh(user)
    assert user.residence_status == ResidenceStatus.declared_in_area and user.residence_verified_by is None


def test_geocoder_offline_falls_back_to_declared(client: TestClient, app: FastAPI, session: Session) -> None:
    app.state.geocoder = offline()
    user = make_user(session)
    login(client, user)
    response = post(client, "/compte/residence", {"address": "12 avenue Corot", "qpv_code": "QN01342I"})
    assert response.status_code == 303
    session.refresh(user)
    assert user.residence_status == ResidenceStatus.declared
    assert user.qpv_id == qpv(session, "QN01342I").id
    assert "ne répond pas" in client.get("/compte").text


def test_geocoder_offline_without_choice_asks_for_the_quartier_and_keeps_the_address(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    app.state.geocoder = offline()
    user = make_user(session)
    login(client, user)
    response = post(client, "/compte/residence", {"address": "12 avenue Corot"})
    assert response.status_code == 422
    assert "Choisissez votre quartier" in page_text(response)
    assert 'value="12 avenue Corot"' in page_text(response)
    session.refresh(user)
    assert user.address is None and user.residence_status == ResidenceStatus.none


def test_address_outside_qpv_but_declared_stays_to_verify(
    client: TestClient, app: FastAPI, session: Session
) -> None:
    app.state.geocoder = ban(43.2840, 5.3713)  # Notre-Dame de la Garde
    user = make_user(session)
    login(client, user)
    post(client, "/compte/residence", {"address": "Rue Fort du Sanctuaire", "qpv_code": "QN01330M"})
    session.refresh(user)
    assert user.residence_status == ResidenceStatus.declared


def test_grant_scopes() -> None:
    from backend.territory.models import QpvRef

    corot = QpvRef(
        id=1,
        code="QN01342I",
        name="Malpassé Corot",
        secteur_slug="nord-est",
        commune_insee=["13055"],
        metropole_code="200054807",
    )
    assert Grant(Role.moderator, ScopeKind.qpv, "QN01342I").covers(corot)
    assert not Grant(Role.moderator, ScopeKind.qpv, "QN01330M").covers(corot)
    assert Grant(Role.agent, ScopeKind.secteur, "nord-est").covers(corot)
    assert not Grant(Role.agent, ScopeKind.secteur, "centre").covers(corot)
    assert Grant(Role.agent, ScopeKind.commune, "13055").covers(corot)
    assert not Grant(Role.agent, ScopeKind.commune, "13001").covers(corot)
    assert Grant(Role.agent, ScopeKind.metropole, "200054807").covers(corot)
    assert Grant(Role.admin, ScopeKind.all).covers(corot)


def test_moderator_verifies_residents_of_their_qpv_only(client: TestClient, session: Session) -> None:
    moderator = make_staff(session, Role.moderator, ScopeKind.qpv, "QN01342I")
    mine = make_user(
        session, qpv="QN01342I", residence_status=ResidenceStatus.declared, display_name="Habitante Corot"
    )
    theirs = make_user(
        session, qpv="QN01330M", residence_status=ResidenceStatus.declared, display_name="Habitant Centre"
    )
    login(client, moderator)
    page = client.get("/verification")
    assert "Habitante Corot" in page_text(page) and "Habitant Centre" not in page_text(page)
    assert client.get("/verification", params={"qpv": "QN01330M"}).status_code == 404

    refused = post(client, f"/verification/{theirs.id}", {"method": "facture vue"})
    assert refused.status_code == 403
    session.refresh(theirs)
    assert theirs.residence_status == ResidenceStatus.declared
    assert post(client, "/verification/999999", {"method": "facture vue"}).status_code == 404

    ok = post(client, f"/verification/{mine.id}", {"method": "facture ou quittance vue en personne"})
    assert ok.status_code == 303
    session.refresh(mine)
    assert mine.residence_status == ResidenceStatus.verified
    assert mine.residence_verified_by == moderator.public_id
    entry = last_entry(session)
    assert entry.action == "accounts.residence_verified" and entry.territory == "QN01342I"
    assert entry.actor_role == "moderator" and entry.actor_id == moderator.public_id
    assert mine.display_name not in entry.reason + entry.payload


def test_agent_of_the_commune_covers_every_qpv_of_it(client: TestClient, session: Session) -> None:
    agent = make_staff(session, Role.agent, ScopeKind.commune, "13055")
    resident = make_user(session, qpv="QN01330M", residence_status=ResidenceStatus.declared)
    aix = make_user(
        session, qpv="QN00101M" if False else "QN01301M", residence_status=ResidenceStatus.declared
    )
    login(client, agent)
    assert post(client, f"/verification/{resident.id}", {"method": "bail vu"}).status_code == 303
    assert post(client, f"/verification/{aix.id}", {"method": "bail vu"}).status_code == 403  # Marignane


def test_residents_cannot_open_verification(client: TestClient, session: Session) -> None:
    login(client, make_user(session, qpv="QN01342I"))
    assert client.get("/verification").status_code == 403


def test_admin_grants_and_revokes_roles_journaled(client: TestClient, session: Session) -> None:
    admin = make_staff(session, Role.admin, ScopeKind.all)
    target = make_user(session)
    login(client, admin)
    assert client.get(f"/admin/utilisateurs/{target.id}").status_code == 200
    response = post(
        client, f"/admin/utilisateurs/{target.id}/roles", {"role": "moderator", "scope": "qpv:QN01342I"}
    )
    assert response.status_code == 303
    grant = session.exec(select(RoleGrant).where(RoleGrant.user_id == target.id)).one()
    assert (grant.role, grant.scope_kind, grant.scope_code) == ("moderator", "qpv", "QN01342I")
    assert last_entry(session).action == "accounts.role_granted"
    again = post(
        client, f"/admin/utilisateurs/{target.id}/roles", {"role": "moderator", "scope": "qpv:QN01342I"}
    )
    assert again.status_code == 409 and "déjà ce rôle" in page_text(again)
    bad = post(
        client, f"/admin/utilisateurs/{target.id}/roles", {"role": "moderator", "scope": "qpv:QN00000X"}
    )
    assert bad.status_code == 422
    assert post(client, f"/admin/roles/{grant.id}/retirer").status_code == 303
    session.refresh(grant)
    assert grant.revoked_at is not None
    assert last_entry(session).action == "accounts.role_revoked"


def test_admin_screens_are_for_admins(client: TestClient, session: Session) -> None:
    assert client.get("/admin").status_code == 303  # to the login page
    login(client, make_staff(session, Role.moderator, ScopeKind.qpv, "QN01342I"))
    for url in ("/admin", "/admin/utilisateurs", "/admin/territoires"):
        assert client.get(url).status_code == 403
    assert post(client, "/admin/territoires/QN01342I/secteur", {"secteur": "centre"}).status_code == 403


def test_admin_moves_a_qpv_to_another_secteur(client: TestClient, session: Session) -> None:
    login(client, make_staff(session, Role.admin, ScopeKind.all))
    assert post(client, "/admin/territoires/QN01342I/secteur", {"secteur": "centre"}).status_code == 303
    assert qpv_ref(session, qpv(session, "QN01342I").id).secteur_slug == "centre"
    assert last_entry(session).action == "territory.secteur_assigned"


def test_admin_import_refuses_a_bad_file_and_changes_nothing(client: TestClient, session: Session) -> None:
    login(client, make_staff(session, Role.admin, ScopeKind.all))
    before = last_entry(session).seq
    response = post(
        client,
        "/admin/territoires/import",
        files={"perimeters": ("qpv.geojson", b"{oops", "application/json")},
    )
    assert response.status_code == 303
    assert "Fichier refusé" in client.get("/admin/territoires").text
    assert last_entry(session).seq == before


def test_download_my_data(client: TestClient, session: Session) -> None:
    user = make_user(session, qpv="QN01342I", address="12 avenue Corot")
    login(client, user)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["compte"]["email"] == user.email
    assert data["compte"]["adresse"] == "12 avenue Corot"
    assert data["compte"]["quartier"]["code"] == "QN01342I"


def test_delete_account_erases_personal_data_and_keeps_the_journal(
    client: TestClient, session: Session
) -> None:
    moderator = make_staff(
        session, Role.moderator, ScopeKind.qpv, "QN01342I", display_name="Modératrice Nadia"
    )
    email = moderator.email
    assert email
    login(client, moderator)
    wrong = post(client, "/compte/supprimer", {"password": "correct horse battery", "confirm": "supprimer"})
    assert wrong.status_code == 422
    response = post(
        client, "/compte/supprimer", {"password": "correct horse battery", "confirm": "SUPPRIMER"}
    )
    assert response.status_code == 303
    session.refresh(moderator)
    assert moderator.email is None and moderator.password_hash is None and moderator.address is None
    assert moderator.display_name == "Compte supprimé"
    assert (
        session.exec(
            select(RoleGrant).where(RoleGrant.user_id == moderator.id, col(RoleGrant.revoked_at).is_(None))
        ).all()
        == []
    )  # noqa: E711
    assert verify_ledger(session).ok
    entries = session.exec(select(LedgerEntry).where(LedgerEntry.object_id == moderator.public_id)).all()
    assert {e.action for e in entries} >= {"accounts.role_granted", "accounts.account_deleted"}
    assert all("Nadia" not in e.reason + e.payload for e in entries)
    assert client.get("/compte").status_code == 303
    # The identifier can be used again for a new account.
    assert session.exec(select(User).where(User.email == email)).first() is None
    assert make_user(session, identifier=email).email == email


def test_admin_creates_a_secteur(client: TestClient, session: Session) -> None:
    from backend.territory.models import Secteur

    login(client, make_staff(session, Role.admin, ScopeKind.all))
    assert (
        post(
            client, "/admin/territoires/secteurs", {"name": "Étang de Berre", "commune": "13014"}
        ).status_code
        == 303
    )
    secteur = session.exec(select(Secteur).where(Secteur.slug == "etang-de-berre")).one()
    assert secteur.name == "Étang de Berre"
    assert last_entry(session).action == "territory.secteur_created"
    post(client, "/admin/territoires/secteurs", {"name": "Étang de Berre", "commune": "13014"})
    assert "Un secteur porte déjà ce nom" in page_text(client.get("/admin/territoires"))
    assert post(client, "/admin/territoires/secteurs", {"name": "X", "commune": "99999"}).status_code == 422
