"""The Marseille demo of the budget participatif. Idempotent: an edition that exists is left alone.

* « Budget participatif des quartiers 2026 » (all Marseille QPV, one envelope per secteur)
  is in its vote phase, with recevable projects in every secteur, and keeps the history of its
  dépôt and instruction: merged, rejected, non-recevable and recevable-after-changes proposals.
* « Budget participatif des quartiers 2025 » is closed, with its results (see
  :mod:`backend.budget.voting.demo`, which also adds demo voters to the 2026 vote).
* « Appel à idées 2027 » (four QPV, one envelope per QPV) is in its dépôt phase, so that the
  demo shows the rest of the path: a draft, proposals waiting for the table de quartier, one
  sent back for changes, one published, one filed in person and one hidden after reports.

The editions' settings and the residents' proposals are data (data/demo.json); everything goes
through the services, so the journal tells the same story as the screens.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, Role, User
from backend.budget.models import Edition, PhaseKey, Proposal, ProposalStatus
from backend.budget.rules import DEFAULT_CHECKLIST, DEFAULT_THEMES, Answer, ProposalInput
from backend.budget.service import editions, instruction, moderation, proposals
from backend.budget.service.editions import EditionSettings
from backend.ledger.service import ActorRef
from backend.processes import PhaseHooks
from backend.territory.models import Qpv

PASSWORD = "quartiers2026"  # noqa: S105 - the demo password printed by `qp demo`
THEME = {t["label"]: t["key"] for t in DEFAULT_THEMES}
EXTRA_PEOPLE = (
    # (key, e-mail, name, QPV)
    ("resident_castellane", "bp.rayan@demo.quartiers.fr", "Rayan B.", "QN01354M"),
    ("resident_airbel", "bp.chloe@demo.quartiers.fr", "Chloé L.", "QN01338I"),
    ("resident_stbarth", "bp.ibrahima@demo.quartiers.fr", "Ibrahima S.", "QN01352M"),
    ("resident_centre1", "bp.nour@demo.quartiers.fr", "Nour A.", "QN01330M"),
)
DATA = Path(__file__).parent / "data" / "demo.json"  # the editions' settings and the residents' proposals


def demo_data() -> dict[str, Any]:
    """The content of data/demo.json, read afresh at each call (callers may change what they get)."""
    return dict(json.loads(DATA.read_text(encoding="utf-8")))


def _actor(user: User, role: str) -> ActorRef:
    return ActorRef(role=role, id=user.public_id)


def edition_settings(**fields: Any) -> EditionSettings:
    """Settings with the default themes and checklist, then ``fields`` (also used by the vote benchmark)."""
    return EditionSettings(
        **({"themes": DEFAULT_THEMES, "checklist": [dict(c) for c in DEFAULT_CHECKLIST]} | fields)
    )


def demo_settings(slug: str) -> EditionSettings:
    """A demo edition's settings from ``data/demo.json``: those the demo editions share, then its own."""
    data = demo_data()
    fields = data["shared"] | data["editions"][slug]
    for text in ("can_decide", "cannot_decide"):
        fields[text] = "\n".join(fields[text])
    for level in ("level_to_propose", "level_to_vote"):
        if level in fields:
            fields[level] = Level[fields[level]]
    fields["dates"] = {
        PhaseKey(phase): tuple(date.fromisoformat(d) if d else None for d in span)
        for phase, span in fields["dates"].items()
    }
    return edition_settings(slug=slug, **fields)


def _extra_people(session: Session, users: dict[str, User]) -> None:
    for key, email, name, code in EXTRA_PEOPLE:
        user = accounts.find_by_identifier(session, email)
        if user is None:
            user = accounts.register(
                session, identifier=email, password=PASSWORD, display_name=name, birth_year=1995
            )
            user.qpv_id = session.exec(select(Qpv.id).where(Qpv.code == code)).one()
            user.residence_status = ResidenceStatus.declared
            session.add(user)
            session.flush()
        users[key] = user


def _answers(unmet: dict[str, str] | None = None) -> dict[str, Answer]:
    unmet = unmet or {}
    ok = {
        "investissement": "Achat de matériel et travaux.",
        "competence": "Relève de la Ville.",
        "espace-public": "Terrain de la Ville.",
        "interet-general": "Ouvert à tous les habitants.",
        "territoire": "Dans un quartier prioritaire de Marseille.",
        "plafond": "Sous le plafond de l'édition.",
        "faisable": "Vérifié par la direction des parcs et jardins.",
    }
    return {
        c["key"]: Answer(c["key"] not in unmet, unmet.get(c["key"], ok.get(c["key"], "Critère respecté.")))
        for c in DEFAULT_CHECKLIST
    }


def open_edition(session: Session, users: dict[str, User], slug: str, hooks: PhaseHooks) -> Edition:
    """Create the demo edition ``slug`` (settings from data/demo.json) and open its dépôt phase."""
    admin = _actor(users["admin"], Role.admin)
    edition = editions.create_edition(session, admin, demo_settings(slug))
    editions.change_phase(session, admin, edition, PhaseKey.depot, hooks=hooks)
    return edition


