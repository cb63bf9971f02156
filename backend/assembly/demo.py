"""Demo: a completed assembly (pool, public draw, two sessions, avis, COPIL answers and follow-up)
and a second one calling for volunteers. Idempotent: each saisine is created once, by its title."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, select

from backend.accounts.models import User
from backend.assembly.models import AnswerDecision, FollowUpStatus, Saisine
from backend.assembly.service import draws, recommendations, recruitment, saisines, work
from backend.assembly.service.common import quota_categories, territory_qpvs
from backend.formatting import PARIS
from backend.ledger.service import ActorRef

MARSEILLE = "13055"
DONE_TITLE = "Les jeunes, la formation et l'emploi"
OPEN_TITLE = "Tranquillité et éclairage des espaces publics"
FIRST_NAMES = (
    "Amina", "Karim", "Fatou", "Yasmine", "Mohamed", "Sofia", "Nadia", "Lucas", "Inès", "Rachid", "Léa", "Youssef",
    "Chloé", "Mehdi", "Sarah", "Kevin", "Aïcha", "Bilal", "Manon", "Samir", "Hawa", "Julien", "Nour", "Anthony",
    "Zohra", "Ibrahim", "Camille", "Hamza", "Laura", "Moussa", "Malika", "Rayan", "Houria", "Dylan", "Soraya", "Ali",
)  # fmt: skip
STREETS = (
    "avenue Corot", "boulevard Barnier", "chemin de Sainte-Marthe", "rue de Lyon", "avenue de Frais Vallon",
    "traverse du Moulin", "boulevard Jourdan", "rue Félix Pyat", "avenue de la Viste", "chemin du Merlan",
)  # fmt: skip
RECOMMENDATIONS = (
    ("Un guichet unique jeunesse dans chaque secteur", 0,
     "Ouvrir dans chaque secteur un lieu unique où les jeunes trouvent la Mission locale, France Travail et les "
     "associations, le soir et le samedi. Aujourd'hui, il faut aller dans trois endroits différents.",
     (19, 2, 1)),
    ("Des stages et des alternances chez les partenaires de la Ville", 1,
     "Que la Ville et la Métropole demandent à leurs entreprises partenaires de réserver des stages de 3e et des "
     "contrats d'alternance aux jeunes des quartiers, avec un parrain ou une marraine dans l'entreprise.",
     (18, 3, 1)),
    ("Le transport gratuit pour les jeunes qui cherchent un emploi", 1,
     "Les entretiens et les formations sont souvent loin. Un abonnement gratuit pour les 16-25 ans inscrits à la "
     "Mission locale ou à France Travail les aiderait à y aller.",
     (20, 1, 1)),
    ("Un service civique obligatoire de six mois", 0,
     "Rendre obligatoire un service civique de six mois pour tous les jeunes sans emploi ni formation.",
     (6, 14, 2)),
)  # fmt: skip
ANSWERS: tuple[tuple[str, str, list[tuple[str, str]]], ...] = (
    (AnswerDecision.adopted,
     "Le COPIL retient cette recommandation. Un premier guichet ouvrira dans le secteur Nord-Est en 2026, puis un "
     "par secteur. Les horaires du soir et du samedi seront testés pendant six mois.",
     [(FollowUpStatus.in_progress, "Local trouvé au centre social de Malpassé. Travaux d'aménagement en cours."),
      (FollowUpStatus.done, "Guichet Nord-Est ouvert le mardi et le jeudi jusqu'à 20 h, et le samedi matin.")]),
    (AnswerDecision.adapted,
     "Le COPIL retient l'idée, adaptée : une charte sera proposée aux entreprises partenaires, qui s'engagent sur "
     "un nombre de stages de 3e. Les alternances seront suivies par la Mission locale.",
     [(FollowUpStatus.planned, "Charte rédigée avec le club d'entreprises ; signature prévue au prochain COPIL.")]),
    (AnswerDecision.rejected,
     "Le COPIL ne peut pas retenir la gratuité : les tarifs des transports relèvent de la Métropole, pas du contrat "
     "de ville. Il a transmis la demande à la Métropole et rappelle que le tarif solidaire existe déjà.",
     []),
)  # fmt: skip


def _actors(users: dict[str, User]) -> tuple[ActorRef, ActorRef]:
    return ActorRef("copil", users["copil"].public_id), ActorRef("agent", users["agent"].public_id)


def _existing(session: Session, title: str) -> Saisine | None:
    return session.exec(select(Saisine).where(Saisine.title == title)).first()


def _pick(rng: random.Random, options: list[tuple[str, float]]) -> str:
    return rng.choices([key for key, _ in options], [share for _, share in options])[0]


def _register_pool(
    session: Session, saisine: Saisine, agent: ActorRef, rng: random.Random, count: int, codes: list[str],
    user: User | None = None,
) -> None:  # fmt: skip
    """`count` volunteers: some with a letter's code, a few met in person, some couples."""
    qpvs = [q for q in territory_qpvs(session, MARSEILLE) if q.population]
    weights = [q.population or 0 for q in qpvs]
    choices = {
        g.category.key: [(f.key, f.population_share or 0.0) for f in g.features]
        for g in quota_categories(session, saisine.id or 0)
        if g.category.kind == "choice"
    }
    address = ""
    for n in range(count):
        couple = n % 9 == 8  # every ninth volunteer lives with the previous one
        if not couple:
            address = f"{rng.randint(1, 180)} {rng.choice(STREETS)}, 130{rng.choice([1, 3, 4, 13, 14, 15, 16])} Marseille"
        qpv = rng.choices(qpvs, weights)[0]
        form = recruitment.VolunteerForm(
            name=f"{rng.choice(FIRST_NAMES)} {chr(65 + rng.randrange(26))}.",
            phone=f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            address=address,
            qpv_code=qpv.code,
            code=codes[n] if n < len(codes) and not couple else "",
            household_size=str(rng.randint(1, 6)),
            needs="garde d'enfants le samedi" if n % 11 == 0 else "",
            consent=True,
            answers={key: _pick(rng, options) for key, options in choices.items()},
        )
        recruitment.register_volunteer(
            session,
            saisine,
            form,
            registered_by=agent if n % 10 == 5 else None,
            user=user if n == 3 else None,
        )


