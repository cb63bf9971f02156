from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from backend.assembly.models import Invitation, VolunteerStatus
from backend.assembly.service import recruitment
from backend.assembly.service.common import saisine_journal
from backend.errors import Conflict, Invalid
from backend.processes import Registry
from tests.assembly.helpers import AGENT, make_saisine, make_volunteer
from tests.factories import make_user

ADDRESSES = (
    "\ufeffnom;adresse;code_postal;ville\n"
    "Famille Ben;12 avenue Corot;13013;Marseille\n"
    "Mme Roux;3 rue des Lilas;13014;Marseille\n"
    ";12, Avenue  Corot;13013;Marseille\n"
    "M. Diallo;8 bd Barnier;13015;Marseille\n"
    "\n"
)


def test_address_list_is_read_with_semicolons_and_bom() -> None:
    rows = recruitment.parse_address_list(ADDRESSES.encode())
    assert len(rows) == 4
    assert rows[0].recipient == "Famille Ben" and rows[0].address == "12 avenue Corot 13013 Marseille"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "vide"),
        (b"nom,rue\nA,B\n", "colonne « adresse »"),
        (b"adresse,nom\n1 rue A,X\n,Y\n", "Ligne 3"),
        ("adresse\n1 rue \xe9t\xe9\n".encode("cp1252"), None),
    ],
)
def test_address_list_errors_are_clear(data: bytes, message: str | None) -> None:
    if message is None:
        assert recruitment.parse_address_list(data)[0].address == "1 rue été"
        return
    with pytest.raises(Invalid, match=message):
        recruitment.parse_address_list(data)


def test_invitations_are_drawn_among_distinct_addresses_with_unique_codes(session: Session) -> None:
    saisine = make_saisine(session)
    letters = recruitment.draw_invitations(session, AGENT, saisine, ADDRESSES.encode(), 3)
    assert len({i.code for i in letters}) == 3
    assert len({recruitment.normalize_address(i.address or "") for i in letters}) == 3
    assert all(len(i.code) == 8 and set(i.code) <= set(recruitment.CODE_ALPHABET) for i in letters)
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.invitations_drawn"
    assert "list_sha256" in entry.payload and "Corot" not in entry.payload
    with pytest.raises(Invalid, match="entre 1 et 3") as err:
        recruitment.draw_invitations(session, AGENT, saisine, ADDRESSES.encode(), 4)
    assert err.value.field == "count"


def test_registration_with_a_code_uses_the_letter_address_once(session: Session) -> None:
    saisine = make_saisine(session, registration_mode="code")
    (letter,) = recruitment.draw_invitations(session, AGENT, saisine, ADDRESSES.encode(), 1)
    with pytest.raises(Invalid) as err:
        make_volunteer(session, saisine)
    assert err.value.field == "code"
    with pytest.raises(Invalid, match="aucune lettre"):
        make_volunteer(session, saisine, code="AAAA-AAAA")
    volunteer = make_volunteer(
        session, saisine, code=recruitment.format_code(letter.code).lower(), address=""
    )
    assert volunteer.address == letter.address
    assert volunteer.invitation_id == letter.id and letter.used_at is not None
    with pytest.raises(Conflict, match="déjà servi"):
        make_volunteer(session, saisine, code=letter.code)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "A"}, "name"),
        ({"phone": "", "email": ""}, "phone"),
        ({"phone": "12"}, "phone"),
        ({"phone": "", "email": "pas-un-mail@"}, "email"),
        ({"address": ""}, "address"),
        ({"qpv_code": "QN01301M"}, "qpv_code"),  # Marignane: not in the saisine's commune
        ({"answers": {}}, "c_genre"),
        ({"answers": {"genre": "licorne"}}, "c_genre"),
        ({"household_size": "0"}, "household_size"),
        ({"consent": False}, "consent"),
    ],
)
def test_registration_refusals_name_the_field(
    session: Session, overrides: dict[str, Any], field: str
) -> None:
    saisine = make_saisine(session)
    with pytest.raises(Invalid) as err:
        make_volunteer(session, saisine, **overrides)
    assert err.value.field == field


def test_territorial_characteristics_come_from_the_qpv(session: Session) -> None:
    saisine = make_saisine(session, categories=["genre", "secteur"])
    volunteer = make_volunteer(session, saisine, qpv_code="QN01354M")
    assert volunteer.characteristics == {"genre": "femme", "secteur": "nord-littoral"}


def test_one_registration_per_account_and_closed_after_the_deadline(session: Session) -> None:
    saisine = make_saisine(session, registration_deadline=date.today())
    user = make_user(session)
    make_volunteer(session, saisine, user=user)
    with pytest.raises(Conflict, match="déjà sur la liste des volontaires"):
        make_volunteer(session, saisine, user=user)
    form = recruitment.VolunteerForm(name="Lina", phone="0611111111", address="1 rue A Marseille", qpv_code="QN01342I",
                                     consent=True, answers={"genre": "femme"})  # fmt: skip
    with pytest.raises(Conflict, match="closes"):
        recruitment.register_volunteer(session, saisine, form, today=date.today() + timedelta(days=1))


def test_household_key_ignores_spelling_and_depends_on_the_saisine(session: Session) -> None:
    one, two = make_saisine(session), make_saisine(session)
    a = recruitment.household_key(one, "12, Avenue Corot 13013 MARSEILLE")
    assert a == recruitment.household_key(one, "12 avenue  corot 13013 Marseille")
    assert a != recruitment.household_key(two, "12 avenue corot 13013 Marseille")
    assert "corot" not in a


def test_personal_data_export_and_erasure_cover_volunteers(session: Session, registry: Registry) -> None:
    saisine = make_saisine(session)
    user = make_user(session)
    volunteer = make_volunteer(session, saisine, user=user, needs="garde d'enfants")
    exporters = dict(registry.personal_data_exporters())
    (row,) = exporters["assemblee_citoyenne"](session, user)
    assert (
        row["besoins"] == "garde d'enfants"
        and row["conservation_jusqu_au"] == saisine.retention_until.isoformat()
    )
    for erase in registry.account_erasers():
        erase(session, user)
    assert volunteer.name == "" and volunteer.phone is None and volunteer.characteristics == {}
    assert volunteer.status == VolunteerStatus.withdrawn and volunteer.erased_at is not None


def test_expired_volunteers_are_erased(session: Session) -> None:
    saisine = make_saisine(session)
    volunteer = make_volunteer(session, saisine)
    assert recruitment.erase_expired(session, today=saisine.retention_until) == 0
    assert recruitment.erase_expired(session, today=saisine.retention_until + timedelta(days=1)) == 1
    assert volunteer.address == "" and volunteer.erased_at is not None


def test_pool_counts_show_missing_volunteers(session: Session) -> None:
    saisine = make_saisine(session)
    # Addresses given: the helper's default ("<n> rue de la Paix") would join the household below when n is 1.
    make_volunteer(
        session, saisine, answers={"genre": "homme"}, address="25 boulevard Jean Jaurès, 13013 Marseille"
    )
    make_volunteer(session, saisine, answers={"genre": "homme"}, address="1 rue de la Paix, 13013 Marseille")
    make_volunteer(session, saisine, answers={"genre": "homme"}, address="1, rue de la paix 13013 marseille")
    counts = {c.feature: c for c in recruitment.pool_counts(session, saisine)}
    assert counts["homme"].volunteers == 3 and counts["homme"].households == 2
    assert counts["femme"].short and not counts["autre"].short
    assert session.exec(select(Invitation)).all() == []
