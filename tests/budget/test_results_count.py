"""Counting at close: the published files, their hashes in the journal, the count equal to
pabutools, the recount of the published file with `qp tally` equal to the result, no identity
in what is published, receipts found in the published file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from backend.budget.service import editions
from backend.budget.voting import results
from backend.budget.voting.models import EnvelopeResult, Publication
from backend.budget.voting.secrecy import fingerprint, receipt_hash
from backend.cli import app as cli
from backend.counting.model import Project
from backend.counting.pabulib import parse_pb
from backend.errors import Conflict
from backend.ledger.service import entries_for, verify_ledger
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO
from tests.budget.vote_helpers import ids, paper, vote, vote_edition, voter
from tests.counting.helpers import pabutools_greedy, pabutools_mes_add1


def close(session: Session, edition) -> list[EnvelopeResult]:  # type: ignore[no-untyped-def]
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    return results.results_of(session, edition)


def random_ballots(session: Session, edition, projects, n: int, seed: int) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """n voters of Malpassé Corot with random approval ballots; returns their positions."""
    rng = random.Random(seed)
    coro = projects[CORO]
    chosen_positions = []
    for _ in range(n):
        k = rng.randint(1, 3)
        positions = sorted(rng.sample(range(len(coro)), k))
        vote(session, edition, voter(session), *ids(coro, *positions))
        chosen_positions.append(positions)
    return chosen_positions


def test_close_publishes_counts_and_journals_the_hashes(session: Session) -> None:
    edition, projects = vote_edition(session)
    coro = projects[CORO]
    receipts = [vote(session, edition, voter(session), *ids(coro, 0, 1)) for _ in range(3)]
    paper(session, edition, voter(session), *ids(coro, 2))
    vote(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 1))
    found = {r.envelope_id: r for r in close(session, edition)}
    assert len(found) == 2
    corot = next(r for r in found.values() if r.file_name.endswith(f"_{CORO}.pb"))
    assert corot.voters == 4 and corot.scores[str(coro[0].id)] == {"votes": 3}
    # By votes; 3 votes each: the cheaper first. The last one has no vote but fits (pabulib's greedy).
    assert corot.selected == list(ids(coro, 1, 0, 2, 3))
    assert corot.spent == 100_000 and corot.amount == 100_000
    assert corot.population and corot.population > 1000

    pubs = {p.name: p for p in results.publications(session, edition)}
    assert set(pubs) == {
        f"{edition.slug}_{CORO}.pb",
        f"{edition.slug}_{CENTRE}.pb",
        f"{edition.slug}_bulletins.csv",
    }
    for pub in pubs.values():
        assert pub.sha256 == hashlib.sha256(pub.content.encode()).hexdigest()
    entries = entries_for(session, "bp_edition", edition.slug)
    published = next(e for e in entries if e.action == "bp.ballots_published")
    assert json.loads(published.payload)["files"] == {name: p.sha256 for name, p in pubs.items()}
    counted = [e for e in entries if e.action == "bp.envelope_counted"]
    assert {json.loads(e.payload)["sha256"] for e in counted} == {
        corot.file_sha256,
        found[projects[CENTRE][0].envelope_id or 0].file_sha256,
    }
    assert "SHA-256" in published.reason and verify_ledger(session).ok

    # A receipt leads to its ballot in the published file.
    check = results.check_published_receipt(session, edition, receipt_hash(receipts[0].receipt))
    assert check.found and check.envelope == CORO and check.choices == " ".join(ids(coro, 0, 1))
    assert not results.check_published_receipt(session, edition, "0" * 64).found


def test_published_files_carry_no_identity(session: Session) -> None:
    edition, projects = vote_edition(session)
    people = [voter(session, display_name=f"Habitante Unique {i}") for i in range(3)]
    for person in people:
        vote(session, edition, person, *ids(projects[CORO], 0))
    paper(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 0), point="Bureau Secret")
    close(session, edition)
    text = "\n".join(p.content for p in results.publications(session, edition))
    for person in people:
        for value in (person.email, person.display_name, person.public_id):
            assert value and value not in text
    assert "Bureau Secret" not in text and "Carte d'identité" not in text
    rows = list(
        csv.DictReader(
            io.StringIO(
                next(p.content for p in results.publications(session, edition) if p.name.endswith(".csv"))
            ),
            delimiter=";",
        )
    )
    assert list(rows[0]) == ["enveloppe", "empreinte_recu", "choix", "recu_sha256"]
    assert [r["empreinte_recu"] for r in rows if r["enveloppe"] == CORO] == sorted(
        r["empreinte_recu"] for r in rows if r["enveloppe"] == CORO
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_greedy_count_equals_pabutools(session: Session, seed: int) -> None:
    edition, projects = vote_edition(session, ballot_max=3)
    ballots = random_ballots(session, edition, projects, 25, seed)
    vote(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 0))
    result = next(r for r in close(session, edition) if r.file_name.endswith(f"_{CORO}.pb"))
    coro = projects[CORO]
    ours = [Project(str(p.id), Decimal(p.services_cost)) for p in coro]  # type: ignore[arg-type]
    assert set(result.selected) == pabutools_greedy(ours, Decimal(100_000), ballots)


@pytest.mark.parametrize("seed", [4, 5])
def test_equal_shares_count_equals_pabutools(session: Session, seed: int) -> None:
    # Small amounts: pabutools' Add1 raises every share by 1 € per run, in exact fractions.
    small = {CORO: (40, 30, 20, 10), CENTRE: (50, 25)}
    edition, projects = vote_edition(session, small, counting_rule="equalshares/add1", ballot_max=3)
    for envelope in editions.envelopes(session, edition):
        envelope.amount = 70
        session.add(envelope)
    session.flush()
    ballots = random_ballots(session, edition, projects, 20, seed)
    vote(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 0))
    result = next(r for r in close(session, edition) if r.file_name.endswith(f"_{CORO}.pb"))
    ours = [Project(str(p.id), Decimal(p.services_cost)) for p in projects[CORO]]  # type: ignore[arg-type]
    assert set(result.selected) == pabutools_mes_add1(ours, Decimal(70), ballots)


def test_majority_judgment_count(session: Session) -> None:
    edition, projects = vote_edition(
        session, ballot_rule="majority_judgment", counting_rule="majority-judgment", ballot_max=None
    )
    coro = [str(p.id) for p in projects[CORO]]  # costs 40 000, 30 000, 20 000, 10 000
    table = [(3, 0, 2, 1), (3, 1, 2, 0), (2, 0, 3, 1), (1, 3, 3, 0), (3, 2, 0, 1)]
    for grades in table:
        vote(session, edition, voter(session), grades=dict(zip(coro, grades, strict=True)))
    centre = [str(p.id) for p in projects[CENTRE]]
    vote(session, edition, voter(session, CENTRE), grades={centre[0]: 2, centre[1]: 2})
    result = next(r for r in close(session, edition) if r.file_name.endswith(f"_{CORO}.pb"))
    # Medians: p0 Très bien (3), p2 Bien (2), p1 Passable, p3 Passable: p0 + p2 = 60 000, then p1 (30 000) fits.
    assert result.selected[:2] == [coro[0], coro[2]]
    assert result.scores[coro[0]] == {"grades": [0, 1, 1, 3], "majority": 3}
    instance = parse_pb(results.publication(session, edition, result.file_name).content)
    assert instance.meta["vote_type"] == "scoring" and instance.meta["rule"] == "majority-judgment"


def test_recount_of_the_published_file_with_qp_tally(session: Session, tmp_path: Path) -> None:
    edition, projects = vote_edition(session, counting_rule="equalshares/add1")
    random_ballots(session, edition, projects, 30, 7)
    vote(session, edition, voter(session, CENTRE), *ids(projects[CENTRE], 0, 1))
    found = close(session, edition)
    files = results.export_pb(session, edition.slug)
    runner = CliRunner()
    for result in found:
        path = tmp_path / result.file_name
        path.write_bytes(files[result.file_name].encode())
        assert hashlib.sha256(path.read_bytes()).hexdigest() == result.file_sha256
        out = runner.invoke(cli, ["tally", str(path)])
        assert out.exit_code == 0, out.output
        recount = json.loads(out.output)
        assert recount["rule"] == "equalshares/add1"
        assert recount["selected"] == result.selected and recount["spent"] == result.spent


def test_results_are_counted_once_and_need_matching_ballots(session: Session) -> None:
    edition, projects = vote_edition(session)
    vote(session, edition, voter(session), *ids(projects[CORO], 0))
    close(session, edition)
    with pytest.raises(Conflict, match="déjà publiés"):
        results.close_vote(session, ADMIN, edition)
    assert len(session.exec(select(Publication).where(Publication.edition_id == edition.id)).all()) == 3


def test_export_refuses_an_open_vote(session: Session) -> None:
    edition, _projects = vote_edition(session)
    with pytest.raises(Conflict, match="n'est pas clos"):
        results.export_pb(session, edition.slug)


def test_fingerprint_is_the_start_of_the_receipt_hash() -> None:
    digest = receipt_hash("7k3m q9xd 2hra")
    assert digest == receipt_hash("7K3M-Q9XD-2HRA") and fingerprint(digest) == digest[:16]
