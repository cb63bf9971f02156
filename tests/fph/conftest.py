"""FPH test helpers: small make_x(**overrides) builders on top of tests/factories.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from backend.accounts.models import User
from backend.config import Settings
from backend.formatting import PARIS
from backend.fph.models import AgendaItem, Application, Fund, Meeting, Member, MemberKind
from backend.fph.service import applications as apps
from backend.fph.service import committee, funds
from backend.fph.service.applications import ApplicationInput, PersonInput
from backend.fph.service.common import paris_today
from backend.ledger.service import SYSTEM, ActorRef
from tests.factories import make_user

QPV = "QN01342I"  # Malpassé Corot
OTHER_QPV = "QN01344M"  # Frais Vallon
TODAY = paris_today()


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The root fixture's settings, with uploads in a temporary folder."""
    return settings.model_copy(update={"upload_dir": tmp_path / "uploads"})


@pytest.fixture
def upload_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "uploads"


def resident(session: Session, qpv: str = QPV, **overrides: Any) -> User:
    return make_user(session, qpv=qpv, **overrides)


def actor(user: User, role: str = "resident") -> ActorRef:
    return ActorRef(role=role, id=user.public_id)


def make_fund(session: Session, *, qpvs: tuple[str, ...] = (QPV,), **overrides: Any) -> Fund:
    values: dict[str, Any] = {
        "name": "FPH test",
        "year": TODAY.year,
        "envelope_cents": 1_000_000,
        "association_name": "Centre social",
    }
    values.update(overrides)
    return funds.create_fund(session, SYSTEM, funds.FundSettings(**values), list(qpvs))


def make_meeting(session: Session, fund: Fund, *, days: int = 14) -> Meeting:
    day = TODAY + timedelta(days=days)
    return funds.schedule_meeting(
        session, SYSTEM, fund, datetime.combine(day, time(18), tzinfo=PARIS), "Centre social"
    )


def make_voters(session: Session, fund: Fund, n: int = 3) -> list[tuple[User, Member]]:
    """n voting residents (each gets the fph_committee role on the fund's QPV)."""
    out = []
    for _ in range(n):
        user = resident(session)
        out.append((user, funds.add_member(session, SYSTEM, fund, kind=MemberKind.resident, user=user)))
    return out


def application_input(**overrides: Any) -> ApplicationInput:
    others: list[User] = overrides.pop("others", [])
    values: dict[str, Any] = {
        "title": "Fête des voisins",
        "description": "Un après-midi de jeux et un goûter pour tout le quartier.",
        "audience": "Les familles du quartier",
        "place": "Cour du bâtiment B",
        "action_date": TODAY + timedelta(days=30),
        "amount_cents": 50_000,
        "lines": [("expense", "Goûter", 30_000), ("expense", "Jeux", 30_000)],
        "people": [PersonInput(identifier=u.email or u.phone or "") for u in others],
    }
    values.update(overrides)
    return ApplicationInput(**values)


def make_application(
    session: Session, fund: Fund, lead: User | None = None, *, submit: bool = True, **overrides: Any
) -> Application:
    """A group application by `lead` and one more resident; submitted unless submit=False."""
    lead = lead or resident(session)
    if "others" not in overrides and overrides.get("holder_kind") != "association":
        overrides["others"] = [resident(session)]
    application = apps.save_application(session, fund=fund, author=lead, data=application_input(**overrides))
    if submit:
        apps.submit(session, actor(lead), application, TODAY)
    return application


def on_agenda(session: Session, meeting: Meeting, application: Application) -> AgendaItem:
    return committee.add_to_agenda(session, SYSTEM, meeting, application, invited=False)


def vote_all(
    session: Session, item: AgendaItem, voters: list[tuple[User, Member]], choices: list[str]
) -> None:
    for (user, member), choice in zip(voters, choices, strict=False):
        committee.record_vote(
            session,
            recorded_by=actor(user, "fph_committee"),
            item=item,
            member=member,
            choice=choice,
            has_committee_role=True,
        )


def today_plus(days: int) -> date:
    return TODAY + timedelta(days=days)


def grant_application(
    session: Session,
    fund: Fund,
    lead: User | None = None,
    amount: int = 100_000,
    *,
    meeting: Meeting | None = None,
    **overrides: Any,
) -> Application:
    """An application asking `amount`, granted it by the quorum voting « pour » at `meeting` (by default
    a new one in five days)."""
    meeting = meeting or make_meeting(session, fund, days=5)
    voters = make_voters(session, fund, fund.quorum)
    application = make_application(session, fund, lead, amount_cents=amount, **overrides)
    item = on_agenda(session, meeting, application)
    vote_all(session, item, voters, ["pour"] * fund.quorum)
    committee.decide(session, SYSTEM, item, outcome="granted", amount_cents=amount, reason="Bon projet.")
    return application
