from __future__ import annotations

import csv
import io
import sys
from collections import Counter

import pytest
from sqlmodel import Session, select

from backend.assembly import sortition
from backend.assembly.models import Draw, Invitation, MemberStatus, SaisineStatus, Volunteer
from backend.assembly.service import draws, recruitment
from backend.assembly.service.common import saisine_journal
from backend.errors import Conflict, Invalid, Unavailable
from backend.ledger.service import verify_ledger
from tests.assembly.helpers import (
    AGENT,
    QPV_BY_SECTEUR,
    drawn_saisine,
    make_pool,
    make_saisine,
    make_volunteer,
    seeded,
    set_bounds,
)


def _features(draw: Draw) -> dict[str, dict[str, str]]:
    _quotas, pool = draws.parsed_pool(draw)
    return {v.id: dict(v.features) for v in pool}


def test_seed_is_fixed_from_public_values_and_journaled_with_the_pool_hash_before_the_draw(
    session: Session,
) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None
    assert draw.seed == sortition.derive_seed(["17", "42"])
    assert draw.pool_file_sha256 == draws.sha256(draw.pool_csv)
    entries = saisine_journal(session, saisine.id or 0)
    actions = [e.action for e in entries]
    assert (
        actions.index("assembly.pool_frozen")
        < actions.index("assembly.seed_fixed")
        < actions.index("assembly.draw_done")
    )
    frozen = entries[actions.index("assembly.pool_frozen")]
    assert draw.pool_file_sha256 in frozen.payload and "seed" not in frozen.payload
    seed_entry = entries[actions.index("assembly.seed_fixed")]
    assert draw.pool_file_sha256 in seed_entry.payload and draw.seed in seed_entry.payload
    assert '"Témoin 1"' in seed_entry.payload
    assert verify_ledger(session).ok


def test_public_pool_file_is_pseudonymised(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    people = make_pool(session, saisine, {"femme": 4, "homme": 4})
    people[0].email = "secret@example.org"
    draw = draws.freeze_pool(session, AGENT, saisine)
    assert draw.seed is None and draws.rerun_command(saisine, draw) == ""
    rows = list(csv.DictReader(io.StringIO(draw.pool_csv)))
    assert list(rows[0]) == ["id", "household", "genre"]
    assert sorted(int(r["id"]) for r in rows) == list(range(1, 9))
    text = draw.pool_csv
    for volunteer in people:
        assert (
            volunteer.name not in text and volunteer.address not in text and str(volunteer.phone) not in text
        )
        assert volunteer.pool_id is not None
    assert "secret@" not in text
    assert draw.categories_csv.startswith("category,feature,min,max\ngenre,femme,3,3\n")


def test_recruitment_closes_and_letter_addresses_are_erased(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    recruitment.draw_invitations(session, AGENT, saisine, b"adresse\n1 rue A\n2 rue B\n", 2)
    make_pool(session, saisine, {"femme": 3, "homme": 3})
    with pytest.raises(Conflict, match="Figez d'abord"):
        draws.fix_seed(session, AGENT, saisine, [("a", "1"), ("b", "2")])
    draws.freeze_pool(session, AGENT, saisine)
    assert saisine.status == SaisineStatus.pool_frozen
    letters = session.exec(select(Invitation).where(Invitation.saisine_id == saisine.id)).all()
    assert len(letters) == 2 and all(i.address is None for i in letters)
    with pytest.raises(Conflict):
        make_volunteer(session, saisine)
    with pytest.raises(Conflict, match="déjà figée"):
        draws.freeze_pool(session, AGENT, saisine)
    with pytest.raises(Conflict, match="graine en public"):
        draws.run_draw(session, AGENT, saisine)
    draws.fix_seed(session, AGENT, saisine, [("a", "1"), ("b", "2")])
    with pytest.raises(Conflict, match="déjà fixée"):
        draws.fix_seed(session, AGENT, saisine, [("a", "3"), ("b", "4")])


def test_a_legacy_draw_without_its_optional_package_is_refused_in_french(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    make_pool(session, saisine, {"femme": 3, "homme": 3})
    draw = seeded(session, saisine)
    draw.algorithm = "legacy"
    monkeypatch.setitem(sys.modules, "sortition_algorithms", None)
    with pytest.raises(Unavailable, match="algorithme LEGACY, qui n'est pas installé"):
        draws.run_draw(session, AGENT, saisine)
    assert saisine.status == SaisineStatus.seed_fixed and draw.panel == [] and draw.drawn_at is None


def test_seed_needs_several_witnesses(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    make_pool(session, saisine, {"femme": 3, "homme": 3})
    draws.freeze_pool(session, AGENT, saisine)
    with pytest.raises(Invalid, match="au moins 2") as err:
        draws.fix_seed(session, AGENT, saisine, [("Témoin", "12"), ("", "")])
    assert err.value.field == "values"
    with pytest.raises(Invalid, match="n° 2"):
        draws.fix_seed(session, AGENT, saisine, [("A", "12"), ("B", " ")])


def test_infeasible_quotas_are_refused_naming_the_failing_quota(session: Session) -> None:
    saisine = make_saisine(session, categories=["genre", "age"])
    set_bounds(
        session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3), ("age", "16-18"): (2, 6)}
    )
    for gender in ("femme", "homme"):
        for _ in range(4):
            make_volunteer(session, saisine, answers={"genre": gender, "age": "30-44"})
    make_volunteer(session, saisine, answers={"genre": "femme", "age": "16-18"})
    with pytest.raises(Invalid) as err:
        draws.freeze_pool(session, AGENT, saisine)
    assert "Âge : 16 à 18 ans" in err.value.message
    assert "au moins 2" in err.value.message
    assert saisine.status == SaisineStatus.recruiting
    assert draws.get_draw(session, saisine) is None


def test_quotas_conflicting_between_categories_are_named(session: Session) -> None:
    saisine = make_saisine(session, categories=["genre", "age"])
    set_bounds(
        session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3), ("age", "16-18"): (4, 4)}
    )
    for _ in range(4):
        make_volunteer(session, saisine, answers={"genre": "femme", "age": "30-44"})
        make_volunteer(session, saisine, answers={"genre": "homme", "age": "30-44"})
    for _ in range(5):
        make_volunteer(session, saisine, answers={"genre": "femme", "age": "16-18"})
    with pytest.raises(Invalid, match="Quota «") as err:
        draws.freeze_pool(session, AGENT, saisine)
    assert err.value.extra["problems"], err.value.message


