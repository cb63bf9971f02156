"""A known small dataset for the results tests: a counted budget edition in two QPV, an FPH fund
with one grant and one refusal, and a published assembly avis with one COPIL answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.assembly.models import (
    Answer,
    FollowUp,
    Member,
    QuotaCategory,
    QuotaFeature,
    Recommendation,
    Saisine,
    Volunteer,
)
from backend.budget.models import Edition, Proposal
from backend.budget.service import editions
from backend.budget.voting.models import EnvelopeResult
from backend.fph.models import Application, Fund
from backend.fph.service import committee
from backend.ledger.service import SYSTEM
from backend.territory.models import Qpv
from tests.budget.helpers import ADMIN, BP_HOOKS, CENTRE, CORO
from tests.budget.vote_helpers import paper, vote, vote_edition, voter
from tests.factories import make_user
from tests.fph.conftest import make_application, make_voters, on_agenda, vote_all
from tests.fph.open_fund import open_fund

OUTSIDE = "QN01344M"  # Frais Vallon: in Marseille, not in the test edition
YEAR = date.today().year  # the test edition has no calendar: ages are counted this year


def qpv_id(session: Session, code: str) -> int:
    return int(session.exec(select(Qpv.id).where(Qpv.code == code)).one())


@dataclass
class Dataset:
    edition: Edition
    projects: dict[str, list[Proposal]]
    results: dict[str, EnvelopeResult]
    fund: Fund
    granted: Application
    refused: Application
    saisine: Saisine
    voters: list[User]


def counted_edition(
    session: Session, **overrides: Any
) -> tuple[Edition, dict[str, list[Proposal]], list[User]]:
    """Votes: 3 in Corot (online), 2 in Centre 3e (one on paper, one voter without birth year)."""
    edition, projects = vote_edition(session, **overrides)
    corot, centre = projects[CORO], projects[CENTRE]
    people = [
        voter(session, CORO, birth_year=YEAR - 36),  # 30-44
        voter(session, CORO, birth_year=YEAR - 66),  # 60-74
        voter(session, CORO, birth_year=YEAR - 18),  # 16-18
        voter(session, CENTRE, birth_year=YEAR - 80),  # 75+
        voter(session, CENTRE, birth_year=YEAR - 40),  # unknown: the year is removed after voting
    ]
    vote(session, edition, people[0], str(corot[0].id), str(corot[1].id))
    vote(session, edition, people[1], str(corot[0].id), str(corot[2].id))
    vote(session, edition, people[2], str(corot[0].id))
    paper(session, edition, people[3], str(centre[0].id))
    vote(session, edition, people[4], str(centre[1].id))
    people[4].birth_year = None
    session.add(people[4])
    session.flush()
    return edition, projects, people


def close(session: Session, edition: Edition) -> dict[str, EnvelopeResult]:
    editions.change_phase(session, ADMIN, edition, "resultats", hooks=BP_HOOKS)
    rows = session.exec(select(EnvelopeResult).where(EnvelopeResult.edition_id == edition.id)).all()
    by_id = {e.id: e.scope_code for e in editions.envelopes(session, edition)}
    return {by_id[r.envelope_id]: r for r in rows}


def fph(session: Session) -> tuple[Fund, Application, Application]:
    """A Corot fund of 10 000 €: one grant of 500 €, one refusal."""
    fund, meeting = open_fund(session, days=0, qpvs=(CORO,), envelope_cents=1_000_000)
    voters_ = make_voters(session, fund)
    granted = make_application(session, fund, amount_cents=50_000)
    refused = make_application(session, fund, amount_cents=40_000, title="Une sortie à la mer")
    for application, outcome, cents in ((granted, "granted", 50_000), (refused, "refused", None)):
        item = on_agenda(session, meeting, application)
        vote_all(
            session, item, voters_, ["pour", "pour", "pour"] if cents else ["contre", "contre", "contre"]
        )
        committee.decide(
            session, SYSTEM, item, outcome=outcome, amount_cents=cents, reason="Décision du comité."
        )
    session.refresh(granted)
    session.refresh(refused)
    return fund, granted, refused


def assembly(session: Session) -> Saisine:
    """An avis with 2 adopted recommendations (1 answered, 1 follow-up) and 1 rejected; volunteers:
    2 women and 1 man in Corot (members: 1 woman, 1 man), 1 woman outside the edition."""
    today = date.today()
    saisine = Saisine(
        title="Question test",
        question="Que faire ?",
        commune_insee="13055",
        panel_size=2,
        avis_deadline=today + timedelta(days=30),
        retention_until=today + timedelta(days=365),
        status="avis_published",
        created_by="copil-test",
    )
    session.add(saisine)
    session.flush()
    category = QuotaCategory(saisine_id=saisine.id or 0, key="genre", label="Genre")
    session.add(category)
    session.flush()
    for key, label, share in (("femme", "une femme", 0.52), ("homme", "un homme", 0.46)):
        session.add(QuotaFeature(category_id=category.id or 0, key=key, label=label, population_share=share))
    corot, outside = qpv_id(session, CORO), qpv_id(session, OUTSIDE)
    rows = [
        ("femme", corot, True, YEAR - 25),
        ("femme", corot, False, None),
        ("homme", corot, True, None),
        ("femme", outside, False, None),
    ]
    for n, (genre, qpv, member, birth) in enumerate(rows):
        user = make_user(session, birth_year=birth) if birth else None
        volunteer = Volunteer(
            saisine_id=saisine.id or 0,
            user_id=user.id if user else None,
            name=f"Volontaire {n}",
            address="1 rue test",
            household_key=f"h{n}",
            qpv_id=qpv,
            characteristics={"genre": genre, "age": "45-59"},
            retention_until=today + timedelta(days=365),
            pool_id=f"P{n}",
        )
        session.add(volunteer)
        session.flush()
        if member:
            session.add(
                Member(
                    saisine_id=saisine.id or 0,
                    volunteer_id=volunteer.id or 0,
                    user_id=volunteer.user_id,
                    pool_id=f"P{n}",
                )
            )
    recs = []
    for number, status in ((1, "adopted"), (2, "adopted"), (3, "rejected")):
        rec = Recommendation(
            saisine_id=saisine.id or 0, number=number, title=f"Reco {number}", text="…", status=status
        )
        session.add(rec)
        recs.append(rec)
    session.flush()
    session.add(
        Answer(recommendation_id=recs[0].id or 0, decision="adopted", reasons="Oui.", answered_by="copil")
    )
    session.add(
        FollowUp(recommendation_id=recs[0].id or 0, status="in_progress", text="En cours.", author="agent")
    )
    session.flush()
    return saisine


def dataset(session: Session) -> Dataset:
    edition, projects, people = counted_edition(session)
    results = close(session, edition)
    fund, granted, refused = fph(session)
    return Dataset(edition, projects, results, fund, granted, refused, assembly(session), people)
