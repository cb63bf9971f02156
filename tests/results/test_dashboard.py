"""Every figure of the COPIL dashboard on the known small dataset of `helpers`."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, delete, select

from backend.budget.voting.models import Voter
from backend.results import counters
from backend.results.bands import band_of
from backend.results.dashboard import Filters, build
from backend.results.models import VoterMark, VoterStat
from tests.budget.helpers import CENTRE, CORO
from tests.budget.vote_helpers import vote, voter
from tests.results.helpers import OUTSIDE, YEAR, counted_edition, dataset, qpv_id


def scope(session: Session, *codes: str) -> set[int]:
    return {qpv_id(session, c) for c in codes}


def test_every_figure_of_the_edition(session: Session) -> None:
    data = dataset(session)
    d = build(session, scope(session, CORO, CENTRE, OUTSIDE), Filters(edition=data.edition.slug))
    assert d.edition is not None and d.edition.id == data.edition.id
    # Only the edition's QPV are in scope (Frais Vallon is not in it).
    assert [line.qpv.code for line in d.lines] == [CENTRE, CORO]  # by name: Centre Ville…, Malpassé…
    assert d.population == 52539 + 9250
    assert (d.voters, d.voters_unknown_qpv) == (5, 0)
    assert d.channels == {"online": 4, "paper": 1}
    corot = next(line for line in d.lines if line.qpv.code == CORO)
    centre = next(line for line in d.lines if line.qpv.code == CENTRE)
    assert (corot.voters, corot.proposals, corot.eligible, corot.winners) == (3, 4, 4, 4)
    assert (centre.voters, centre.proposals, centre.eligible, centre.winners) == (2, 2, 2, 2)
    assert corot.rate == 3 / 9250
    assert d.rate == 5 / (52539 + 9250)
    assert (d.proposals, d.eligible, d.winners) == (6, 6, 6)
    # Results and money: two envelopes of 100 000 €.
    assert {e.envelope.scope_code: (e.voters, e.population) for e in d.envelopes} == {
        CORO: (3, 9250),
        CENTRE: (2, 52539),
    }
    assert d.bp_amount == 200_000
    assert d.bp_decided == sum(r.spent for r in data.results.values()) == 175_000
    # FPH: one grant of 500 €, one refusal, a fund of 10 000 €.
    assert (d.fph.applications, d.fph.granted, d.fph.refused) == (2, 1, 1)
    assert (d.fph.granted_cents, d.fph.envelope_cents) == (50_000, 1_000_000)
    assert corot.fph.granted_cents == 50_000 and centre.fph.applications == 0
    # Assembly: counted for the QPV in scope only.
    (s,) = [s for s in d.saisines if s.saisine.id == data.saisine.id]
    assert (s.volunteers, s.members, s.adopted, s.rejected) == (3, 2, 2, 1)
    assert (s.answers, s.unanswered, s.follow_ups) == ({"adopted": 1}, 1, 1)
    # Who participates.
    ages = {g.key: g for g in d.ages}
    voters = {r.key: r.count for r in ages["votants"].rows}
    assert voters == {"16-18": 1, "19-29": 0, "30-44": 1, "45-59": 0, "60-74": 1, "75+": 1, "inconnu": 1}
    share = {r.key: r.share for r in ages["votants"].rows}
    assert share["16-18"] == 1 / 4  # four voters aged 16+ with a known age
    gap = {r.key: r.gap for r in ages["votants"].rows}
    assert gap["19-29"] == pytest.approx(0 - 0.19, abs=1e-9)
    default = band_of(1990, YEAR)  # test people are born in 1990 unless told otherwise
    assert {r.key: r.count for r in ages["auteurs"].rows if r.count} == {default: 6}
    assert {r.key: r.count for r in ages["fph"].rows if r.count} == {
        default: 4
    }  # two holders per application
    members = {r.key: r.count for r in ages["assemblee"].rows if r.count}
    assert members == {"19-29": 1, "45-59": 1}  # one from the account, one declared at registration
    genders = {g.key: (g.volunteers, g.members, g.reference) for g in d.genders}
    assert genders == {"femme": (2, 1, 0.52), "homme": (1, 1, 0.46)}
    # Charts follow the tables.
    assert set(d.charts) >= {"participation", "territoire", "argent", "genre"}
    assert [r.label for r in d.charts["argent"].rows] == [e.envelope.label for e in d.envelopes]


def test_filters_by_secteur_and_qpv(session: Session) -> None:
    data = dataset(session)
    covered = scope(session, CORO, CENTRE)
    one = build(session, covered, Filters(edition=data.edition.slug, quartier=CORO))
    assert [line.qpv.code for line in one.lines] == [CORO]
    assert (one.population, one.voters, one.proposals, one.winners) == (9250, 3, 4, 4)
    assert [e.envelope.scope_code for e in one.envelopes] == [CORO]
    assert one.bp_decided == data.results[CORO].spent
    assert (one.fph.granted, one.fph.refused) == (1, 1)
    centre = build(session, covered, Filters(edition=data.edition.slug, secteur="centre"))
    assert [line.qpv.code for line in centre.lines] == [CENTRE]
    assert (centre.voters, centre.fph.applications) == (2, 0)
    assert {s.saisine.id: s.volunteers for s in centre.saisines}[data.saisine.id] == 0


def test_a_copil_member_sees_only_the_qpv_of_their_grants(session: Session) -> None:
    data = dataset(session)
    d = build(session, scope(session, CENTRE), Filters(edition=data.edition.slug))
    assert [line.qpv.code for line in d.lines] == [CENTRE]
    assert (d.voters, d.fph.applications, d.winners) == (2, 0, 2)
    # The choices offered are the covered QPV too.
    assert [q.code for q in d.qpvs] == [CENTRE]
    assert build(session, set(), Filters(edition=data.edition.slug)).voters == 0


def test_counters_follow_new_voters_and_rebuild_after_a_deletion(session: Session) -> None:
    edition, projects, _people = counted_edition(session)
    assert edition.id is not None
    mark = counters.refresh(session, edition.id)  # first use: built from scratch
    assert mark.voters == 5 == sum(counters.live_counts(session, edition.id).values())
    late = voter(session, CORO, birth_year=YEAR - 50)
    vote(session, edition, late, str(projects[CORO][3].id))
    mark = counters.refresh(session, edition.id)
    assert mark.voters == 6
    by_band: dict[tuple[str, str], int] = {}
    for _e, code, band, _c, n in counters.rows(session, edition.id):
        by_band[(code, band)] = by_band.get((code, band), 0) + n
    assert by_band[(CORO, "45-59")] == 1 and by_band[(CORO, "30-44")] == 1
    # A refresh with nothing new changes nothing.
    assert counters.refresh(session, edition.id).voters == 6
    # A voter row removed: the counters disagree with the live count.
    session.exec(delete(Voter).where(col(Voter.user_id) == late.id))
    live = sum(counters.live_counts(session, edition.id).values())
    assert counters.needs_rebuild(mark, live, vote_open=False) == "now"
    assert counters.needs_rebuild(mark, live, vote_open=True) is None  # rebuilt a moment ago
    assert counters.rebuild(session, edition.id).voters == 5
    assert session.exec(select(VoterMark).where(VoterMark.edition_id == edition.id)).one().voters == 5


def test_the_dashboard_rebuilds_counters_that_disagree_with_the_published_count(session: Session) -> None:
    data = dataset(session)
    edition_id = data.edition.id or 0
    covered = scope(session, CORO, CENTRE)
    assert build(session, covered, Filters(edition=data.edition.slug)).voters == 5
    # A voter missed by the counters (a ballot committed late, below the watermark).
    stat = session.exec(
        select(VoterStat).where(VoterStat.edition_id == edition_id, VoterStat.channel == "paper")
    ).one()
    session.delete(stat)
    mark = session.get(VoterMark, edition_id)
    assert mark is not None
    mark.voters -= 1
    session.add(mark)
    session.flush()
    d = build(session, covered, Filters(edition=data.edition.slug))
    assert d.voters == 5 and d.channels["paper"] == 1 and d.rebuild_edition is None


def test_during_the_vote_a_stale_rebuild_runs_in_the_background(session: Session) -> None:
    edition, _projects, _people = counted_edition(session)
    edition_id = edition.id or 0
    covered = scope(session, CORO, CENTRE)
    assert build(session, covered, Filters(edition=edition.slug)).rebuild_edition is None
    mark = session.get(VoterMark, edition_id)
    assert mark is not None
    mark.rebuilt_at = mark.rebuilt_at - counters.REBUILD_EVERY
    session.add(mark)
    session.flush()
    assert build(session, covered, Filters(edition=edition.slug)).rebuild_edition == edition_id