def test_too_few_volunteers_is_explained(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {})
    with pytest.raises(Invalid, match="Pas assez de volontaires : 0"):
        draws.freeze_pool(session, AGENT, saisine)
    make_pool(session, saisine, {"femme": 3, "homme": 2})
    with pytest.raises(Invalid, match="Pas assez de volontaires : 5 volontaires dans 5 foyers"):
        draws.freeze_pool(session, AGENT, saisine)


def test_the_panel_meets_the_quotas_and_reports_probabilities(session: Session) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None and saisine.status == SaisineStatus.drawn
    features = _features(draw)
    panel = [m.pool_id for m in draws.members(session, saisine)]
    assert sorted(panel) == sorted(draw.panel) and len(panel) == 6
    assert Counter(features[p]["genre"] for p in panel) == {"femme": 3, "homme": 3}
    assert set(draw.probabilities) == set(features)
    assert draw.minimum_probability == pytest.approx(min(draw.probabilities.values()))
    assert draw.probabilities[next(p for p, f in features.items() if f["genre"] == "homme")] == pytest.approx(
        0.6
    )
    assert draw.probabilities[next(p for p, f in features.items() if f["genre"] == "autre")] == pytest.approx(
        0
    )
    assert "LEXIMIN" in draw.probability_method
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.draw_done"
    assert all(f'"{pid}"' in entry.payload for pid in panel)
    names = [v.name for v in session.exec(select(Volunteer)).all()]
    assert not any(name in entry.payload for name in names)


def test_same_seed_and_pool_give_the_same_panel_from_the_public_files(session: Session) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None and draw.seed is not None
    quotas = sortition.parse_categories(draw.categories_csv)
    people = sortition.parse_people(draw.pool_csv, quotas)
    again = sortition.draw(quotas, people, saisine.panel_size, draw.seed)
    assert list(again.panel) == draw.panel
    assert again.pool_sha256 == draw.pool_sha256
    assert "--seed " + draw.seed in draws.rerun_command(saisine, draw)
    with pytest.raises(Conflict):
        draws.run_draw(session, AGENT, saisine)


