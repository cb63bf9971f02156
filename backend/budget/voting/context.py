"""What casting a ballot needs to know about an edition: its rules, which envelope each QPV
votes in, and the projects of each envelope. Built from the database, and cached per app for a
few seconds so that the hot path of the vote does not rebuild it for every ballot.

The cache can never let a ballot through a closed vote: the phase is read fresh, under lock, by
every ballot (:func:`backend.budget.voting.service.open_box`), and a phase change invalidates
the cached context. Only a project hidden by moderation during the vote may stay on the ballot
for up to ``TTL_S`` seconds; counting ignores choices of projects that are no longer on the
ballot, as for ballots cast before the project was hidden.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

from sqlmodel import Session

from backend.budget.models import BallotRule, Edition
from backend.budget.service import editions
from backend.budget.service.proposal_lists import ballot_projects
from backend.counting.ballots import (
    DEFAULT_GRADES,
    ApprovalRule,
    BallotProblem,
    BallotProject,
    KnapsackRule,
    MajorityJudgmentRule,
    validate_approval,
    validate_knapsack,
    validate_majority_judgment,
)

TTL_S = 5.0
GRADES = DEFAULT_GRADES  # « Insuffisant », « Passable », « Bien », « Très bien » (0 to 3)


@dataclass(frozen=True, slots=True)
class EnvelopeBallot:
    """One envelope's ballot: its money and its projects (by increasing proposal number)."""

    id: int
    code: str
    label: str
    amount: int
    projects: tuple[BallotProject, ...]

    def project(self, pid: str) -> BallotProject | None:
        return next((p for p in self.projects if p.id == pid), None)


@dataclass(frozen=True, slots=True)
class Choice:
    """A ballot as chosen: project ids (approval, knapsack) or a grade per project id (majority
    judgment, 0 = Insuffisant … 3 = Très bien)."""

    projects: tuple[str, ...] = ()
    grades: Mapping[str, int] | None = None

    def encode(self) -> str:
        """The stored form: « 12 15 18 » or « 12:3 15:0 »."""
        if self.grades is not None:
            return " ".join(
                f"{pid}:{g}" for pid, g in sorted(self.grades.items(), key=lambda kv: _num(kv[0]))
            )
        return " ".join(sorted(dict.fromkeys(self.projects), key=_num))

    @classmethod
    def decode(cls, text: str, graded: bool) -> Choice:
        parts = text.split()
        if graded:
            return cls(grades={p.split(":")[0]: int(p.split(":")[1]) for p in parts})
        return cls(projects=tuple(parts))


def _num(pid: str) -> tuple[int, str]:
    return (int(pid), pid) if pid.isdigit() else (1 << 62, pid)


@dataclass(frozen=True, slots=True)
class VoteContext:
    edition_id: int
    slug: str
    name: str
    phase: str
    phase_changed_at: datetime | None
    ballot_rule: str
    ballot_min: int
    ballot_max: int | None
    counting_rule: str
    counting_threshold: float | None
    level_to_vote: int
    min_voting_age: int
    revote_allowed: bool
    envelope_scope: str
    envelope_by_qpv: Mapping[int, int]
    envelopes: Mapping[int, EnvelopeBallot]

    @property
    def stamp(self) -> tuple[str, datetime | None]:
        return (self.phase, self.phase_changed_at)

    @property
    def graded(self) -> bool:
        return self.ballot_rule == BallotRule.majority_judgment

    def problems(self, envelope: EnvelopeBallot, choice: Choice) -> list[BallotProblem]:
        """What is wrong with this ballot (empty: valid), in plain French."""
        if self.graded:
            rule_mj = MajorityJudgmentRule(grades=GRADES, require_all=True)
            return validate_majority_judgment(dict(choice.grades or {}), envelope.projects, rule_mj)
        if self.ballot_rule == BallotRule.knapsack:
            rule_k = KnapsackRule(envelope=Decimal(envelope.amount), min_projects=max(1, self.ballot_min))
            return validate_knapsack(list(choice.projects), envelope.projects, rule_k)
        rule_a = ApprovalRule(min_projects=self.ballot_min, max_projects=self.ballot_max)
        return validate_approval(list(choice.projects), envelope.projects, rule_a)


def build_context(session: Session, edition: Edition) -> VoteContext:
    """Read the edition's rules, envelopes and ballot projects (a handful of queries)."""
    assert edition.id is not None
    envs = editions.envelopes(session, edition)
    by_code = {e.scope_code: e for e in envs}
    envelope_by_qpv: dict[int, int] = {}
    for ref in editions.edition_qpvs(session, edition):
        code = editions.envelope_code(edition, ref)
        if code in by_code and by_code[code].id is not None:
            envelope_by_qpv[ref.id] = by_code[code].id
    projects = ballot_projects(session, edition)
    ballots = {
        e.id: EnvelopeBallot(
            id=e.id,
            code=e.scope_code,
            label=e.label,
            amount=e.amount,
            projects=tuple(
                BallotProject(str(p.id), p.title, Decimal(p.vote_cost or 0))
                for p in projects.get(e.id, [])
                if (p.vote_cost or 0) > 0
            ),
        )
        for e in envs
        if e.id is not None
    }
    # The edition's settings are copied under the same names.
    settings = {
        f.name: getattr(edition, f.name) for f in fields(VoteContext) if f.name in Edition.model_fields
    }
    return VoteContext(edition_id=edition.id, envelope_by_qpv=envelope_by_qpv, envelopes=ballots, **settings)


class ContextCache:
    """Per-app cache of vote contexts (thread-safe; entries live ``ttl_s`` seconds)."""

    def __init__(self, ttl_s: float = TTL_S) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[float, VoteContext]] = {}
        self._ids: dict[str, int] = {}

    def edition_id(self, slug: str) -> int | None:
        with self._lock:
            return self._ids.get(slug)

    def get(
        self, edition_id: int, slug: str, stamp: tuple[str, datetime | None], *, stale_ok: bool = False
    ) -> VoteContext | None:
        """The cached context if built for this very phase change and still fresh (or, with
        ``stale_ok``, older than the TTL: the caller then refreshes it in the background)."""
        with self._lock:
            entry = self._entries.get(edition_id)
        if entry is None:
            return None
        built, ctx = entry
        if ctx.slug != slug or ctx.stamp != stamp:
            return None
        if not stale_ok and time.monotonic() - built > self.ttl_s:
            return None
        return ctx

    def is_fresh(self, edition_id: int) -> bool:
        with self._lock:
            entry = self._entries.get(edition_id)
        return entry is not None and time.monotonic() - entry[0] <= self.ttl_s

    def put(self, ctx: VoteContext) -> None:
        with self._lock:
            self._entries[ctx.edition_id] = (time.monotonic(), ctx)
            self._ids[ctx.slug] = ctx.edition_id

    def forget(self, slug: str) -> None:
        with self._lock:
            edition_id = self._ids.pop(slug, None)
            if edition_id is not None:
                self._entries.pop(edition_id, None)
