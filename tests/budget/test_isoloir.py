"""The voting point as a French polling station, through the screens: the agent signs the person
in (émargement), the person votes alone on the tablet (isoloir) or on paper; one signature gives one
tablet ballot, a replayed ballot is refused; the agent's screens never show a choice. Also the
offline receipt check (`qp receipt check`)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.budget.service import editions
from backend.budget.voting import results
from backend.budget.voting.models import Ballot, IsoloirToken, Voter
from backend.budget.voting.secrecy import receipt_hash
from backend.cli import app as qp
from backend.ledger.service import entries_for
from tests.budget.helpers import ADMIN, BP_HOOKS, CORO, moderator
from tests.budget.vote_helpers import ids, vote, vote_edition, voter
from tests.factories import login, page_text, post

POINT = "Centre social Malpassé"


def sign_in(client: TestClient, base: str, public_id: str, number: str = "X4RTBPFW4") -> None:
    form = {
        "voting_point": POINT,
        "document_kind": "carte_identite",
        "document_number": number,
        "residence_check": "deja",
        "qpv_code": CORO,
    }
    response = post(client, f"{base}/personne/{public_id}", form)
    assert response.status_code == 303, page_text(response)


def restore_session(client: TestClient, value: str | None) -> None:
    """Put back an earlier session cookie of the tablet (a replay)."""
    assert value
    domain = next(c.domain for c in client.cookies.jar if c.name == "qp_session")
    client.cookies.clear()
    client.cookies.set("qp_session", value, domain=domain)


def ballots(session: Session, edition_id: int) -> list[Ballot]:
    session.expire_all()
    return list(session.exec(select(Ballot).where(Ballot.edition_id == edition_id)).all())


def test_the_person_votes_alone_on_the_tablet_and_the_agent_sees_only_a_vote(
    client: TestClient, session: Session
) -> None:
    edition, projects = vote_edition(session, revote_allowed=False)
    person = voter(session)
    mod = moderator(session, CORO)
    login(client, mod)
    base = f"/budget-participatif/{edition.slug}/bureau"
    assert "Bulletin papier" not in page_text(
        client.get(f"{base}/personne/{person.public_id}")
    )  # no typed ballot
    sign_in(client, base, person.public_id)
    signed = session.exec(select(Voter).where(Voter.user_id == person.id)).one()
    assert (signed.channel, signed.voting_point, signed.recorded_by) == ("in_person", POINT, mod.public_id)
    assert not ballots(session, edition.id)
    choice = page_text(client.get(f"{base}/emargement"))
    assert "Voter sur la tablette (isoloir)" in choice and "Bulletin papier dans l'urne" in choice
    screen = page_text(client.get(f"{base}/isoloir"))
    assert "Vous votez seul. Personne ne voit votre choix." in screen and "Lire le projet" not in screen
    assert person.display_name not in screen and "Bureau de vote" not in screen  # no menu, no name
    chosen = list(ids(projects[CORO], 0, 1))
    too_many = post(
        client, f"{base}/isoloir", {"projet": list(ids(projects[CORO], 0, 1, 2, 3)), "action": "verifier"}
    )
    assert too_many.status_code == 422 and 'value="' + chosen[0] + '" checked' in too_many.text  # kept
    confirm = page_text(post(client, f"{base}/isoloir", {"projet": chosen, "action": "verifier"}))
    assert "Relisez votre vote" in confirm and "Projet QN01342I 1" in confirm
    before = client.cookies.get("qp_session")
    done = post(client, f"{base}/isoloir", {"projet": chosen, "action": "confirmer"})
    assert done.status_code == 303 and done.headers["location"] == f"{base}/isoloir/recu"
    receipt = page_text(client.get(f"{base}/isoloir/recu"))
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt)
    assert code and "je rends la tablette" in receipt
    voted = client.get(f"{base}/a-vote")
    text = page_text(voted)
    assert "A voté" in text and voted.headers["cache-control"] == "no-store"
    assert code.group(0) not in text and "Projet QN01342I" not in text and person.display_name not in text
    assert code.group(0) not in page_text(client.get(f"{base}/isoloir/recu"))  # shown once
    stored = ballots(session, edition.id)
    assert len(stored) == 1
    assert (stored[0].channel, stored[0].voting_point, stored[0].slot) == ("isoloir", POINT, None)
    assert stored[0].choices == " ".join(sorted(chosen, key=int)) or set(stored[0].choices.split()) == set(
        chosen
    )
    assert stored[0].receipt_hash == receipt_hash(code.group(0))
    # Replaying the confirmation with the tablet's old session is refused: one signature, one ballot.
    restore_session(client, before)
    replay = post(client, f"{base}/isoloir", {"projet": chosen, "action": "confirmer"})
    assert replay.status_code == 303 and replay.headers["location"] == base
    assert "déjà enregistré" in page_text(client.get(base))
    assert len(ballots(session, edition.id)) == 1
    # The person cannot sign twice, nor vote online.
    again = post(
        client,
        f"{base}/personne/{person.public_id}",
        {
            "voting_point": POINT,
            "document_kind": "carte_identite",
            "document_number": "X4RTBPFW4",
            "qpv_code": CORO,
        },
    )
    assert again.status_code == 409 and "a déjà voté au bureau de vote" in page_text(again)


def test_paper_ballot_spends_the_tablet_pass_and_the_next_person_waits(
    client: TestClient, session: Session
) -> None:
    edition, projects = vote_edition(session)
    first, second = voter(session), voter(session)
    login(client, moderator(session, CORO))
    base = f"/budget-participatif/{edition.slug}/bureau"
    sign_in(client, base, first.public_id, "AA111111")
    blocked = post(
        client,
        f"{base}/personne/{second.public_id}",
        {
            "voting_point": POINT,
            "document_kind": "passeport",
            "document_number": "BB222222",
            "qpv_code": CORO,
        },
    )
    assert blocked.status_code == 409 and "n'a pas encore voté" in page_text(blocked)
    assert 'value="BB222222"' in blocked.text  # what was typed is kept
    assert session.exec(select(Voter).where(Voter.user_id == second.id)).first() is None
    with_pass = client.cookies.get("qp_session")
    assert post(client, f"{base}/papier", {}).status_code == 303
    assert len(session.exec(select(IsoloirToken).where(IsoloirToken.edition_id == edition.id)).all()) == 1
    restore_session(client, with_pass)
    replay = post(client, f"{base}/isoloir", {"projet": list(ids(projects[CORO], 0)), "action": "confirmer"})
    assert replay.status_code == 303 and not ballots(session, edition.id)
    post(client, f"{base}/papier", {})
    sign_in(client, base, second.public_id, "BB222222")


def test_closing_a_voting_point_journals_counts_never_a_person(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    people = [voter(session) for _ in range(3)]
    login(client, moderator(session, CORO))
    base = f"/budget-participatif/{edition.slug}/bureau"
    for n, person in enumerate(people):
        sign_in(client, base, person.public_id, f"DOC{n}12345")
        if n == 0:
            post(client, f"{base}/papier", {})
        else:
            post(client, f"{base}/isoloir", {"projet": list(ids(projects[CORO], n)), "action": "confirmer"})
    assert post(client, f"{base}/fermer", {"voting_point": POINT}).status_code == 303
    assert "3 signatures, 2 votes sur la tablette" in page_text(client.get(base))
    entry = [
        e for e in entries_for(session, "bp_edition", edition.slug) if e.action == "bp.voting_point_closed"
    ][-1]
    assert json.loads(entry.payload) == {"voting_point": POINT, "signatures": 3, "tablet_ballots": 2}
    for person in people:
        assert person.public_id not in str(entry.payload) + entry.reason
        assert str(person.display_name) not in entry.reason


def test_receipt_is_checked_offline_with_the_published_file(session: Session, tmp_path: Path) -> None:
    edition, projects = vote_edition(session)
    cast = vote(session, edition, voter(session), *ids(projects[CORO], 0, 2))
    vote(session, edition, voter(session), *ids(projects[CORO], 1))
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    table = next(p for p in results.publications(session, edition) if p.name.endswith(".csv"))
    rows = list(csv.DictReader(io.StringIO(table.content), delimiter=";"))
    assert receipt_hash(cast.receipt) in {r["recu_sha256"] for r in rows}
    file = tmp_path / table.name
    file.write_text(table.content, encoding="utf-8")
    runner = CliRunner()
    found = runner.invoke(qp, ["receipt", "check", "--file", str(file), "--code", cast.receipt.lower()])
    assert found.exit_code == 0, found.output
    assert (
        "Oui : votre reçu est dans le fichier" in found.output
        and " ".join(ids(projects[CORO], 0, 2)) in found.output
    )
    missing = runner.invoke(qp, ["receipt", "check", "--file", str(file), "--code", "7K3M-Q9XD-2HRA"])
    assert missing.exit_code == 1 and "Non : ce reçu n'est pas dans le fichier" in missing.output
    bad = runner.invoke(qp, ["receipt", "check", "--file", str(file), "--code", "pas un code"])
    assert bad.exit_code == 1 and "Ce code n'est pas un reçu" in bad.output
    assert "qp receipt check" in Path("README.md").read_text(encoding="utf-8")
