"""Redevabilité: decisions traced to their reason and journal entry, per process and per QPV,
and the monthly digest."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.ledger.models import LedgerEntry
from backend.ledger.service import head
from backend.results import accountability
from tests.budget.helpers import CORO
from tests.factories import page_text
from tests.results.helpers import dataset


def test_decisions_are_traced_to_reason_entry_and_page(session: Session) -> None:
    data = dataset(session)
    traced, total = accountability.decisions(session, process="fph", limit=None)
    grant = next(t for t in traced if t.entry.action == "fph.application_granted")
    assert grant.label == "Aide du FPH accordée" and grant.link == f"/fph/fonds/{data.fund.id}"
    assert "Décision du comité." in grant.entry.reason and total == len(traced)
    bp, _n = accountability.decisions(session, process="bp", limit=None)
    actions = {t.entry.action for t in bp}
    assert {"bp.eligibility_decided", "bp.phase_changed", "bp.envelope_counted"} <= actions
    eligibility = next(t for t in bp if t.entry.action == "bp.eligibility_decided")
    assert eligibility.link and eligibility.link.startswith(
        f"/budget-participatif/{data.edition.slug}/propositions/"
    )
    assert all(t.entry.action in accountability.DECISIONS for t in bp)  # submissions etc. are not decisions
    here, _n = accountability.decisions(session, territory=CORO, limit=None)
    assert here and {t.entry.territory for t in here} == {CORO}
    counts = dict(accountability.counts_by_action(session, process="fph"))
    assert counts["Aide du FPH accordée"] == 1 and counts["Aide du FPH refusée"] == 1


def test_pages_show_the_head_hash_and_link_the_journal(client: TestClient, session: Session) -> None:
    dataset(session)
    _count, head_hash = head(session)
    page = page_text(client.get("/resultats/redevabilite/processus/fph"))
    assert "Aide du FPH accordée" in page and head_hash in page
    seq = session.exec(select(LedgerEntry.seq).where(LedgerEntry.action == "fph.application_granted")).one()
    assert f'href="/journal/{seq}"' in client.get("/resultats/redevabilite/processus/fph").text
    assert "Malpassé Corot" in page_text(client.get(f"/resultats/redevabilite/quartiers/{CORO}"))
    assert client.get("/resultats/redevabilite/processus/nope").status_code == 404
    index = page_text(client.get("/resultats/redevabilite"))
    assert "Budget participatif" in index and head_hash in index
    htmx = client.get("/resultats/redevabilite/processus/bp?page=2", headers={"HX-Request": "true"})
    assert htmx.status_code == 200 and "<html" not in htmx.text


def test_monthly_digest(client: TestClient, session: Session) -> None:
    dataset(session)
    month = date.today().strftime("%Y-%m")
    d = accountability.digest(session, date.today().year, date.today().month)
    assert d.total >= 3 and {"bp", "fph"} <= set(d.by_process)
    assert accountability.digest(session, 2001, 1).total == 0
    local = accountability.digest(session, date.today().year, date.today().month, CORO)
    assert 0 < local.total < d.total
    page = page_text(client.get(f"/resultats/lettre/{month}"))
    assert "Aide du FPH accordée" in page and "Télécharger la lettre (PDF)" in page
    assert client.get("/resultats/lettre").headers["location"] == f"/resultats/lettre/{month}"
    assert (
        client.get(f"/resultats/lettre?quartier={CORO}").headers["location"]
        == f"/resultats/lettre/{month}?quartier={CORO}"
    )
    assert client.get(f"/resultats/lettre/{month}?quartier={CORO}").status_code == 200
    assert client.get("/resultats/lettre/2026-13").status_code == 404
    assert client.get("/resultats/lettre/abc").status_code == 404
    assert accountability.month_bounds(2026, 12) == ("2026-12-01", "2027-01-01")
