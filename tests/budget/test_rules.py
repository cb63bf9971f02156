"""Pure rules: phase machine, pre-checks, eligibility decisions, form validation, map picker."""

from __future__ import annotations

from shapely.geometry import Polygon

from backend.budget import mapgrid, phases
from backend.budget.models import PhaseKey, ProposalStatus
from backend.budget.phases import Act, EditionFacts
from backend.budget.rules import Answer, ProposalInput, check_decision, prechecks, validate_for_submission

FACTS = EditionFacts(envelopes=2, themes=3, criteria=2)
CHECKLIST = [{"key": "a", "label": "Critère A"}, {"key": "b", "label": "Critère B"}]


def test_each_phase_declares_who_does_what() -> None:
    assert phases.allows(PhaseKey.depot, Act.submit, "resident")
    assert not phases.allows(PhaseKey.instruction, Act.submit, "resident")
    assert phases.allows(PhaseKey.instruction, Act.revise, "resident")
    assert phases.allows(PhaseKey.instruction, Act.instruct, "agent")
    assert not phases.allows(PhaseKey.depot, Act.instruct, "agent")
    assert not phases.allows(PhaseKey.instruction, Act.moderate, "agent")
    assert phases.allows(PhaseKey.vote, Act.vote, "resident")
    assert not phases.allows(PhaseKey.vote, Act.configure, "admin")
    assert phases.ORDER == ["preparation", "depot", "instruction", "vote", "resultats", "realisation"]


def test_phases_move_forward_one_at_a_time() -> None:
    assert phases.transition_problems("depot", "instruction", FACTS) == []
    assert "dans l'ordre" in phases.transition_problems("depot", "vote", FACTS)[0]
    assert phases.transition_problems("depot", "depot", FACTS)


def test_depot_needs_envelopes_themes_and_criteria() -> None:
    problems = phases.transition_problems(
        "preparation", "depot", EditionFacts(envelopes=0, themes=0, criteria=0)
    )
    assert len(problems) == 3


def test_vote_needs_eligible_projects_in_every_envelope_and_instruction_done() -> None:
    facts = EditionFacts(
        envelopes=2, themes=1, criteria=1, envelopes_without_projects=("Centre",), awaiting_instruction=2
    )
    problems = phases.transition_problems("instruction", "vote", facts)
    assert any("Centre" in p for p in problems)
    assert any("attendent encore" in p for p in problems)


def test_no_going_back_once_ballots_exist() -> None:
    assert phases.transition_problems("vote", "instruction", FACTS) == []
    with_ballots = EditionFacts(envelopes=2, themes=1, criteria=1, ballots=1)
    assert "ne peut plus revenir" in phases.transition_problems("vote", "instruction", with_ballots)[0]


def test_prechecks_cost_cap_territory_and_operating_share() -> None:
    found = prechecks(cost=200_000, operating_cost=20_000, cost_cap=150_000, operating_share_max=0.05,
                      qpv_in_territory=False, location_in_territory=None)  # fmt: skip
    assert [p.code for p in found] == ["cost_above_cap", "outside_territory", "operating_share"]
    assert prechecks(cost=1000, operating_cost=10, cost_cap=150_000, operating_share_max=0.05,
                     qpv_in_territory=True, location_in_territory=False)[0].code == "location_outside"  # fmt: skip
    assert prechecks(cost=1000, operating_cost=None, cost_cap=1000, operating_share_max=0.05,
                     qpv_in_territory=True, location_in_territory=True) == []  # fmt: skip


def test_decision_rules() -> None:
    yes = {"a": Answer(True, "ok ok"), "b": Answer(True, "ok ok")}
    one_no = {"a": Answer(True, "ok ok"), "b": Answer(False, "Terrain privé")}
    assert check_decision(CHECKLIST, yes, ProposalStatus.eligible, 1000, "", 5000) == []
    assert check_decision(CHECKLIST, one_no, ProposalStatus.ineligible, None, "", 5000) == []
    assert check_decision(CHECKLIST, one_no, ProposalStatus.eligible, 1000, "", 5000)[0].field == "decision"
    assert check_decision(CHECKLIST, yes, ProposalStatus.ineligible, None, "", 5000)[0].field == "decision"
    assert check_decision(CHECKLIST, yes, ProposalStatus.eligible, None, "", 5000)[0].field == "services_cost"
    assert check_decision(CHECKLIST, yes, ProposalStatus.eligible, 9000, "", 5000)[0].field == "services_cost"
    assert (
        check_decision(CHECKLIST, one_no, ProposalStatus.eligible_after_changes, 1000, "", 5000)[0].field
        == "changes"
    )
    missing = check_decision(CHECKLIST, {"a": Answer(None, ""), "b": Answer(True, "")}, "", None, "", 5000)
    assert [e.field for e in missing] == ["c-a", "r-b", "decision"]


def test_submission_validation_lists_every_problem() -> None:
    bad = ProposalInput("court", "trop court", "?", "QN0", "", "douze", "")
    fields = [e.field for e in validate_for_submission(bad, ["sport"], ["QN01342I"])]
    assert fields == ["title", "description", "qpv_code", "theme", "estimated_cost"]
    ok = ProposalInput("Un titre assez long", "x" * 40, "sport", "QN01342I", "", "12 500 €", "500")
    assert validate_for_submission(ok, ["sport"], ["QN01342I"]) == []
    more = ProposalInput("Un titre assez long", "x" * 40, "sport", "QN01342I", "", "100", "500")
    assert validate_for_submission(more, ["sport"], ["QN01342I"])[0].field == "operating_cost"


def test_map_picker_round_trip() -> None:
    square = Polygon([(5.40, 43.33), (5.42, 43.33), (5.42, 43.35), (5.40, 43.35)])
    picker = mapgrid.picker(square)
    assert len(picker.cells) == 100 and sum(c.active for c in picker.cells) >= 64
    lat, lon = mapgrid.point_from_cell(square, "4-5")  # type: ignore[misc]
    assert square.contains(__import__("shapely").geometry.Point(lon, lat))
    assert mapgrid.cell_value(square, lat, lon) == "4-5"
    assert mapgrid.point_from_cell(square, "x") is None
    assert mapgrid.point_from_cell(square, "10-0") is None
