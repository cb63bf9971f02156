"""Reader and writer of pabulib ``.pb`` files (https://pabulib.org/format).

A file has three sections, in this order, each a title line (``META``, ``PROJECTS``, ``VOTES``),
a header line and ``;``-separated rows; fields containing ``;`` or ``"`` are double-quoted with
``""`` escapes (CSV rules). META holds ``key;value`` pairs (``budget`` and ``vote_type`` are
required here), PROJECTS needs ``project_id`` and ``cost`` columns, VOTES needs ``voter_id`` and
``vote`` (comma-separated project ids; ``points`` alongside for cumulative and scoring ballots).

The reader is strict: anything a count could silently get wrong (an unknown or repeated project,
a truncated VOTES section, a cost that is not a positive number...) raises
:class:`PbFormatError` naming the line. Other columns are kept as text, so that a file read and
written again keeps its content.

One tolerance, asked for with ``strict=False``: a vote naming the same project twice (real
files do, e.g. Warszawa 2026) counts that project once, as the city counted it; each such
repetition is listed in :attr:`PbInstance.repeats` so that the caller can say so. With points,
the repetitions must carry the same points, otherwise which one counts is a guess and the file
is refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from backend.counting.ballots import ApprovalRule
from backend.counting.model import Ballots, Project
from backend.counting.pabulib_sections import (
    PbFormatError,
    check_count,
    header_columns,
    number,
    parse_meta,
    section_rows,
    split_ids,
)
from backend.counting.profile import BallotKind


@dataclass(frozen=True, slots=True)
class PbProject:
    """One PROJECTS row: id, cost, and the other columns as text (name, votes, selected...)."""

    id: str
    cost: Decimal
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PbVote:
    """One VOTES row: voter id, project ids in ballot order, points (if any), other columns."""

    voter_id: str
    vote: tuple[str, ...]
    points: tuple[float, ...] | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PbRepeat:
    """A project named again by the same vote, dropped by a lenient read."""

    line: int
    voter_id: str
    project_id: str


@dataclass(frozen=True, eq=False)
class PbInstance:
    """A parsed ``.pb`` file: one envelope (budget), its projects and its ballots."""

    meta: Mapping[str, str]
    projects: tuple[PbProject, ...]
    kind: BallotKind
    ballots: Ballots
    voter_ids: tuple[str, ...]
    project_columns: tuple[str, ...] = ("project_id", "cost")
    vote_columns: tuple[str, ...] = ("voter_id", "vote")
    vote_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    repeats: tuple[PbRepeat, ...] = ()

    @property
    def budget(self) -> Decimal:
        """The envelope (META ``budget``)."""
        return number(self.meta["budget"], "META budget", None)

    @property
    def envelope(self) -> list[Project]:
        """The projects as the counting rules see them, in file order."""
        return [Project(p.id, p.cost) for p in self.projects]

    def approval_rule(self) -> ApprovalRule:
        """How many projects a ballot may name (META ``min_length``, default 1, and ``max_length``),
        as the rule our own editions validate ballots with."""
        try:
            low = int(self.meta.get("min_length") or 1)
            high = self.meta.get("max_length")
            return ApprovalRule(min_projects=low, max_projects=int(high) if high else None)
        except ValueError:
            raise PbFormatError("META min_length and max_length must be whole numbers") from None

    def selected(self) -> list[str] | None:
        """Ids the city funded (``selected`` column equal to 1), or None without that column."""
        if "selected" not in self.project_columns:
            return None
        return [p.id for p in self.projects if p.fields.get("selected", "").strip() == "1"]

    def votes(self) -> Iterator[PbVote]:
        """The ballots as rows, in file order."""
        ids = [p.id for p in self.projects]
        for i, voter_id in enumerate(self.voter_ids):
            lo, hi = int(self.ballots.indptr[i]), int(self.ballots.indptr[i + 1])
            points = None if self.ballots.points is None else tuple(self.ballots.points[lo:hi].tolist())
            yield PbVote(
                voter_id,
                tuple(ids[p] for p in self.ballots.indices[lo:hi]),
                points,
                {k: v[i] for k, v in self.vote_fields.items()},
            )

    @classmethod
    def from_votes(
        cls, meta: Mapping[str, str], projects: Sequence[PbProject], votes: Iterable[PbVote]
    ) -> PbInstance:
        """Build an instance from rows (how the platform exports an edition's ballots)."""
        text = write_pb_rows(meta, projects, votes)
        return parse_pb(text)


def _parse_projects(rows: list[tuple[int, list[str]]]) -> tuple[list[str], list[PbProject]]:
    columns = header_columns(rows[0][1], "projects", ("project_id", "cost"), rows[0][0])
    projects: list[PbProject] = []
    seen: set[str] = set()
    for line, row in rows[1:]:
        if len(row) != len(columns):
            raise PbFormatError(f"a PROJECTS row has {len(row)} fields, the header {len(columns)}", line)
        values = dict(zip(columns, row, strict=True))
        pid = values.pop("project_id").strip()
        if not pid:
            raise PbFormatError("a project has an empty project_id", line)
        if pid in seen:
            raise PbFormatError(f"project {pid!r} is listed twice", line)
        seen.add(pid)
        cost = number(values.pop("cost"), f"the cost of project {pid!r}", line)
        if cost <= 0:
            raise PbFormatError(f"the cost of project {pid!r} must be positive, got {cost}", line)
        projects.append(PbProject(pid, cost, values))
    if not projects:
        raise PbFormatError("the PROJECTS section lists no project")
    return columns, projects


def _drop_repeats(
    vote: list[str], row_points: list[Decimal] | None, voter: str, line: int
) -> tuple[list[str], list[Decimal] | None, list[PbRepeat]]:
    """Keep the first mention of each project of a vote (and its points)."""
    first: dict[str, int] = {}
    repeats: list[PbRepeat] = []
    for i, pid in enumerate(vote):
        if pid not in first:
            first[pid] = i
            continue
        if row_points is not None and row_points[i] != row_points[first[pid]]:
            raise PbFormatError(
                f"voter {voter!r} names project {pid!r} twice with different points "
                f"({row_points[first[pid]]} and {row_points[i]})",
                line,
            )
        repeats.append(PbRepeat(line, voter, pid))
    kept = sorted(first.values())
    return [vote[i] for i in kept], None if row_points is None else [row_points[i] for i in kept], repeats


def parse_pb(text: str, *, strict: bool = True) -> PbInstance:
    """Parse the content of a ``.pb`` file; raise :class:`PbFormatError` if it cannot be counted.

    With ``strict=False``, a project named twice by one vote counts once (see the module doc).
    """
    sections = section_rows(text)
    meta = parse_meta(sections["meta"])
    try:
        kind = BallotKind(meta["vote_type"].strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in BallotKind)
        raise PbFormatError(f"unknown vote_type {meta['vote_type']!r} (known: {known})") from None
    budget = number(meta["budget"], "META budget", None)
    if budget <= 0:
        raise PbFormatError(f"META budget must be positive, got {meta['budget']}")
    project_columns, projects = _parse_projects(sections["projects"])
    position = {p.id: i for i, p in enumerate(projects)}

    vote_rows = sections["votes"]
    required = ("voter_id", "vote", "points") if kind.has_points else ("voter_id", "vote")
    vote_columns = header_columns(vote_rows[0][1], "votes", required, vote_rows[0][0])
    extra = [c for c in vote_columns if c not in ("voter_id", "vote", "points")]
    col = {name: i for i, name in enumerate(vote_columns)}
    voter_ids: list[str] = []
    seen: set[str] = set()
    indptr = [0]
    indices: list[int] = []
    points: list[float] = []
    vote_fields: dict[str, list[str]] = {name: [] for name in extra}
    repeats: list[PbRepeat] = []
    for line, row in vote_rows[1:]:
        if len(row) != len(vote_columns):
            raise PbFormatError(f"a VOTES row has {len(row)} fields, the header {len(vote_columns)}", line)
        voter = row[col["voter_id"]].strip()
        if voter in seen:
            raise PbFormatError(f"voter {voter!r} appears twice", line)
        seen.add(voter)
        vote = split_ids(row[col["vote"]])
        for pid in vote:
            if pid not in position:
                raise PbFormatError(f"voter {voter!r} votes for project {pid!r}, absent from PROJECTS", line)
        row_points: list[Decimal] | None = None
        if kind.has_points:
            row_points = [
                number(x, f"a point of voter {voter!r}", line) for x in split_ids(row[col["points"]])
            ]
            if len(row_points) != len(vote):
                raise PbFormatError(
                    f"voter {voter!r} has {len(vote)} projects but {len(row_points)} points", line
                )
        if len(set(vote)) != len(vote):
            if strict:
                raise PbFormatError(f"voter {voter!r} names the same project twice", line)
            vote, row_points, dropped = _drop_repeats(vote, row_points, voter, line)
            repeats.extend(dropped)
        if kind is BallotKind.CHOOSE_1 and len(vote) != 1:
            raise PbFormatError(f"voter {voter!r} chooses {len(vote)} projects in a choose-1 vote", line)
        if row_points is not None:
            if kind is BallotKind.CUMULATIVE and any(x < 0 for x in row_points):
                raise PbFormatError(f"voter {voter!r} gives negative points in a cumulative vote", line)
            points.extend(float(x) for x in row_points)
        voter_ids.append(voter)
        indices.extend(position[pid] for pid in vote)
        indptr.append(len(indices))
        for name in extra:
            vote_fields[name].append(row[col[name]])
    check_count(meta, "num_projects", len(projects), "PROJECTS")
    check_count(meta, "num_votes", len(voter_ids), "VOTES")
    ballots = Ballots(
        np.asarray(indptr, dtype=np.int64),
        np.asarray(indices, dtype=np.int32),
        np.asarray(points, dtype=np.float64) if kind.has_points else None,
    )
    return PbInstance(
        meta=meta,
        projects=tuple(projects),
        kind=kind,
        ballots=ballots,
        voter_ids=tuple(voter_ids),
        project_columns=tuple(project_columns),
        vote_columns=tuple(vote_columns),
        vote_fields={k: tuple(v) for k, v in vote_fields.items()},
        repeats=tuple(repeats),
    )


def read_pb(path: Path, *, strict: bool = True) -> PbInstance:
    """Read a ``.pb`` file (UTF-8, with or without BOM); ``strict`` as for :func:`parse_pb`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PbFormatError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_pb(text, strict=strict)


def _point_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def write_pb_rows(meta: Mapping[str, str], projects: Sequence[PbProject], votes: Iterable[PbVote]) -> str:
    """Write META, PROJECTS and VOTES rows as ``.pb`` text.

    ``num_projects`` and ``num_votes`` are set from the rows; the other META keys are written as
    given, in order. Columns are ``project_id;cost`` then the projects' other fields, and
    ``voter_id;vote[;points]`` then the votes' other fields, in order of first appearance.
    """
    vote_list = list(votes)
    full_meta = dict(meta)
    full_meta["num_projects"] = str(len(projects))
    full_meta["num_votes"] = str(len(vote_list))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(full_meta.items())
    project_columns = list(dict.fromkeys(k for p in projects for k in p.fields))
    writer.writerow(["PROJECTS"])
    writer.writerow(["project_id", "cost", *project_columns])
    for p in projects:
        writer.writerow([p.id, str(p.cost), *(p.fields.get(k, "") for k in project_columns)])
    has_points = any(v.points is not None for v in vote_list)
    vote_columns = list(dict.fromkeys(k for v in vote_list for k in v.fields))
    writer.writerow(["VOTES"])
    writer.writerow(["voter_id", "vote", *(["points"] if has_points else []), *vote_columns])
    for v in vote_list:
        points = [",".join(_point_text(x) for x in v.points or ())] if has_points else []
        writer.writerow([v.voter_id, ",".join(v.vote), *points, *(v.fields.get(k, "") for k in vote_columns)])
    return out.getvalue()


def write_pb(instance: PbInstance, path: Path | None = None) -> str:
    """The ``.pb`` text of ``instance`` (written to ``path`` too, if given)."""
    text = write_pb_rows(instance.meta, instance.projects, instance.votes())
    if path is not None:
        path.write_text(text, encoding="utf-8")
    return text