def _address_list(rng: random.Random, count: int) -> bytes:
    lines = ["nom;adresse;code_postal;ville"]
    for n in range(count):
        lines.append(
            f"Foyer {n + 1};{n + 1} {rng.choice(STREETS)} bât. {chr(65 + n % 6)};130{13 + n % 4};Marseille"
        )
    return ("\n".join(lines) + "\n").encode()


def _at(days_ago: int, hour: int) -> datetime:
    return datetime.combine(date.today() - timedelta(days=days_ago), time(hour, 0), tzinfo=PARIS)


def _call_for_volunteers(
    session: Session, users: dict[str, User], title: str, *, seed: int, households: int, letters: int,
    volunteers: int, coded: int, resident: User | None = None, **fields: Any,
) -> Saisine:  # fmt: skip
    """A saisine of Marseille open to all: letters to `letters` of `households` addresses, then
    `volunteers` registered, the first `coded` of them with a letter's code."""
    copil, agent = _actors(users)
    rng = random.Random(seed)
    saisine = saisines.create_saisine(
        session, copil, title=title, commune_insee=MARSEILLE, registration_mode="open", **fields
    )
    invitations = recruitment.draw_invitations(
        session, agent, saisine, _address_list(rng, households), letters
    )
    _register_pool(
        session, saisine, agent, rng, volunteers, [i.code for i in invitations[:coded]], user=resident
    )
    return saisine


