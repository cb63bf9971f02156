"""Paper ballots with a stub code: printing (hashes only), the dépouillement of a voting point
(ballot by ballot and by file, all or nothing), and the reconciliation with the émargements."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts.models import User
from backend.budget.models import Edition
from backend.budget.voting import depouillement as dep
from backend.budget.voting import depouillement_file as dep_file
from backend.budget.voting import urn
from backend.budget.voting.context import build_context
from backend.budget.voting.models import Ballot, Depouillement, PaperBatch, PaperCode, Voter
from backend.budget.voting.paper import sign_register
from backend.budget.voting.secrecy import new_receipt, receipt_hash, slot_key
from backend.budget.voting.service import PaperInfo
from backend.errors import Conflict, DomainError, Invalid
from backend.ledger.service import entries_for
from tests.budget.helpers import ADMIN, CENTRE, CORO
from tests.budget.vote_helpers import ids, vote_edition, voter
from tests.conftest import TEST_SECRET

POINT = "Centre social Malpassé"


def papers(session: Session, edition: Edition, n: int = 3, point: str = POINT, qpv: str = CORO) -> list[str]:
    ctx = build_context(session, edition)
    envelope = ctx.envelopes[ctx.envelope_by_qpv[_qpv_id(session, qpv)]]
    return dep.print_papers(
        session, actor=ADMIN, edition=edition, envelope=envelope, point=point, count=n
    ).codes


def _qpv_id(session: Session, code: str) -> int:
    from backend.territory.models import Qpv

    found = session.exec(select(Qpv).where(Qpv.code == code)).one()
    assert found.id is not None
    return found.id


def emarge(session: Session, edition: Edition, user: User, point: str = POINT) -> None:
    """The register: the person signed in at the voting point (no ballot)."""
    sign_register(
        session,
        edition=edition,
        user=user,
        paper=PaperInfo(point, "Carte d'identité", "résidence déjà vérifiée", "agent-test"),
    )


def enter(
    session: Session, edition: Edition, code: str, *choices: str, kind: str = dep.VALID
) -> dep.PointTally:
    return dep.enter_ballot(
        session, actor=ADMIN, edition=edition, point=POINT, code=code, kind=kind, choices=" ".join(choices)
    )


def count(session: Session, model: type, edition_id: int) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(model).where(model.edition_id == edition_id)  # type: ignore[attr-defined]
        ).scalar()
        or 0
    )


def actions(session: Session, edition: Edition, action: str) -> list[dict[str, Any]]:
    return [
        json.loads(e.payload) for e in entries_for(session, "bp_edition", edition.slug) if e.action == action
    ]


def test_printing_keeps_only_the_hashes_of_the_codes(session: Session) -> None:
    edition, _projects = vote_edition(session)
    codes = papers(session, edition, 3)
    assert len(set(codes)) == 3 and all(len(c) == 14 and c.count("-") == 2 for c in codes)
    rows = session.exec(select(PaperCode).where(PaperCode.edition_id == edition.id)).all()
    assert sorted(r.code_hash for r in rows) == sorted(receipt_hash(c) for c in codes)
    assert {r.voting_point for r in rows} == {POINT} and not any(r.used for r in rows)
    assert len({r.print_batch for r in rows}) == 1
    printed = actions(session, edition, dep.PRINTED)
    assert printed == [{"voting_point": POINT, "envelope": CORO, "papers": 3, "batch": rows[0].print_batch}]
    with pytest.raises(Invalid, match="entre 1 et 500"):
        papers(session, edition, 501)


def test_only_printed_codes_count_each_once(session: Session) -> None:
    edition, projects = vote_edition(session)
    codes = papers(session, edition, 3)
    other = papers(session, edition, 1, point="Marché de la Plaine")[0]
    p0, p1 = ids(projects[CORO], 0, 1)
    with pytest.raises(Invalid, match="aucun bulletin imprimé"):
        enter(session, edition, new_receipt(), p0)
    with pytest.raises(Invalid, match="bonne forme"):
        enter(session, edition, "1234", p0)
    with pytest.raises(Invalid, match="imprimé pour le bureau « Marché de la Plaine »"):
        enter(session, edition, other, p0)
    now = enter(session, edition, codes[0].lower().replace("0", "o"), p0, p1)  # typed loosely
    assert (now.ballots, now.blank, now.spoiled) == (1, 0, 0)
    with pytest.raises(Conflict, match="déjà compté"):
        enter(session, edition, codes[0], p0)
    ballot = session.exec(select(Ballot).where(Ballot.edition_id == edition.id)).one()
    # The receipt is the stub's code; the slot is random, never derived from a person.
    assert ballot.receipt_hash == receipt_hash(codes[0]) and ballot.voting_point == POINT
    assert ballot.choices == f"{p0} {p1}" and ballot.slot is None and len(ballot.id) == 32
    assert ballot.slot != slot_key(TEST_SECRET, edition.id, 1)
    # A ballot breaking the rule is refused with a hint: count it as spoiled.
    with pytest.raises(DomainError, match="il est nul"):
        enter(session, edition, codes[1], *ids(projects[CORO], 0, 1, 2, 3))
    # Blank and spoiled are counted apart; a readable code is crossed out all the same.
    enter(session, edition, codes[1], kind=dep.SPOILED)
    now = enter(session, edition, "", kind=dep.BLANK)
    assert (now.ballots, now.blank, now.spoiled, now.counted) == (1, 1, 1, 3)
    with pytest.raises(Conflict, match="déjà compté"):
        enter(session, edition, codes[1], p0)
    assert count(session, Ballot, edition.id) == 1
    entered = actions(session, edition, dep.ENTERED)
    assert len(entered) == 3 and entered[-1] == {
        "voting_point": POINT,
        "ballots": 1,
        "blank": 1,
        "spoiled": 1,
    }
    assert all("code" not in e and "choices" not in e for e in entered)


def _csv(*lines: str, header: str = "code;choix") -> bytes:
    return "\n".join((header, *lines)).encode()


def test_a_file_with_identity_columns_is_refused(session: Session) -> None:
    edition, projects = vote_edition(session)
    code = papers(session, edition, 1)[0]
    p0 = ids(projects[CORO], 0)[0]
    for header in ("code;choix;nom", "identifiant;code;choix", "code;choix;numero_piece"):
        report = dep_file.import_count(
            session, actor=ADMIN, edition=edition, point=POINT, filename="d.csv", apply=True,
            raw=_csv(f"{code};{p0};Awa N.", header=header),
        )  # fmt: skip
        assert not report.applied and report.problem and "disent qui a voté" in report.problem, header
    report = dep_file.import_count(
        session, actor=ADMIN, edition=edition, point=POINT, filename="d.csv", apply=True,
        raw=_csv(f"{code};{p0};x", header="code;choix;remarque"),
    )  # fmt: skip
    assert report.problem and "Colonnes inconnues : remarque" in report.problem
    assert count(session, Ballot, edition.id) == 0
    assert not session.exec(select(PaperCode.used)).first()


def test_a_file_is_all_or_nothing_with_numbered_lines(session: Session) -> None:
    edition, projects = vote_edition(session)
    codes = papers(session, edition, 4)
    p0, p1 = ids(projects[CORO], 0, 1)
    lines = [
        f"{codes[0]};{p0} {p1}",
        f"{new_receipt()};{p0}",  # line 3: never printed
        f"{codes[0]};{p1}",  # line 4: the same code twice
        f"{codes[1]};Blanc",
        f"{codes[2]};{p0} 99999",  # line 6: not a project of the envelope
        ";nul",
    ]

    def run(raw: bytes, apply: bool = True) -> dep_file.CountReport:
        return dep_file.import_count(
            session, actor=ADMIN, edition=edition, point=POINT, filename="bureau.csv", raw=raw, apply=apply
        )

    report = run(_csv(*lines))
    assert not report.applied and [n for n, _why in report.refused] == [3, 4, 6]
    assert "déjà à la ligne 2" in report.refused[1][1]
    assert count(session, Ballot, edition.id) == 0
    assert not any(session.exec(select(PaperCode.used)).all())
    assert session.exec(select(PaperBatch)).first() is None
    sheet = session.exec(select(Depouillement)).first()
    assert sheet is None or (sheet.blank, sheet.spoiled) == (0, 0)
    assert not actions(session, edition, dep_file.IMPORTED)
    good = _csv(lines[0], lines[3], lines[5], f"{codes[3]};{p1}")
    checked = run(good, apply=False)
    assert not checked.applied and not checked.refused and checked.counted == 4
    assert count(session, Ballot, edition.id) == 0
    done = run(good)
    assert done.applied and (done.ballots, done.blank, done.spoiled) == (2, 1, 1)
    assert count(session, Ballot, edition.id) == 2
    tally = dep.tally(session, edition.id, POINT)[0]
    assert (tally.ballots, tally.blank, tally.spoiled) == (2, 1, 1)
    imported = actions(session, edition, dep_file.IMPORTED)
    assert len(imported) == 1 and imported[0]["sha256"] == done.sha256 and imported[0]["ballots"] == 2
    again = run(good)
    assert again.problem and "déjà été importé" in again.problem


@pytest.mark.parametrize(("ballots", "status"), [(2, "Conforme"), (3, "de plus"), (1, "de moins")])
def test_reconciliation_of_a_voting_point(session: Session, ballots: int, status: str) -> None:
    """Equal, more ballots than émargements, fewer: shown, and journaled with the explanation."""
    edition, projects = vote_edition(session)
    for person in (voter(session), voter(session)):
        emarge(session, edition, person)
    codes = papers(session, edition, 3)
    p0 = ids(projects[CORO], 0)[0]
    for code in codes[: ballots - 1]:
        enter(session, edition, code, p0)
    enter(session, edition, "", kind=dep.BLANK)  # a blank ballot counts as a ballot
    urn_point = dep.tally(session, edition.id)
    assert [(t.point, t.emargements, t.counted) for t in urn_point] == [(POINT, 2, ballots)]
    tally = urn_point[0]
    assert status in tally.status and tally.difference == ballots - 2
    explanation = "" if ballots == 2 else "Une personne est repartie avec son bulletin."
    if ballots != 2:
        with pytest.raises(Invalid, match="Expliquez-la"):
            dep.close_point(session, actor=ADMIN, edition=edition, point=POINT, explanation="  ")
        assert not actions(session, edition, dep.RECONCILED)
    closed = dep.close_point(session, actor=ADMIN, edition=edition, point=POINT, explanation=explanation)
    assert closed.closed and closed.explanation == (explanation or None)
    journaled = actions(session, edition, dep.RECONCILED)
    assert journaled == [
        {
            "voting_point": POINT,
            "emargements": 2,
            "ballots": ballots - 1,
            "blank": 1,
            "spoiled": 0,
            "counted": ballots,
            "difference": ballots - 2,
            "explanation": explanation,
        }
    ]
    entry = next(e for e in entries_for(session, "bp_edition", edition.slug) if e.action == dep.RECONCILED)
    assert entry.actor_id == ADMIN.id and status.lower() in entry.reason.lower()
    assert explanation in entry.reason
    # Once closed, nothing more enters this point: no ballot, no émargement, no second close.
    with pytest.raises(Conflict, match="est clos"):
        enter(session, edition, codes[2], p0)
    with pytest.raises(Conflict, match="est clos"):
        emarge(session, edition, voter(session))
    with pytest.raises(Conflict, match="est clos"):
        dep.close_point(session, actor=ADMIN, edition=edition, point=POINT, explanation="encore une fois")


def test_tablet_ballots_of_the_point_count_too(session: Session) -> None:
    """Ballots dropped through the urn at the point (the isoloir tablet) are counted by point."""
    edition, projects = vote_edition(session)
    person = voter(session)
    emarge(session, edition, person)
    ctx = build_context(session, edition)
    envelope = ctx.envelope_by_qpv[_qpv_id(session, CORO)]
    urn.drop(session, urn.row(
        edition_id=edition.id, envelope_id=envelope, choices=ids(projects[CORO], 0)[0],
        channel="isoloir", voting_point=POINT, receipt_hash=receipt_hash(new_receipt()),
    ))  # fmt: skip
    assert dep.tally(session, edition.id)[0].status == "Conforme"
    assert session.exec(select(Voter).where(Voter.user_id == person.id)).one().voting_point == POINT


def test_papers_of_an_envelope_out_of_reach_are_refused(session: Session) -> None:
    edition, projects = vote_edition(session)
    code = papers(session, edition, 1, qpv=CENTRE)[0]
    ctx = build_context(session, edition)
    coro = {ctx.envelope_by_qpv[_qpv_id(session, CORO)]}
    with pytest.raises(DomainError, match="dont vous n'avez pas la charge"):
        dep.enter_ballot(
            session, actor=ADMIN, edition=edition, point=POINT, code=code, kind=dep.VALID,
            choices=str(projects[CENTRE][0].id), envelopes=coro,
        )  # fmt: skip
    assert not session.exec(select(PaperCode.used)).first()
