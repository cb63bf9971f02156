"""Small `make_x(**overrides)` helpers for the assembly tests: each test builds only what it needs."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from backend.assembly.models import Member, Recommendation, Saisine, Volunteer
from backend.assembly.service import draws, recommendations, recruitment, saisines
from backend.assembly.service.common import quota_categories
from backend.ledger.service import ActorRef

COPIL = ActorRef(role="copil", id="copil-test")
AGENT = ActorRef(role="agent", id="agent-test")
# One QPV per secteur of Marseille.
QPV_BY_SECTEUR = {
    "centre": "QN01332M",
    "nord-est": "QN01342I",
    "nord-littoral": "QN01354M",
    "sud-huveaune": "QN01338I",
}
_n = itertools.count(1)


def make_saisine(session: Session, **overrides: Any) -> Saisine:
    params: dict[str, Any] = {
        "title": "Jeunes et emploi",
        "question": "Comment mieux accompagner les jeunes vers l'emploi ?",
        "context": "",
        "commune_insee": "13055",
        "panel_size": 6,
        "avis_deadline": date.today() + timedelta(days=120),
        "registration_mode": "open",
        "registration_deadline": None,
        "categories": ["genre"],
    }
    params.update(overrides)
    actor = params.pop("actor", COPIL)
    return saisines.create_saisine(session, actor, **params)


def set_bounds(session: Session, saisine: Saisine, bounds: dict[tuple[str, str], tuple[int, int]]) -> None:
    """Quotas by (category, feature); features not named get min 0, max panel size."""
    rows: dict[int, tuple[str, str]] = {}
    for group in quota_categories(session, saisine.id or 0):
        for feature in group.features:
            low, high = bounds.get((group.category.key, feature.key), (0, saisine.panel_size))
            rows[feature.id or 0] = (str(low), str(high))
    saisines.set_quotas(session, COPIL, saisine, rows)


def make_volunteer(session: Session, saisine: Saisine, **overrides: Any) -> Volunteer:
    n = next(_n)
    answers = overrides.pop("answers", {"genre": "femme"})
    user = overrides.pop("user", None)
    form = recruitment.VolunteerForm(
        name=overrides.pop("name", f"Volontaire {n}"),
        phone=overrides.pop("phone", f"06 00 00 {n // 100 % 100:02d} {n % 100:02d}"),
        email=overrides.pop("email", ""),
        address=overrides.pop("address", f"{n} rue de la Paix, 13013 Marseille"),
        qpv_code=overrides.pop("qpv_code", "QN01342I"),
        code=overrides.pop("code", ""),
        consent=overrides.pop("consent", True),
        answers=answers,
        household_size=overrides.pop("household_size", ""),
        needs=overrides.pop("needs", ""),
    )
    assert not overrides, overrides
    return recruitment.register_volunteer(session, saisine, form, user=user)


def make_pool(
    session: Session, saisine: Saisine, genders: dict[str, int], **overrides: Any
) -> list[Volunteer]:
    """Volunteers by gender (each in their own household unless an address is given)."""
    people = []
    for gender, count in genders.items():
        for _ in range(count):
            people.append(make_volunteer(session, saisine, answers={"genre": gender}, **overrides))
    return people


def drawn_saisine(session: Session, **overrides: Any) -> Saisine:
    """A saisine of 6 seats, 3 women and 3 men, drawn among 6 women, 5 men and 1 other."""
    saisine = make_saisine(session, **overrides)
    set_bounds(
        session, saisine, {("genre", "femme"): (3, 3), ("genre", "homme"): (3, 3), ("genre", "autre"): (0, 1)}
    )
    make_pool(session, saisine, {"femme": 6, "homme": 5, "autre": 1})
    draws.freeze_pool(session, AGENT, saisine)
    draws.fix_seed(session, AGENT, saisine, [("Témoin 1", "17"), ("Témoin 2", "42")])
    draws.run_draw(session, AGENT, saisine)
    return saisine


def seeded(session: Session, saisine: Saisine, values: tuple[str, str] = ("1", "2")):  # type: ignore[no-untyped-def]
    """Freeze the pool, then fix the seed from two witnesses' values."""
    draws.freeze_pool(session, AGENT, saisine)
    return draws.fix_seed(session, AGENT, saisine, [("a", values[0]), ("b", values[1])])


def voting_recommendation(session: Session, saisine: Saisine, **overrides: Any) -> Recommendation:
    rec = recommendations.draft(
        session,
        AGENT,
        saisine,
        title=overrides.pop("title", "Un guichet jeunesse"),
        text=overrides.pop("text", "Ouvrir un guichet unique pour les jeunes dans chaque secteur."),
        group=overrides.pop("group", None),
    )
    recommendations.open_vote(session, AGENT, saisine, rec)
    return rec


def vote_all(session: Session, saisine: Saisine, rec: Recommendation, choices: list[str]) -> list[Member]:
    active = draws.members(session, saisine)
    for member, choice in zip(active, choices, strict=False):
        recommendations.cast_vote(session, saisine, rec, member, choice, AGENT)
    return active
