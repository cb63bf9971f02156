"""``qp tally``: JSON on stdout and exit 0, or a precise message on stderr and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.cli import app
from backend.counting.pabulib import read_pb
from backend.counting.tally_command import tally_command
from tests.counting.helpers import DATA, FILES
from tests.counting.test_pabulib import GOOD


def _run(
    capsys: pytest.CaptureFixture[str], file: Path, rule: str | None = None, strict: bool = False
) -> tuple[int, str, str]:
    code = tally_command(file, rule, strict)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("name", FILES)
def test_json_shape_on_every_file(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, DATA / name)
    assert code == 0 and err == ""
    result = json.loads(out)
    assert list(result) == ["rule", "selected", "spent", "budget"]
    instance = read_pb(DATA / name)
    assert result["rule"] == instance.meta["rule"]
    assert all(isinstance(pid, str) for pid in result["selected"])
    assert result["budget"] == float(instance.meta["budget"])
    costs = {p.id: p.cost for p in instance.projects}
    assert result["spent"] == sum(costs[pid] for pid in result["selected"]) <= result["budget"]
    official = instance.selected()
    if official is not None:
        assert sorted(result["selected"]) == sorted(official)


def test_selection_order_and_rule_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, DATA / "Poland_Warszawa_2017_Aleksandrow.pb", "greedy-no-skip")
    assert code == 0
    assert json.loads(out) == {
        "rule": "greedy-no-skip",
        "selected": ["261"],
        "spent": 80000,
        "budget": 110411,
    }
    code, out, _ = _run(capsys, DATA / "Netherlands_Assen_2024.pb", "equalshares/add1+greedy")
    assert code == 0 and json.loads(out)["rule"] == "equalshares/add1+greedy"


def test_malformed_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.pb"
    path.write_text(GOOD.replace("2;c;", "2;z;"), encoding="utf-8")
    code, out, err = _run(capsys, path)
    assert code == 2 and out == ""
    assert err == f"error: {path}: line 17: voter '2' votes for project 'z', absent from PROJECTS\n"


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, tmp_path / "absent.pb")
    assert code == 2 and out == ""
    assert err.startswith(f"error: cannot read {tmp_path / 'absent.pb'}: ")


def test_unknown_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, DATA / "Poland_Swiecie_2023.pb", "borda")
    assert code == 2 and out == ""
    assert "unknown rule 'borda'; known rules: greedy, greedy-no-skip, greedy-threshold, equalshares," in err


def test_rule_from_meta_must_be_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "unknown.pb"
    path.write_text(GOOD.replace("rule;greedy", "rule;unknown"), encoding="utf-8")
    code, _, err = _run(capsys, path)
    assert code == 2 and "unknown rule 'unknown' (from META rule)" in err
    path.write_text(GOOD.replace("rule;greedy\n", ""), encoding="utf-8")
    code, _, err = _run(capsys, path)
    assert code == 2 and "the file names no rule (META rule); pass one with --rule" in err


def test_rule_that_does_not_fit_the_ballots(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, DATA / "Poland_Krakow_2019_Bienczyce.pb", "equalshares/add1")
    assert code == 2
    assert "rule equalshares/add1 counts approval ballots; this file has ordinal ballots" in err
    code, _, err = _run(capsys, DATA / "Poland_Warszawa_2017_Aleksandrow.pb", "greedy-threshold")
    assert code == 2 and "rule greedy-threshold needs META min_project_score_threshold" in err


def test_majority_judgment_on_graded_ballots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graded = (
        GOOD.replace("vote_type;approval", "vote_type;scoring")
        .replace("rule;greedy", "rule;majority-judgment")
        .replace("voter_id;vote;age", "voter_id;vote;points;age")
        .replace("1;a,b;34", "1;a,b,c;3,1,2;34")
        .replace("2;c;", "2;a,b,c;2,0,3;")
    )
    path = tmp_path / "graded.pb"
    path.write_text(graded, encoding="utf-8")
    code, out, _ = _run(capsys, path)
    assert code == 0
    # a and c both got grades 2 and 3: same grades, so the cheaper c first; b (0 and 1) no longer fits.
    assert json.loads(out) == {
        "rule": "majority-judgment",
        "selected": ["c", "a"],
        "spent": 70,
        "budget": 100,
    }
    code, _, err = _run(capsys, DATA / "Poland_Swiecie_2023.pb", "majority-judgment")
    assert code == 2 and "majority-judgment counts graded (scoring) ballots" in err


# A vote naming a project twice, as 16 Warszawa 2026 files have: counted twice, project a (60)
# would beat b (50); counted once, as the city did, b and c are funded (the `selected` column).
REPEATED = """META
key;value
description;repeated project
budget;100
vote_type;approval
rule;greedy
num_projects;3
num_votes;5
PROJECTS
project_id;cost;selected
a;60;0
b;50;1
c;10;1
VOTES
voter_id;vote
1;a,a
2;a,a
3;b
4;b
5;b,c
"""


def test_a_project_named_twice_by_a_vote_counts_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "repeated.pb"
    path.write_text(REPEATED, encoding="utf-8")
    code, out, err = _run(capsys, path)
    assert code == 0
    result = json.loads(out)
    assert sorted(result["selected"]) == sorted(read_pb(path, strict=False).selected() or []) == ["b", "c"]
    assert result["spent"] == 60
    assert err.splitlines() == [
        f"notice: {path}: line {line}: voter '{voter}' names project 'a' twice; "
        "counted once (--strict refuses such a file)"
        for line, voter in ((16, 1), (17, 2))
    ]


def test_strict_refuses_a_project_named_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "repeated.pb"
    path.write_text(REPEATED, encoding="utf-8")
    code, out, err = _run(capsys, path, strict=True)
    assert code == 2 and out == ""
    assert err == f"error: {path}: line 16: voter '1' names the same project twice\n"
    # The `qp tally` command passes the flag through.
    runner = CliRunner()
    strict = runner.invoke(app, ["tally", str(path), "--strict"])
    assert strict.exit_code == 2 and "names the same project twice" in strict.output
    lenient = runner.invoke(app, ["tally", str(path)])
    assert lenient.exit_code == 0 and '"selected": ["b", "c"]' in lenient.output
