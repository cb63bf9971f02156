"""A person's personal data: export (RGPD right of access) and account deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from backend.accounts.grants import active_grants
from backend.accounts.journal import journal_user
from backend.accounts.models import User
from backend.accounts.sessions import end_sessions
from backend.db import utcnow
from backend.territory.models import Qpv

if TYPE_CHECKING:
    from backend.processes import Registry


def export_personal_data(session: Session, user: User, registry: Registry) -> dict[str, Any]:
    """Everything the platform holds about a person (RGPD right of access)."""
    qpv = session.get(Qpv, user.qpv_id) if user.qpv_id else None
    data: dict[str, Any] = {
        "compte": {
            "identifiant_public_journal": user.public_id,
            "email": user.email,
            "telephone": user.phone,
            "identifiant_imprime": user.login_id,
            "piece_identite_vue": (
                {"type": user.id_document_kind, "le": user.id_document_seen_at.isoformat()}
                if user.id_document_seen_at
                else None
            ),
            "nom_affiche": user.display_name,
            "annee_naissance": user.birth_year,
            "adresse": user.address,
            "coordonnees_adresse": [user.address_lat, user.address_lon] if user.address_lat else None,
            "quartier": {"code": qpv.code, "nom": qpv.name} if qpv else None,
            "residence": {
                "statut": user.residence_status,
                "comment": user.residence_method,
                "verifiee_par": user.residence_verified_by,
                "verifiee_le": user.residence_verified_at.isoformat() if user.residence_verified_at else None,
            },
            "cree_le": user.created_at.isoformat(),
            "inscrit_en_personne_par": user.registered_by,
        },
        "roles": [
            {
                "role": g.role,
                "territoire": g.scope_kind,
                "code": g.scope_code,
                "depuis": g.granted_at.isoformat(),
            }
            for g in active_grants(session, user.id)
        ],
    }
    for name, exporter in registry.personal_data_exporters():  # each process adds what it holds
        data[name] = exporter(session, user)
    return data


def delete_account(session: Session, user: User, registry: Registry) -> None:
    """Erase personal data (each process of the registry erases its own) but keep the row's
    pseudonymous id, so the journal stays intact: its entries name `public_id`, which no longer
    leads to anybody."""
    for erase in registry.account_erasers():
        erase(session, user)
    for grant in active_grants(session, user.id):
        grant.revoked_at = utcnow()
        session.add(grant)
    user.email = None
    user.phone = None
    user.login_id = None
    # id_document_hash stays until the retention purge: one document still votes once per edition.
    user.password_hash = None
    user.display_name = "Compte supprimé"
    user.birth_year = None
    user.address = None
    user.address_lat = None
    user.address_lon = None
    user.residence_method = None
    user.is_active = False
    user.deleted_at = utcnow()
    session.add(user)
    end_sessions(session, user)
    journal_user(
        session,
        user,
        action="accounts.account_deleted",
        reason="Compte supprimé à la demande de la personne ; ses données personnelles ont été effacées.",
    )
