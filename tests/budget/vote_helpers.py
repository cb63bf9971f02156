"""Builders for the voting tests: an edition in its vote phase with projects in both envelopes,
voters, ballots cast through the service."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from backend.accounts.models import User
from backend.budget.models import Edition, Proposal, ProposalStatus
from backend.budget.service import editions
from backend.budget.voting import service
from backend.budget.voting.context import Choice
from backend.budget.voting.models import Ballot, Voter
from backend.budget.voting.service import CastResult, PaperInfo
from backend.budget.voting.tokens import issue_token
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO, make_edition, make_proposal, resident
from tests.conftest import TEST_SECRET

COSTS = {CORO: (40_000, 30_000, 20_000, 10_000), CENTRE: (50_000, 25_000)}


def vote_edition(
    session: Session, costs: dict[str, tuple[int, ...]] | None = None, **overrides: Any
) -> tuple[Edition, dict[str, list[Proposal]]]:
    """An edition in vote (one envelope of 100 000 € per QPV) and its projects, by QPV code."""
    overrides.setdefault("ballot_min", 1)
    overrides.setdefault("ballot_max", 3)
    edition = make_edition(session, phase="instruction", **overrides)
    projects: dict[str, list[Proposal]] = {}
    for code, amounts in (costs or COSTS).items():
        for n, amount in enumerate(amounts):
            p = make_proposal(
                session,
                edition,
                status=ProposalStatus.eligible,
                qpv_code=code,
                title=f"Projet {code} {n + 1}",
            )
            p.services_cost = amount
            session.add(p)
            projects.setdefault(code, []).append(p)
    session.flush()
    editions.change_phase(session, ADMIN, edition, "vote", hooks=BP_HOOKS)
    return edition, projects


def ids(projects: list[Proposal], *positions: int) -> tuple[str, ...]:
    return tuple(str(projects[i].id) for i in positions)


def vote(
    session: Session, edition: Edition, user: User, *projects: str, grades: dict[str, int] | None = None
) -> CastResult:
    choice = Choice(grades=grades) if grades is not None else Choice(projects=projects)
    return service.cast_online(
        session, secret=TEST_SECRET, edition_id=edition.id, slug=edition.slug, user_id=user.id, choice=choice
    )


def paper(
    session: Session, edition: Edition, user: User, *projects: str, point: str = "Mairie des 13e-14e"
) -> CastResult:
    return service.record_paper(
        session,
        secret=TEST_SECRET,
        edition=edition,
        user=user,
        choice=Choice(projects=projects),
        paper=PaperInfo(point, "Carte d'identité", "résidence déjà vérifiée", "agent-test"),
    )


def voter(session: Session, qpv: str | None = CORO, **overrides: Any) -> User:
    return resident(session, qpv, **overrides)


# --- the JSON ballot API through the whole ASGI stack (fast path included, when the app has it) ---


def token(user: Any) -> str:
    return issue_token(TEST_SECRET, user.id, user.session_version)


def fast_served(app: FastAPI) -> int:
    return int(getattr(app.state, "bp_fast_ballots", 0))


async def post_all(
    app: FastAPI, requests: list[tuple[str, dict[str, Any]]], slug: str
) -> list[httpx.Response]:
    """Send the requests concurrently through the whole ASGI stack (fast path included)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            return await asyncio.gather(
                *(
                    client.post(
                        f"/api/v1/budget/editions/{slug}/bulletin",
                        json=body,
                        headers={"Authorization": f"Bearer {tok}"},
                    )
                    for tok, body in requests
                )
            )
        finally:
            for close in app.state.closers:
                await close()


# What a ballot row may hold: nothing that names a person or tells a time.
BALLOT_COLUMNS = {
    "id",
    "slot",
    "edition_id",
    "envelope_id",
    "choices",
    "receipt_hash",
    "channel",
    "voting_point",
}


def count(session: Session, model: type[Voter] | type[Ballot], edition_id: int) -> int:
    """How many voters (or ballots) the edition has."""
    return int(
        session.execute(
            select(func.count()).select_from(model).where(col(model.edition_id) == edition_id)
        ).scalar()
        or 0
    )


def totals(engine: Engine, edition_id: int) -> tuple[int, int]:
    """How many voters and ballots the edition has, as committed (read in a session of its own)."""
    with Session(engine) as session:
        return count(session, Voter, edition_id), count(session, Ballot, edition_id)