def _submit_all(
    session: Session, edition: Edition, users: dict[str, User], table: str, moderators: dict[str, ActorRef]
) -> dict[str, Proposal]:
    """Submit each proposal of ``table`` in data/demo.json, each followed by its moderation step if it has one."""
    made: dict[str, Proposal] = {}
    for p in demo_data()[table]:
        made[p["key"]] = proposal = _submit(session, edition, users[p["author"]], p)
        match p.get("moderation"):
            case ["publish", by]:
                moderation.publish(session, moderators[by], proposal)
            case ["request_changes", by, reason]:
                moderation.request_changes(session, moderators[by], proposal, reason)
    return made


def _submit(session: Session, edition: Edition, author: User, p: dict[str, Any]) -> Proposal:
    """Submit the proposal of the data/demo.json record ``p``, written by ``author``."""
    cost, operating = str(p["cost"]), str(p.get("operating_cost") or "")
    data = ProposalInput(
        p["title"], p["description"], THEME[p["theme"]], p["qpv"], p.get("place", ""), cost, operating
    )
    proposal = proposals.save_draft(session, edition, None, data, author=author)
    proposals.submit(session, _actor(author, Role.resident), edition, proposal, data)
    return proposal


def _edition_2026(session: Session, users: dict[str, User], hooks: PhaseHooks) -> None:
    admin = _actor(users["admin"], Role.admin)
    agent = _actor(users["agent"], Role.agent)
    corot = _actor(users["moderator_corot"], Role.moderator)
    centre = _actor(users["moderator_centre"], Role.moderator)
    edition = open_edition(session, users, "marseille-2026", hooks)
    made = _submit_all(session, edition, users, "proposals_2026", {})
    for key in (
        "basket",
        "jeux",
        "navette",
        "sport",
        "jardin",
        "lumiere",
        "parcours",
        "livres",
        "parking",
        "ombre",
        "arbres",
    ):
        moderation.publish(session, corot if made[key].qpv_id == made["ombre"].qpv_id else admin, made[key])
    for key in ("bancs", "fresque", "toilettes"):
        moderation.publish(
            session, centre if made[key].qpv_id == made["fresque"].qpv_id else admin, made[key]
        )
    moderation.merge(
        session,
        corot,
        made["arbres"],
        made["ombre"],
        "Les deux propositions demandent de l'ombre et de l'eau au même city-stade.",
    )
    moderation.reject(session, admin, made["spam"], "spam", "Publicité sans rapport avec le quartier.")
    moderation.reject(
        session, admin, made["loyers"], "off_topic",
        "Les loyers sont fixés par le bailleur, pas par la Ville. Le budget participatif finance des travaux et du matériel dans l'espace public.",
    )  # fmt: skip

    editions.change_phase(session, admin, edition, PhaseKey.instruction, hooks=hooks)
    for step in demo_data()["instruction_2026"]:
        instruction.instruct(
            session,
            agent,
            edition,
            made[step["key"]],
            answers=_answers(step.get("unmet")),
            decision=ProposalStatus(step["decision"]),
            services_cost=step.get("cost"),
            services_operating_cost=step.get("operating_cost"),
            changes=step.get("changes", ""),
            summary=step.get("summary", ""),
        )
    editions.change_phase(session, admin, edition, PhaseKey.vote, hooks=hooks)


def _edition_2027(session: Session, users: dict[str, User], hooks: PhaseHooks) -> None:
    admin = _actor(users["admin"], Role.admin)
    corot = _actor(users["moderator_corot"], Role.moderator)
    centre = _actor(users["moderator_centre"], Role.moderator)
    edition = open_edition(session, users, "appel-idees-2027", hooks)
    u = users
    draft = ProposalInput(
        "Un abri à vélos fermé près du métro", "Un abri", THEME["Se déplacer"], "QN01342I", "", "", ""
    )
    proposals.save_draft(session, edition, None, draft, author=u["resident_corot"])
    made = _submit_all(
        session, edition, users, "proposals_2027", {"admin": admin, "corot": corot, "centre": centre}
    )
    cameras = made["cameras"]
    for key in ("resident_corot", "resident_phone", "resident_centre"):
        proposals.report(session, u[key], edition, cameras, "off_topic")
    data = ProposalInput(
        "Refaire le passage piéton devant la crèche",
        "Le marquage du passage piéton devant la crèche est effacé. Les voitures ne s'arrêtent pas. Il faut le repeindre et ajouter un panneau.",
        THEME["Se déplacer"], "QN01342I", "Devant la crèche, rue du Docteur Léon Perrin", "4500", "",
    )  # fmt: skip
    proposals.file_for_resident(session, corot, edition, data, author=None, author_label="Mme Benali")


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    """Both demo editions, each created only once."""
    users: dict[str, User] = dict(ctx["users"])  # a copy: our extra residents stay ours
    hooks: PhaseHooks = ctx["registry"].phase_hooks("bp")
    _extra_people(session, users)
    existing = set(session.exec(select(Edition.slug)).all())
    if "marseille-2026" not in existing:
        _edition_2026(session, users, hooks)
    if "appel-idees-2027" not in existing:
        _edition_2027(session, users, hooks)
    from backend.budget.voting.demo import load_votes

    load_votes(session, ctx, users)
