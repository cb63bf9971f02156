"""Demo of the vote (called by :mod:`backend.budget.demo`). Idempotent.

* « Budget participatif des quartiers 2026 » (in its vote phase) gets demo voters: online
  ballots and paper ballots from three voting points. The demo logins (Amina, Karim, Fatou…)
  have not voted yet, so that anyone can try the ballot.
* « Budget participatif des quartiers 2025 » is a past edition, closed: proposals, instruction,
  a vote online and on paper, then the count, the published files and the results pages.

Everything goes through the services (ballot rules, one ballot per person, the count at close).
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, Role, User
from backend.budget.models import Edition, PhaseKey, ProposalStatus
from backend.budget.service import editions, instruction, moderation
from backend.budget.voting import service
from backend.budget.voting.context import Choice, ContextCache, VoteContext, build_context
from backend.budget.voting.models import Voter
from backend.budget.voting.service import PaperInfo
from backend.db import utcnow
from backend.ledger.service import ActorRef
from backend.processes import PhaseHooks
from backend.territory.models import Qpv

# A few QPV per secteur, where the demo voters live.
VOTER_QPV = {
    "nord-littoral": ("QN01354M", "QN01355M", "QN01362I", "QN01360M"),
    "nord-est": ("QN01342I", "QN01344M", "QN01352M", "QN01348M"),
    "centre": ("QN01330M", "QN01332M"),
    "sud-huveaune": ("QN01338I", "QN01334I", "QN01340I"),
}
POINTS = {
    "nord-littoral": "Mairie des 15e et 16e arrondissements",
    "nord-est": "Centre social Malpassé",
    "centre": "Marché de la Plaine",
    "sud-huveaune": "Mairie des 11e et 12e arrondissements",
}
FIRST_NAMES = (
    "Awa", "Bilal", "Camille", "Dounia", "Élise", "Farid", "Gaëlle", "Hamza", "Inès", "Jonathan", "Kenza", "Louis",
    "Malika", "Nassim", "Océane", "Pierre", "Rania", "Samir", "Thi Mai", "Yanis", "Zohra", "Mehdi", "Sofia", "Moussa",
)  # fmt: skip


def _pool(session: Session, agent: User, size: int) -> list[User]:
    """Demo residents met in person (no password), spread over the secteurs."""
    rng = random.Random(2025)
    codes: dict[str, int] = dict(session.exec(select(Qpv.code, Qpv.id)).all())
    secteurs = list(VOTER_QPV)
    people = []
    for n in range(size):
        identifier = f"votant{n:03d}@demo.quartiers.fr"
        user = accounts.find_by_identifier(session, identifier)
        if user is None:
            secteur = secteurs[n % len(secteurs)]
            user = accounts.register(
                session,
                identifier=identifier,
                password=None,
                display_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {chr(65 + n % 26)}.",
                birth_year=rng.randint(1945, 2012),
                registered_by=agent.public_id,
            )
            user.qpv_id = codes[rng.choice(VOTER_QPV[secteur])]
            user.residence_status = ResidenceStatus.verified if n % 3 == 0 else ResidenceStatus.declared
            # The 2026 vote asks for a confirmed contact: these demo voters confirmed their e-mail.
            user.email_confirmed_at = utcnow()
            session.add(user)
        people.append(user)
    session.flush()
    return people


def _cast_many(
    session: Session,
    secret: str,
    edition: Edition,
    ctx: VoteContext,
    people: list[User],
    agent: User,
    seed: int,
) -> None:
    """Ballots for these people: popular projects get more votes; one in five votes on paper."""
    rng = random.Random(seed)
    cache = ContextCache(ttl_s=3600)
    low, high = max(1, ctx.ballot_min), ctx.ballot_max or 4
    for n, person in enumerate(people):
        envelope_id = ctx.envelope_by_qpv.get(person.qpv_id or 0)
        envelope = ctx.envelopes.get(envelope_id) if envelope_id else None
        if envelope is None or len(envelope.projects) < low:
            continue
        weights = [1.0 / (i + 1.5) for i in range(len(envelope.projects))]
        rng.shuffle(weights)
        k = rng.randint(low, min(high, len(envelope.projects)))
        chosen: set[str] = set()
        while len(chosen) < k:
            chosen.add(rng.choices([p.id for p in envelope.projects], weights=weights)[0])
        choice = Choice(projects=tuple(chosen))
        if n % 5 == 0:
            point = POINTS.get(envelope.code, "Mairie centrale")
            identity = ("Carte d'identité", "Titre de séjour", "Passeport")[n % 3]
            residence = (
                "résidence déjà vérifiée"
                if person.residence_status == ResidenceStatus.verified
                else "quartier déclaré"
            )
            paper = PaperInfo(point, identity, residence, agent.public_id)
            service.record_paper(
                session, secret=secret, edition=edition, user=person, choice=choice, paper=paper, cache=cache
            )
        else:
            service.cast_online(
                session,
                secret=secret,
                edition_id=ctx.edition_id,
                slug=ctx.slug,
                user_id=person.id,
                choice=choice,
                cache=cache,
            )


def _voters(session: Session, edition: Edition) -> int:
    return int(
        session.exec(select(func.count()).select_from(Voter).where(Voter.edition_id == edition.id)).one()
    )


def votes_2026(session: Session, users: dict[str, User], secret: str) -> None:
    edition = session.exec(select(Edition).where(Edition.slug == "marseille-2026")).first()
    if edition is None or edition.phase != PhaseKey.vote or _voters(session, edition):
        return
    people = _pool(session, users["agent"], 160)
    ctx = build_context(session, edition)
    _cast_many(session, secret, edition, ctx, people[:120], users["agent"], seed=2026)


def edition_2025(session: Session, users: dict[str, User], secret: str, hooks: PhaseHooks) -> None:
    """A closed edition: counted, published, with a results page."""
    if session.exec(select(Edition.id).where(Edition.slug == "marseille-2025")).first() is not None:
        return
    from backend.budget.demo import _answers, _submit, demo_data, open_edition

    admin = ActorRef(role=Role.admin, id=users["admin"].public_id)
    agent = ActorRef(role=Role.agent, id=users["agent"].public_id)
    edition = open_edition(session, users, "marseille-2025", hooks)
    people = _pool(session, users["agent"], 240)
    authors = [
        users.get(k) or people[0]
        for k in ("resident_castellane", "resident_corot", "resident_centre1", "resident_airbel")
    ]
    proposals = []
    projects = demo_data()["projects_2025"]
    for n, p in enumerate(projects):
        author = authors[n * len(authors) // len(projects)]
        proposal = _submit(session, edition, author, p)
        moderation.publish(session, admin, proposal)
        proposals.append((proposal, p["cost"]))
    editions.change_phase(session, admin, edition, PhaseKey.instruction, hooks=hooks)
    for proposal, cost in proposals:
        instruction.instruct(
            session, agent, edition, proposal, answers=_answers(), decision=ProposalStatus.eligible,
            services_cost=cost, services_operating_cost=None,
        )  # fmt: skip
    editions.change_phase(session, admin, edition, PhaseKey.vote, hooks=hooks)
    ctx = build_context(session, edition)
    _cast_many(session, secret, edition, ctx, people, users["agent"], seed=2025)
    editions.change_phase(session, admin, edition, PhaseKey.resultats, hooks=hooks)


def load_votes(session: Session, ctx: dict[str, Any], users: dict[str, User]) -> None:
    settings = ctx.get("settings")
    secret = settings.secret_key if settings is not None else "dev-only-secret-change-me"
    edition_2025(session, users, secret, ctx["registry"].phase_hooks("bp"))
    votes_2026(session, users, secret)