def load_completed(session: Session, users: dict[str, User]) -> None:
    copil, agent = _actors(users)
    saisine = _call_for_volunteers(
        session, users, DONE_TITLE, seed=2026, households=300, letters=150, volunteers=120, coded=40,
        resident=users.get("resident_corot"),
        question="Comment mieux accompagner les jeunes de 16 à 25 ans des quartiers vers la formation et l'emploi ?",
        context="Dans les quartiers prioritaires de Marseille, près d'un jeune sur trois n'est ni en emploi, ni en "
                "formation. Le COPIL peut agir sur l'accueil des jeunes, les partenariats avec les entreprises et "
                "les actions financées par le contrat de ville.",
        panel_size=24, avis_deadline=date.today() + timedelta(days=30), registration_deadline=None,
        categories=["genre", "age", "secteur", "diplome"],
    )  # fmt: skip
    work.add_document(
        session, agent, saisine, title="Contrat de ville 2024-2030 de la Métropole Aix-Marseille-Provence",
        url="https://www.ampmetropole.fr/",
    )  # fmt: skip
    draws.freeze_pool(session, agent, saisine)
    draws.fix_seed(
        session, agent, saisine,
        [("Fatou D., habitante de Frais Vallon", "7214"), ("Délégué du préfet", "3390"),
         ("Élève du lycée Saint-Exupéry", "58")],
    )  # fmt: skip
    draws.run_draw(session, agent, saisine)
    members = draws.members(session, saisine)
    draws.replace_member(session, agent, saisine, members[-1])  # one member moved away
    members = draws.members(session, saisine)

    first = work.plan_meeting(
        session, agent, saisine, title="Séance 1 — Se rencontrer et comprendre la question", starts_at=_at(42, 10),
        place="Cité des associations, 93 La Canebière, 13001 Marseille (métro Noailles)",
        agenda="Accueil et présentation du panel.\nLa question du COPIL expliquée par la Mission locale.\n"
               "Travail en petits groupes : ce que vivent les jeunes que nous connaissons.",
    )  # fmt: skip
    second = work.plan_meeting(
        session, agent, saisine, title="Séance 2 — Rencontrer des acteurs et écrire les recommandations",
        starts_at=_at(21, 10), place="Centre social Malpassé, 13013 Marseille (bus 38)",
        agenda="Échanges avec France Travail, une entreprise et une association.\nRédaction des recommandations.\n"
               "Vote des recommandations.",
    )  # fmt: skip
    ids = [m.id or 0 for m in members]
    work.record_attendance(
        session,
        agent,
        saisine,
        first,
        ids[:21],
        "21 membres présents. La Mission locale a "
        "présenté ses chiffres. Trois sujets sont sortis : l'accueil, les stages, la mobilité.",
    )
    work.record_attendance(
        session,
        agent,
        saisine,
        second,
        ids[1:23],
        "Deux groupes ont écrit quatre recommandations, votées en fin de séance.",
    )
    groups = [
        work.create_group(session, agent, saisine, name="Formation et accueil des jeunes", topic="Où trouver de l'aide ?"),
        work.create_group(session, agent, saisine, name="Entreprises et mobilité", topic="Stages, alternance, transport."),
    ]  # fmt: skip
    work.set_group_members(session, saisine, groups[0], ids[::2])
    work.set_group_members(session, saisine, groups[1], ids[1::2])
    for title, group, text, (pour, contre, abstention) in RECOMMENDATIONS:
        rec = recommendations.draft(session, agent, saisine, title=title, text=text, group=groups[group])
        recommendations.open_vote(session, agent, saisine, rec)
        votes = ["pour"] * pour + ["contre"] * contre + ["abstention"] * abstention
        for member, choice in zip(members, votes, strict=False):
            recommendations.cast_vote(session, saisine, rec, member, choice, agent)
        recommendations.close_vote(session, agent, saisine, rec)
    recommendations.publish_avis(
        session, agent, saisine,
        "Pendant deux séances, 24 habitantes et habitants tirés au sort dans les quartiers de Marseille ont "
        "travaillé sur la question du COPIL. Ils ont rencontré des professionnels de l'emploi et écrit ensemble "
        "leurs recommandations. Voici celles que l'assemblée a adoptées.",
    )  # fmt: skip
    adopted = recommendations.recommendations(session, saisine, "adopted")
    for rec, (decision, reasons, follow_ups) in zip(adopted, ANSWERS, strict=False):
        recommendations.answer(session, copil, saisine, rec, decision, reasons)
        for status, text in follow_ups:
            recommendations.add_follow_up(session, agent, saisine, rec, status, text)


def load_open(session: Session, users: dict[str, User]) -> None:
    _call_for_volunteers(
        session, users, OPEN_TITLE, seed=13, households=200, letters=80, volunteers=15, coded=6,
        question="Comment rendre les espaces publics des quartiers plus sûrs et plus agréables, de jour comme de nuit ?",
        context="Éclairage, bancs, jeux, présence humaine le soir : le COPIL veut savoir ce qui compte le plus pour "
                "les habitantes et les habitants, et dans quel ordre agir.",
        panel_size=30, avis_deadline=date.today() + timedelta(days=150),
        registration_deadline=date.today() + timedelta(days=40), categories=["genre", "age", "secteur"],
    )  # fmt: skip


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    users: dict[str, User] = ctx["users"]
    if _existing(session, DONE_TITLE) is None:
        load_completed(session, users)
    if _existing(session, OPEN_TITLE) is None:
        load_open(session, users)
