"""Small builders for budget tests: an edition in a given phase, a proposal in a given status."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.accounts.models import Role, User
from backend.budget.models import Edition, PhaseKey, Proposal, ProposalStatus
from backend.budget.process import PROCESS as BUDGET
from backend.budget.rules import DEFAULT_CHECKLIST, DEFAULT_THEMES, Answer, ProposalInput
from backend.budget.service import editions, instruction, moderation, proposals
from backend.budget.service.editions import EditionSettings
from backend.ledger.service import SYSTEM, ActorRef
from tests.factories import login, make_staff, make_user

# The budget's phase hooks as its process declares them (the registry holds the same object).
BP_HOOKS = BUDGET.phase_hooks

CORO = "QN01342I"  # Malpassé Corot (Nord-Est)
CENTRE = "QN01332M"  # Centre Ville 3e (Centre)
_n = itertools.count(1)
ADMIN = ActorRef(role=Role.admin, id="admin-test")
CHECKLIST = [c for c in DEFAULT_CHECKLIST if c["key"] in ("competence", "faisable")]
THEME = DEFAULT_THEMES[0]["key"]


def make_edition(session: Session, phase: str = PhaseKey.depot, **overrides: Any) -> Edition:
    n = next(_n)
    settings = EditionSettings(
        name=overrides.pop("name", f"Édition test {n}"),
        slug=overrides.pop("slug", f"edition-test-{n}"),
        territory_kind=overrides.pop("territory_kind", "qpv"),
        territory_codes=overrides.pop("territory_codes", [CORO, CENTRE]),
        envelope_scope=overrides.pop("envelope_scope", "qpv"),
        default_amount=100_000,
        themes=DEFAULT_THEMES,
        checklist=overrides.pop("checklist", CHECKLIST),
        cost_cap=overrides.pop("cost_cap", 50_000),
        report_threshold=overrides.pop("report_threshold", 2),
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    edition = editions.create_edition(session, ADMIN, settings)
    if phase != PhaseKey.preparation:
        editions.change_phase(session, ADMIN, edition, PhaseKey.depot, hooks=BP_HOOKS)
    if phase in (PhaseKey.instruction, PhaseKey.vote):
        edition.phase = phase  # tests of later phases set it directly; guards have their own tests
        session.add(edition)
        session.flush()
    return edition


def data(qpv: str = CORO, **overrides: str) -> ProposalInput:
    fields = {
        "title": "Des bancs à l'ombre près de l'école",
        "description": "Trois bancs et deux arbres devant l'école, pour attendre les enfants à l'ombre.",
        "theme": THEME,
        "qpv_code": qpv,
        "location_text": "Devant l'école",
        "estimated_cost": "12000",
        "operating_cost": "",
    }
    fields.update(overrides)
    return ProposalInput(**fields)


def proposal_form(**overrides: str) -> dict[str, str]:
    """The fields of the « Proposer » form as a resident sends them, with `overrides` changed."""
    fields = {
        "title": "Des bancs à l'ombre près de l'école",
        "description": "Trois bancs et deux arbres devant l'école, pour attendre les enfants à l'ombre.",
        "theme": THEME,
        "qpv_code": CORO,
        "location_text": "Devant l'école",
        "estimated_cost": "12 000",
        "operating_cost": "",
        "action": "envoyer",
    }
    fields.update(overrides)
    return fields


def resident(session: Session, qpv: str | None = CORO, **overrides: Any) -> User:
    return make_user(session, qpv=qpv, **overrides)


@dataclass(frozen=True)
class Depot:
    """An edition taking proposals and a resident of it, logged in on the test client."""

    edition: Edition
    author: User

    @property
    def url(self) -> str:
        """The « Proposer » form."""
        return f"/budget-participatif/{self.edition.slug}/proposer"


def open_depot(client: TestClient, session: Session) -> Depot:
    depot = Depot(make_edition(session), resident(session))
    login(client, depot.author)
    return depot


def moderator(session: Session, qpv: str = CORO) -> User:
    return make_staff(session, Role.moderator, "qpv", qpv)


def agent(session: Session) -> User:
    return make_staff(session, Role.agent, "commune", "13055")


def actor(user: User, role: str = Role.resident) -> ActorRef:
    return ActorRef(role=role, id=user.public_id)


def make_proposal(
    session: Session,
    edition: Edition,
    author: User | None = None,
    status: str = ProposalStatus.submitted,
    **overrides: str,
) -> Proposal:
    author = author or resident(session, overrides.get("qpv_code", CORO))
    d = data(**overrides)
    proposal = proposals.save_draft(session, edition, None, d, author=author)
    if status == ProposalStatus.draft:
        return proposal
    proposals.submit(session, actor(author), edition, proposal, d)
    if status == ProposalStatus.submitted:
        return proposal
    moderation.publish(session, SYSTEM, proposal)
    if status == ProposalStatus.published:
        return proposal
    answers = {
        c["key"]: Answer(status != ProposalStatus.ineligible, "Raison donnée.") for c in edition.checklist
    }
    instruction.instruct(
        session, SYSTEM, edition, proposal, answers=answers, decision=status, services_cost=10_000,
        services_operating_cost=None, changes="Le lieu change un peu.",
    )  # fmt: skip
    return proposal
