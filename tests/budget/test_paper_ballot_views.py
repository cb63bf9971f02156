"""The paper ballot screens: printing with a stub, the dépouillement of a point, the stub checked
on the receipt page, the reconciliation closed with an explanation."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient answers
from sqlmodel import Session, select

from backend.budget.models import Edition
from backend.budget.voting import depouillement as dep
from backend.budget.voting.models import Ballot, Depouillement, PaperCode
from backend.budget.voting.secrecy import new_receipt
from backend.ledger.service import entries_for
from tests.budget.helpers import CORO, agent, moderator
from tests.budget.test_paper_ballots import POINT, emarge
from tests.budget.vote_helpers import ids, vote_edition, voter
from tests.factories import login, page_text, post

CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def base(edition: Edition) -> str:
    return f"/budget-participatif/{edition.slug}/bureau"


def print_papers(client: TestClient, session: Session, edition: Edition, n: int = 2) -> list[str]:
    ctx_envelope = next(str(e) for e in _envelopes(session, edition))
    page = post(
        client, f"{base(edition)}/bulletins", {"bureau": POINT, "enveloppe": ctx_envelope, "nombre": str(n)}
    )
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store", page_text(page)
    codes = list(dict.fromkeys(CODE.findall(page.text)))
    assert len(codes) == n and all(page.text.count(c) == 2 for c in codes)  # the ballot and its stub
    return codes


def _envelopes(session: Session, edition: Edition) -> list[int]:
    from backend.budget.voting.context import build_context
    from backend.territory.models import Qpv

    ctx = build_context(session, edition)
    coro = session.exec(select(Qpv).where(Qpv.code == CORO)).one()
    return [ctx.envelope_by_qpv[coro.id]]


def test_a_stub_code_checks_on_the_receipt_page(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    login(client, moderator(session, CORO))
    first, second = print_papers(client, session, edition)
    p0, p1 = ids(projects[CORO], 0, 1)
    entered = post(
        client,
        f"{base(edition)}/depouillement/saisie",
        {"bureau": POINT, "code": first, "bulletin": "valable", "choix": f"{p0} {p1}"},
    )
    assert entered.status_code == 303
    assert entered.headers["location"] == f"{base(edition)}/depouillement/point?bureau={quote(POINT)}"
    shown = client.get(entered.headers["location"])
    assert "Bulletin compté" in page_text(shown) and first not in shown.text
    check_url = f"/budget-participatif/{edition.slug}/verifier-recu"
    checked = post(client, check_url, {"code": first.lower()})
    assert checked.status_code == 200 and "correspond à un bulletin enregistré" in page_text(checked)
    unused = post(client, check_url, {"code": second})
    assert "Aucun bulletin ne correspond à ce reçu" in page_text(unused)
    # The same code again, or a code never printed: the page says why and keeps what was typed.
    again = post(
        client,
        f"{base(edition)}/depouillement/saisie",
        {"bureau": POINT, "code": first, "bulletin": "valable", "choix": p0},
    )
    assert again.status_code == 409 and "déjà compté" in page_text(again)
    unknown = new_receipt()
    wrong = post(
        client,
        f"{base(edition)}/depouillement/saisie",
        {"bureau": POINT, "code": unknown, "bulletin": "valable", "choix": p0},
    )
    assert wrong.status_code == 422 and "aucun bulletin imprimé" in page_text(wrong)
    assert f'value="{unknown}"' in wrong.text
    assert len(session.exec(select(Ballot)).all()) == 1


def test_reconciliation_page_and_closing_with_an_explanation(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    for person in (voter(session), voter(session)):
        emarge(session, edition, person)
    login(client, agent(session))
    (code,) = print_papers(client, session, edition, 1)
    post(
        client,
        f"{base(edition)}/depouillement/saisie",
        {"bureau": POINT, "code": code, "bulletin": "valable", "choix": ids(projects[CORO], 0)[0]},
    )
    page = client.get(f"{base(edition)}/depouillement")
    assert page.status_code == 200
    assert "1 bulletin de moins que d'émargements" in page_text(page) and POINT in page_text(page)
    close_url = f"{base(edition)}/depouillement/clore"
    refused = post(client, close_url, {"bureau": POINT, "explication": ""})
    assert refused.status_code == 422 and "Expliquez-la" in page_text(refused)
    assert session.exec(select(Depouillement)).one().closed_at is None
    why = "Une personne a gardé son bulletin et l'a montré à l'agent."
    closed = post(client, close_url, {"bureau": POINT, "explication": why})
    assert closed.status_code == 303
    after = client.get(closed.headers["location"])
    assert "Dépouillement clos." in page_text(after) and why in page_text(after)
    entry = next(e for e in entries_for(session, "bp_edition", edition.slug) if e.action == dep.RECONCILED)
    payload = json.loads(entry.payload)
    assert (payload["emargements"], payload["counted"], payload["difference"]) == (2, 1, -1)
    assert payload["explanation"] == why and entry.actor_role == "agent"
    point_page = client.get(f"{base(edition)}/depouillement/point", params={"bureau": POINT})
    assert "Le dépouillement de ce bureau est clos." in page_text(point_page)
    assert "Saisir un bulletin" not in page_text(point_page)


def test_the_file_page_refuses_identity_columns(client: TestClient, session: Session) -> None:
    edition, projects = vote_edition(session)
    login(client, agent(session))
    (code,) = print_papers(client, session, edition, 1)
    choice = ids(projects[CORO], 0)[0]

    def send(csv: str) -> Response:
        return post(
            client,
            f"{base(edition)}/depouillement/import",
            {"bureau": POINT, "action": "enregistrer"},
            files={"fichier": ("d.csv", csv.encode(), "text/csv")},
        )

    page = send(f"nom;code;choix\nAwa N.;{code};{choice}")
    assert page.status_code == 422 and "Le vote est secret" in page_text(page)
    assert not session.exec(select(PaperCode).where(PaperCode.used)).first()
    done = send(f"code;choix\n{code};{choice}")
    assert done.status_code == 200 and "1 bulletin compté." in page_text(done)


def test_the_pages_are_for_the_staff_of_the_voting_points(client: TestClient, session: Session) -> None:
    edition, _projects = vote_edition(session)
    login(client, voter(session))
    for url in ("/depouillement", "/bulletins", "/depouillement/point?bureau=Mairie"):
        assert client.get(base(edition) + url).status_code == 403, url
    client.cookies.clear()
    login(client, agent(session))
    for url in ("/depouillement", "/bulletins", "/depouillement/point?bureau=Mairie"):
        assert client.get(base(edition) + url).status_code == 200, url
