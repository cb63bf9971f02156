"""The FPH's part of the RGPD export and of account deletion."""

from __future__ import annotations

from sqlmodel import Session

from backend.accounts.personal_data import delete_account, export_personal_data
from backend.fph.models import Application, ApplicationStatus
from backend.fph.service import funds
from backend.processes import Registry
from tests.fph.conftest import make_application, make_fund, make_meeting, make_voters, resident


def test_export_lists_applications_and_committee_seats(session: Session, registry: Registry) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    lead = resident(session)
    make_application(session, fund, lead, title="Fête des voisins")
    data = export_personal_data(session, lead, registry)["fonds_participation_habitants"]
    assert [(d["titre"], d["porteur_principal"], d["statut"]) for d in data["demandes"]] == [
        ("Fête des voisins", True, "submitted")
    ]
    member, _m = make_voters(session, fund, 1)[0]
    assert (
        export_personal_data(session, member, registry)["fonds_participation_habitants"]["comites"][0]["vote"]
        is True
    )


def test_deleting_an_account_drops_private_drafts_keeps_submitted_files_and_ends_seats(
    session: Session, registry: Registry
) -> None:
    fund = make_fund(session)
    make_meeting(session, fund)
    lead = resident(session)
    draft = make_application(session, fund, lead, submit=False)
    sent = make_application(session, fund, lead)
    member, _m = make_voters(session, fund, 1)[0]
    delete_account(session, lead, registry)
    delete_account(session, member, registry)
    assert session.get(Application, draft.id) is None
    assert session.get(Application, sent.id).status == ApplicationStatus.submitted  # type: ignore[union-attr]
    assert not [m for m in funds.active_members(session, fund.id) if m.user_id == member.id]