def test_rerun_with_the_qp_draw_command(session: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Imported, not importorskip'd: a broken `qp draw` must fail this test, not skip it.
    from backend.assembly import draw_command

    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None and draw.seed is not None
    (tmp_path / "q.csv").write_text(draw.categories_csv)
    (tmp_path / "p.csv").write_text(draw.pool_csv)
    import contextlib
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = draw_command.draw_command(
            tmp_path / "q.csv", tmp_path / "p.csv", saisine.panel_size, draw.seed, "leximin"
        )
    assert code == 0
    assert sorted(json.loads(out.getvalue())["panel"]) == sorted(draw.panel)


def test_one_member_per_household(session: Session) -> None:
    saisine = make_saisine(session)
    set_bounds(session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3)})
    # Three couples and singles: at most one person of each couple may sit.
    for n in range(3):
        make_volunteer(session, saisine, answers={"genre": "femme"}, address=f"{n} place Couple")
        make_volunteer(session, saisine, answers={"genre": "homme"}, address=f"{n}, Place couple")
    make_pool(session, saisine, {"femme": 2, "homme": 2})
    seeded(session, saisine)
    draws.run_draw(session, AGENT, saisine)
    homes = [session.get(Volunteer, m.volunteer_id).household_key for m in draws.members(session, saisine)]  # type: ignore[union-attr]
    assert len(homes) == len(set(homes)) == 6


def test_replacement_keeps_the_quotas_and_is_journaled(session: Session) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None
    features = _features(draw)
    leaving = next(m for m in draws.members(session, saisine) if features[m.pool_id]["genre"] == "homme")
    outcome = draws.replace_member(session, AGENT, saisine, leaving)
    assert outcome.quotas_met and outcome.replacement is not None
    assert features[outcome.replacement.pool_id]["genre"] == "homme"
    assert leaving.status == MemberStatus.withdrawn and outcome.replacement.replaces_id == leaving.id
    panel = [m.pool_id for m in draws.members(session, saisine)]
    assert Counter(features[p]["genre"] for p in panel) == {"femme": 3, "homme": 3}
    assert outcome.replacement.pool_id not in draw.reserve
    entry = saisine_journal(session, saisine.id or 0)[-1]
    assert entry.action == "assembly.member_replaced"
    assert f'"replacement":"{outcome.replacement.pool_id}"' in entry.payload
    with pytest.raises(Conflict):
        draws.replace_member(session, AGENT, saisine, leaving)


def test_replacement_without_a_fitting_reserve_says_so(session: Session) -> None:
    saisine = drawn_saisine(session)
    draw = draws.get_draw(session, saisine)
    assert draw is not None
    features = _features(draw)
    men = [m for m in draws.members(session, saisine) if features[m.pool_id]["genre"] == "homme"]
    draws.replace_member(session, AGENT, saisine, men[0])
    draws.replace_member(session, AGENT, saisine, men[1])  # the 5 men are used up: 3 seated, 2 gone
    third = next(m for m in draws.members(session, saisine) if features[m.pool_id]["genre"] == "homme")
    outcome = draws.replace_member(session, AGENT, saisine, third)
    assert not outcome.quotas_met
    assert any("Genre : un homme" in line for line in outcome.problems)


def test_composition_compares_panel_pool_and_population(session: Session) -> None:
    saisine = drawn_saisine(session)
    comp = draws.composition(session, saisine)
    (genre,) = comp.categories
    femme = next(f for f in genre.features if f.key == "femme")
    assert (femme.pool, femme.panel, femme.min, femme.max) == (6, 3, 3, 3)
    assert femme.population_share == pytest.approx(0.52)
    assert comp.pool_size == 12 and comp.panel_size == 6


@pytest.mark.parametrize("witness", ["1", "2", "3", "4", "5"])
def test_quotas_are_always_met_whatever_the_seed(session: Session, witness: str) -> None:
    saisine = make_saisine(session, categories=["genre", "secteur"])
    set_bounds(
        session,
        saisine,
        {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3), ("genre", "autre"): (0, 0),
         ("secteur", "nord-est"): (2, 2), ("secteur", "centre"): (1, 2), ("secteur", "sud-huveaune"): (1, 2)},
    )  # fmt: skip
    for n, (gender, secteur) in enumerate(
        [(g, s) for g in ("femme", "homme") for s in ("nord-est", "centre", "sud-huveaune", "nord-littoral")]
        * 2
    ):
        make_volunteer(session, saisine, answers={"genre": gender}, qpv_code=QPV_BY_SECTEUR[secteur],
                       address=f"{n % 13} impasse du Test")  # fmt: skip
    seeded(session, saisine, (witness, "x"))
    draw = draws.run_draw(session, AGENT, saisine)
    quotas, pool = draws.parsed_pool(draw)
    assert sortition.quota_violations(draw.panel, quotas, pool) == []
    homes = {v.id: v.household for v in pool}
    assert len({homes[p] for p in draw.panel}) == len(draw.panel) == 6
