"""The pabulib reader and writer, on the ten real files and on malformed ones."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from backend.counting.ballots import ApprovalRule, BallotProject, validate_approval
from backend.counting.pabulib import PbInstance, PbProject, PbVote, parse_pb, read_pb, write_pb
from backend.counting.pabulib_sections import PbFormatError
from backend.counting.profile import BallotKind, project_scores
from tests.counting.helpers import DATA, FILES

GOOD = """META
key;value
description;test
budget;100
vote_type;approval
rule;greedy
num_projects;3
num_votes;2
PROJECTS
project_id;cost;name
a;60;"Jardin; partagé"
b;50;"Le ""grand"" banc"
c;10;Fresque
VOTES
voter_id;vote;age
1;a,b;34
2;c;
"""


def test_every_file_is_read_with_its_declared_counts() -> None:
    assert len(FILES) == 10
    for name in FILES:
        instance = read_pb(DATA / name)
        assert len(instance.projects) == int(instance.meta["num_projects"]), name
        assert instance.ballots.n_voters == int(instance.meta["num_votes"]), name
        assert instance.kind == BallotKind(instance.meta["vote_type"])


@pytest.mark.parametrize("name", FILES)
def test_computed_votes_and_scores_match_the_projects_columns(name: str) -> None:
    # The PROJECTS section states each project's votes (and score); recounting them from VOTES
    # checks the reader and the ordinal/cumulative scoring at once (Kraków: 3-2-1 points).
    instance = read_pb(DATA / name)
    n = len(instance.projects)
    counts = np.bincount(instance.ballots.indices, minlength=n)
    scores = project_scores(instance.kind, instance.ballots, n)
    for i, project in enumerate(instance.projects):
        if "votes" in project.fields:
            assert counts[i] == int(project.fields["votes"]), (name, project.id)
        if "score" in project.fields:
            assert scores[i] == float(project.fields["score"]), (name, project.id)


@pytest.mark.parametrize("name", FILES)
def test_ballots_respect_the_files_length_limits(name: str) -> None:
    # pabulib's min_length/max_length read as our ApprovalRule: every real ballot passes it.
    instance = read_pb(DATA / name)
    rule = instance.approval_rule()
    projects = [BallotProject(p.id, p.fields.get("name", p.id), p.cost) for p in instance.projects]
    assert all(validate_approval(vote.vote, projects, rule) == [] for vote in instance.votes())


def test_length_limits_from_meta() -> None:
    assert parse_pb(GOOD).approval_rule() == ApprovalRule(1, None)
    limited = parse_pb(GOOD.replace("rule;greedy", "rule;greedy\nmin_length;2\nmax_length;3"))
    assert limited.approval_rule() == ApprovalRule(2, 3)
    assert validate_approval(["c"], [BallotProject("c", "Fresque")], limited.approval_rule())


def test_quoted_fields_bom_and_crlf() -> None:
    instance = parse_pb("\ufeff" + GOOD.replace("\n", "\r\n"))
    assert [p.id for p in instance.projects] == ["a", "b", "c"]
    assert instance.projects[0].fields["name"] == "Jardin; partagé"
    assert instance.projects[1].fields["name"] == 'Le "grand" banc'
    assert instance.budget == Decimal(100)
    assert [v.vote for v in instance.votes()] == [("a", "b"), ("c",)]
    assert instance.vote_fields == {"age": ("34", "")}


def test_quoted_name_in_a_real_file() -> None:
    lodz = read_pb(DATA / "Poland_Lodz_2020_Dolina_Lodki.pb")
    assert 'Radę Osiedla "Dolina Łódki"' in lodz.projects[0].fields["name"]


@pytest.mark.parametrize("name", FILES)
def test_write_then_read_gives_the_same_instance(name: str, tmp_path: Path) -> None:
    original = read_pb(DATA / name)
    text = write_pb(original, tmp_path / name)
    again = read_pb(tmp_path / name)
    assert again.meta == original.meta
    assert again.projects == original.projects
    assert again.voter_ids == original.voter_ids
    assert list(again.votes()) == list(original.votes())
    assert text == write_pb(again)


def test_platform_export_from_rows() -> None:
    meta = {"description": "BP Marseille 2025, Nord Littoral", "country": "France", "unit": "Marseille"}
    meta |= {"instance": "2025", "budget": "500000", "vote_type": "cumulative", "rule": "greedy"}
    projects = [PbProject("12", Decimal("150000"), {"name": "City stade"}), PbProject("15", Decimal("90000"))]
    votes = [
        PbVote("v1", ("12", "15"), (2.0, 1.0)),
        PbVote("v2", ("15",), (3.0,), {"voting_method": "paper"}),
    ]
    instance = PbInstance.from_votes(meta, projects, votes)
    assert instance.meta["num_votes"] == "2" and instance.meta["num_projects"] == "2"
    assert instance.kind is BallotKind.CUMULATIVE
    assert list(instance.votes())[1] == PbVote("v2", ("15",), (3.0,), {"voting_method": "paper"})
    assert project_scores(instance.kind, instance.ballots, 2).tolist() == [2.0, 4.0]
    assert "v1;12,15;2,1;\n" in write_pb(instance)


def test_selected_column() -> None:
    assert read_pb(DATA / "Poland_Wroclaw_2018_Rejon_nr_2_250.pb").selected() == ["22", "239", "27"]
    toulouse = "France_Toulouse_2022_17_-_Mirail-Universite_Reynerie_Bellefontaine.pb"
    assert read_pb(DATA / toulouse).selected() is None


def _broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


# Most malformed files are GOOD with one piece replaced: (piece, replacement, message).
BROKEN = [
    ("META\n", "", "line 1: the file must start with a META section"),
    ("PROJECTS\n", "VOTES\n", "line 9: section VOTES is repeated or out of order"),
    ("key;value", "key;val", "line 2: the META header must be 'key;value'"),
    ("budget;100\n", "", "META lacks 'budget'"),
    ("budget;100", "budget;cent", "META budget must be a number, got 'cent'"),
    ("budget;100", "budget;0", "META budget must be positive, got 0"),
    ("vote_type;approval", "vote_type;plurality", "unknown vote_type 'plurality'"),
    ("rule;greedy", "rule;greedy;extra", "line 6: a META line needs 2 fields (key;value), found 3"),
    ("description;test\n", "description;test\nbudget;5\n", "line 5: META key 'budget' is given twice"),
    ("project_id;cost;name", "project_id;price;name", "line 10: PROJECTS header lacks the 'cost' column"),
    ("c;10;Fresque", "a;10;Fresque", "line 13: project 'a' is listed twice"),
    ("c;10;Fresque", "c;0;Fresque", "line 13: the cost of project 'c' must be positive, got 0"),
    ("c;10;Fresque", "c;dix;Fresque", "line 13: the cost of project 'c' must be a number, got 'dix'"),
    ("c;10;Fresque", "c;10", "line 13: a PROJECTS row has 2 fields, the header 3"),
    ("voter_id;vote;age", "voter;vote;age", "line 15: VOTES header lacks the 'voter_id' column"),
    ("2;c;", "1;c;", "line 17: voter '1' appears twice"),
    ("2;c;", "2;z;", "line 17: voter '2' votes for project 'z', absent from PROJECTS"),
    ("1;a,b;34", "1;a,b,a;34", "line 16: voter '1' names the same project twice"),
    ("2;c;", "2;c", "line 17: a VOTES row has 2 fields, the header 3"),
    ("num_votes;2", "num_votes;3", "META num_votes is 3 but the VOTES section has 2 rows"),
    ("num_projects;3", "num_projects;4", "META num_projects is 4 but the PROJECTS section has 3 rows"),
    (
        'a;60;"Jardin; partagé"',
        'a;60;"Jardin; partagé',
        "line 11: a quoted field runs over several lines (unbalanced double quote?)",
    ),
]
MALFORMED = [
    ("", "the META section is missing"),
    (GOOD.split("VOTES")[0], "the VOTES section is missing"),
    *((_broken(old, new), message) for old, new, message in BROKEN),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_files_are_refused_with_a_precise_message(text: str, message: str) -> None:
    with pytest.raises(PbFormatError) as caught:
        parse_pb(text)
    assert message in str(caught.value)


def test_points_are_checked_for_cumulative_ballots() -> None:
    cumulative = GOOD.replace("vote_type;approval", "vote_type;cumulative")
    with pytest.raises(PbFormatError, match="VOTES header lacks the 'points' column"):
        parse_pb(cumulative)
    with_points = cumulative.replace("voter_id;vote;age", "voter_id;vote;points;age")
    with pytest.raises(PbFormatError, match="line 16: voter '1' has 2 projects but 1 points"):
        parse_pb(with_points.replace("1;a,b;34", "1;a,b;5;34").replace("2;c;", "2;c;1;"))
    with pytest.raises(PbFormatError, match="voter '1' gives negative points"):
        parse_pb(with_points.replace("1;a,b;34", "1;a,b;5,-1;34").replace("2;c;", "2;c;1;"))
    good = parse_pb(with_points.replace("1;a,b;34", "1;a,b;5,2;34").replace("2;c;", "2;c;1;"))
    assert project_scores(good.kind, good.ballots, 3).tolist() == [5.0, 2.0, 1.0]


def test_choose_one_needs_exactly_one_project() -> None:
    text = GOOD.replace("vote_type;approval", "vote_type;choose-1")
    with pytest.raises(PbFormatError, match="line 16: voter '1' chooses 2 projects in a choose-1 vote"):
        parse_pb(text)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pb"
    path.write_bytes(GOOD.replace("partagé", "partag\xe9").encode("latin-1"))
    with pytest.raises(PbFormatError, match="not UTF-8"):
        read_pb(path)


def test_lenient_read_counts_a_repeated_project_once() -> None:
    text = _broken("1;a,b;34", "1;a,b,a;34")
    instance = parse_pb(text, strict=False)
    assert [v.vote for v in instance.votes()] == [("a", "b"), ("c",)]
    assert [(r.line, r.voter_id, r.project_id) for r in instance.repeats] == [(16, "1", "a")]
    assert parse_pb(GOOD, strict=False).repeats == ()


def test_lenient_read_keeps_points_only_when_repetitions_agree() -> None:
    scoring = (
        GOOD.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote;age", "voter_id;vote;points;age")
        .replace("2;c;", "2;c;1;")
    )
    same = parse_pb(scoring.replace("1;a,b;34", "1;a,b,a;5,2,5;34"), strict=False)
    assert project_scores(same.kind, same.ballots, 3).tolist() == [5.0, 2.0, 1.0]
    with pytest.raises(
        PbFormatError, match="line 16: voter '1' names project 'a' twice with different points"
    ):
        parse_pb(scoring.replace("1;a,b;34", "1;a,b,a;5,2,3;34"), strict=False)
