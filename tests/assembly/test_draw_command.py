"""`qp draw`: JSON on stdout, precise messages and exit 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backend.assembly.draw_command import draw_command
from backend.assembly.sortition import parse_categories, parse_people

DATA = Path(__file__).parent / "data" / "example_small_20"
CATEGORIES = DATA / "categories.csv"
PEOPLE = DATA / "respondents.csv"


def run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = draw_command(*args)  # type: ignore[arg-type]
    out, err = capsys.readouterr()
    return code, out, err


def test_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, CATEGORIES, PEOPLE, 20, "17-42", "leximin")
    assert code == 0, err
    document = json.loads(out)
    assert document["algorithm"] == "leximin"
    assert len(document["panel"]) == 20 and all(isinstance(pid, str) for pid in document["panel"])
    assert len(document["reserve"]) == 180 and not set(document["reserve"]) & set(document["panel"])
    assert len(document["probabilities"]) == 200
    assert document["minimum_probability"] == pytest.approx(0.1, abs=1e-6)
    assert len(document["pool_sha256"]) == 64
    again = run(capsys, CATEGORIES, PEOPLE, 20, "17-42", "leximin")[1]
    assert again == out  # byte for byte


def test_legacy_through_the_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("backend.assembly.sortition.core.default_legacy_runs", lambda size: 50)
    code, out, _ = run(capsys, CATEGORIES, PEOPLE, 20, "17-42", "legacy")
    assert code == 0
    document = json.loads(out)
    assert document["algorithm"] == "legacy" and len(document["panel"]) == 20
    assert document["probability_method"].startswith("estimated: share of 50 seeded LEGACY runs")


def test_legacy_without_its_optional_package_says_what_to_install(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # None in sys.modules makes `import sortition_algorithms` raise ImportError, as on a production image.
    monkeypatch.setitem(sys.modules, "sortition_algorithms", None)
    code, out, err = run(capsys, CATEGORIES, PEOPLE, 20, "17-42", "legacy")
    assert code == 1 and out == ""
    assert "LEGACY algorithm needs the optional 'sortition-algorithms' package" in err
    assert "uv sync --extra legacy" in err and "Traceback" not in err
    # LEXIMIN does not need it.
    code, out, err = run(capsys, CATEGORIES, PEOPLE, 20, "17-42", "leximin")
    assert code == 0, err


def test_infeasible_quota_exits_2_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("gender,leaning\n" + "female,liberal\n" * 4 + "male,conservative\n" * 30)
    code, out, err = run(capsys, CATEGORIES, people, 20, "s", "leximin")
    assert code == 2 and out == ""
    assert "quota gender=female: min 9 but only 4 volunteers" in err


@pytest.mark.parametrize(
    ("people_text", "message"),
    [
        (
            "gender,leaning\nfemme,liberal\n",
            "line 2 (id 1): gender 'femme' is not a feature of category gender",
        ),
        ("gender\nfemale\n", "no column for category leaning"),
        ("id,gender,leaning\n7,female,liberal\n7,male,liberal\n", "line 3: id 7 already used on line 2"),
        ("", "the file is empty"),
    ],
)
def test_bad_people_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, people_text: str, message: str
) -> None:
    people = tmp_path / "people.csv"
    people.write_text(people_text)
    code, out, err = run(capsys, CATEGORIES, people, 20, "s", "leximin")
    assert code == 2 and out == ""
    assert message in err


def test_bad_categories_and_missing_files_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    categories = tmp_path / "categories.csv"
    categories.write_text("category,feature,min,max\ngender,female,nine,20\n")
    code, _, err = run(capsys, categories, PEOPLE, 20, "s", "leximin")
    assert code == 2 and "line 2: min and max of gender=female must be whole numbers" in err
    code, _, err = run(capsys, tmp_path / "nope.csv", PEOPLE, 20, "s", "leximin")
    assert code == 2 and "not found" in err
    code, _, err = run(capsys, CATEGORIES, PEOPLE, 20, "s", "maximin")
    assert code == 2 and "unknown algorithm" in err


def test_id_and_household_columns_and_semicolons() -> None:
    quotas = parse_categories("category;feature;min;max\nGender;F;0;2\nGender;M;0;2\n")
    people = parse_people(
        "ID;gender;Address1;Postcode;note\nA7;f;1 rue Longue;13003;x\nB8; M ;1  RUE longue;13003;\nC9;m;;13003;\n",
        quotas,
    )
    assert [(v.id, v.features["Gender"]) for v in people] == [("A7", "F"), ("B8", "M"), ("C9", "M")]
    assert people[0].household == people[1].household is not None
    assert people[2].household is None  # a postcode alone is no household


def test_legacy_prints_nothing_but_json_on_stdout() -> None:
    # sortition-algorithms logs each attempt to the real stdout (capsys cannot see it): use a process.
    script = (
        "import sys; from pathlib import Path; import backend.assembly.sortition.core as core; "
        "core.default_legacy_runs = lambda size: 5; from backend.assembly.draw_command import draw_command; "
        f"sys.exit(draw_command(Path({str(CATEGORIES)!r}), Path({str(PEOPLE)!r}), 20, 's', 'legacy'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["algorithm"] == "legacy"
