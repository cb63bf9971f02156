"""The Marseille demo of the budget participatif. Idempotent: an edition that exists is left alone.

* « Budget participatif des quartiers 2026 » (all Marseille QPV, one envelope per secteur)
  is in its vote phase, with recevable projects in every secteur, and keeps the history of its
  dépôt and instruction: merged, rejected, non-recevable and recevable-after-changes proposals.
* « Budget participatif des quartiers 2025 » is closed, with its results (see
  :mod:`backend.budget.voting.demo`, which also adds demo voters to the 2026 vote).
* « Appel à idées 2027 » (four QPV, one envelope per QPV) is in its dépôt phase, so that the
  demo shows the rest of the path: a draft, proposals waiting for the table de quartier, one
  sent back for changes, one published, one filed in person and one hidden after reports.

Everything goes through the services, so the journal tells the same story as the screens.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from backend.accounts import service as accounts
from backend.accounts.levels import Level
from backend.accounts.models import ResidenceStatus, Role, User
from backend.budget.models import BallotRule, CountingRule, Edition, PhaseKey, ProposalStatus, TerritoryKind
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
CAN_DECIDE = """Les projets proposés par les habitants pour leur quartier.
Les projets réalisés, par votre vote, dans l'argent de votre secteur.
Le classement des projets : ceux qui ont le plus de voix passent en premier."""
CANNOT_DECIDE = """Le montant total : il est fixé par le conseil municipal.
Les projets qui ne respectent pas les règles : la mairie explique toujours pourquoi.
L'entretien et le personnel : le budget participatif paie des travaux et du matériel."""


PROPOSALS_2026 = (
    # (key, author, title, description, theme, QPV, cost, place, operating cost)
    ("basket", "resident_castellane", "Rénover le terrain de basket de la Castellane",
     "Le terrain est abîmé : le sol est cassé et les paniers tombent. On voudrait un sol neuf, deux paniers et des gradins pour les familles.",
     "Sport et loisirs", "QN01354M", 120_000, "Terrain derrière le bâtiment G", None),
    ("jeux", "resident_castellane", "Une aire de jeux pour les petits au Plan d'Aou",
     "Il n'y a rien pour les enfants de moins de 6 ans. Une aire de jeux clôturée, avec des bancs pour les parents et un peu d'ombre.",
     "Enfance et jeunesse", "QN01355M", 95_000, "Près de la place centrale", None),
    ("navette", "resident_castellane", "Une navette gratuite vers les plages de l'Estaque",
     "L'été, les familles n'ont pas de moyen simple d'aller à la mer. Une navette gratuite le week-end, de juin à septembre.",
     "Se déplacer", "QN01362I", 60_000, "", 55_000),
    ("ombre", "resident_corot", "Ombrières et fontaine au city-stade de Corot",
     "En été, on ne peut pas jouer au city-stade : il fait trop chaud. Des ombrières, une fontaine à eau et deux arbres.",
     "Sport et loisirs", "QN01342I", 85_000, "City-stade, avenue Corot", None),
    ("arbres", "resident_stbarth", "Des arbres et de l'ombre au city-stade",
     "Planter des arbres autour du city-stade de Corot pour avoir de l'ombre l'été, et mettre un point d'eau pour boire.",
     "Nature en ville", "QN01342I", 30_000, "", None),
    ("sport", "resident_corot", "Une salle de sport gratuite tenue par une association",
     "Louer une salle et payer un coach deux ans pour que les jeunes fassent du sport gratuitement le soir.",
     "Sport et loisirs", "QN01342I", 140_000, "", 120_000),
    ("jardin", "resident_phone", "Un jardin partagé au pied des tours de Frais Vallon",
     "Des bacs de culture, un cabanon à outils et un récupérateur d'eau, pour cultiver ensemble entre voisins.",
     "Nature en ville", "QN01344M", 42_000, "Pelouse entre les bâtiments C et D", None),
    ("lumiere", "resident_stbarth", "Éclairer le chemin de l'école à Saint-Barthélémy",
     "Le chemin qui mène à l'école est très sombre en hiver. Les enfants ont peur. Il faut des lampadaires tout le long.",
     "Cadre de vie et propreté", "QN01352M", 70_000, "Chemin entre la cité et l'école", None),
    ("bancs", "resident_centre1", "Bancs et tables de pique-nique au square de la Porte d'Aix",
     "Il n'y a pas assez d'endroits pour s'asseoir. Des bancs, des tables et des poubelles de tri au square.",
     "Cadre de vie et propreté", "QN01330M", 35_000, "Square de la Porte d'Aix", None),
    ("fresque", "resident_centre", "Une fresque faite avec les enfants sur le mur de l'école",
     "Un artiste du quartier et les enfants peignent ensemble le grand mur gris de l'école. La peinture et l'échafaudage sont à acheter.",
     "Culture et patrimoine", "QN01332M", 18_000, "", None),
    ("toilettes", "resident_centre", "Des toilettes publiques gratuites près du marché",
     "Il n'y a pas de toilettes publiques près du marché. Les personnes âgées et les familles en ont besoin.",
     "Solidarité", "QN01332M", 90_000, "", None),
    ("spam", "resident_centre1", "Gagnez de l'argent facilement depuis chez vous",
     "Cliquez sur mon lien pour gagner 500 euros par jour sans rien faire, offre limitée, contactez-moi vite.",
     "Solidarité", "QN01330M", 1, "", None),
    ("parcours", "resident_airbel", "Un parcours sportif le long de l'Huveaune",
     "Des agrès de sport en plein air le long de la rivière, avec des panneaux qui expliquent les exercices.",
     "Sport et loisirs", "QN01338I", 75_000, "Berges de l'Huveaune, côté Air Bel", None),
    ("livres", "resident_airbel", "Boîtes à livres et bancs à La Cayolle",
     "Trois boîtes à livres en bois et des bancs autour, pour échanger des livres et se retrouver.",
     "Culture et patrimoine", "QN01334I", 12_000, "", None),
    ("parking", "resident_airbel", "Acheter le terrain vague pour faire un parking",
     "Le terrain vague à côté de la cité pourrait devenir un parking de 80 places pour les habitants.",
     "Se déplacer", "QN01338I", 900_000, "", None),
    ("loyers", "resident_airbel", "Baisser les loyers de la cité",
     "Les loyers sont trop chers pour ce qu'ils sont. Le budget participatif devrait servir à baisser les loyers.",
     "Solidarité", "QN01338I", 100_000, "", None),
)  # fmt: skip


def _actor(user: User, role: str) -> ActorRef:
    return ActorRef(role=role, id=user.public_id)


def marseille_settings(**fields: Any) -> EditionSettings:
    """The settings the demo editions share (the whole of Marseille, one envelope per secteur), then ``fields``."""
    shared: dict[str, Any] = {
        "can_decide": CAN_DECIDE,
        "cannot_decide": CANNOT_DECIDE,
        "territory_kind": TerritoryKind.commune,
        "territory_codes": ["13055"],
        "envelope_scope": "secteur",
        "themes": DEFAULT_THEMES,
        "checklist": [dict(c) for c in DEFAULT_CHECKLIST],
        "cost_cap": 150_000,
        "min_voting_age": 9,
        "ballot_rule": BallotRule.approval,
        "counting_rule": CountingRule.greedy,
    }
    return EditionSettings(**(shared | fields))


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


def _submit(
    session: Session, edition: Edition, author: User, title: str, description: str, theme: str, qpv: str, cost: int,
    place: str = "", operating: int | None = None,
) -> Any:  # fmt: skip
    data = ProposalInput(title, description, THEME[theme], qpv, place, str(cost), str(operating or ""))
    proposal = proposals.save_draft(session, edition, None, data, author=author)
    proposals.submit(session, _actor(author, Role.resident), edition, proposal, data)
    return proposal


def _edition_2026(session: Session, users: dict[str, User], hooks: PhaseHooks) -> None:
    admin = _actor(users["admin"], Role.admin)
    agent = _actor(users["agent"], Role.agent)
    corot = _actor(users["moderator_corot"], Role.moderator)
    centre = _actor(users["moderator_centre"], Role.moderator)
    settings = marseille_settings(
        name="Budget participatif des quartiers 2026",
        slug="marseille-2026",
        summary="2 millions d'euros pour des projets proposés et choisis par les habitants des 41 quartiers prioritaires de Marseille.",
        default_amount=500_000,
        operating_share_max=0.05,
        ballot_min=2,
        ballot_max=5,
        # The vote asks for a confirmed e-mail or phone (or an identity shown at a voting point).
        level_to_propose=Level.account,
        level_to_vote=Level.contact,
        report_threshold=3,
        dates={
            PhaseKey.depot: (date(2026, 1, 12), date(2026, 3, 15)),
            PhaseKey.instruction: (date(2026, 3, 16), date(2026, 10, 31)),
            PhaseKey.vote: (date(2026, 11, 9), date(2026, 12, 6)),
            PhaseKey.resultats: (date(2026, 12, 14), None),
            PhaseKey.realisation: (date(2027, 1, 4), date(2028, 12, 31)),
        },
    )
    edition = editions.create_edition(session, admin, settings)
    editions.change_phase(session, admin, edition, PhaseKey.depot, hooks=hooks)
    made = {
        key: _submit(session, edition, users[author], title, description, theme, qpv, cost, place, operating)
        for key, author, title, description, theme, qpv, cost, place, operating in PROPOSALS_2026
    }
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
    eligible = [
        (made["basket"], 118_000),
        (made["jeux"], 98_000),
        (made["ombre"], 88_000),
        (made["jardin"], 40_000),
        (made["bancs"], 32_000),
        (made["fresque"], 17_500),
        (made["parcours"], 72_000),
        (made["livres"], 9_800),
    ]
    for proposal, cost in eligible:
        instruction.instruct(session, agent, edition, proposal, answers=_answers(), decision=ProposalStatus.eligible, services_cost=cost, services_operating_cost=None)  # fmt: skip
    instruction.instruct(
        session, agent, edition, made["lumiere"], answers=_answers({"faisable": "Une partie du chemin est privée : seuls 300 mètres peuvent être éclairés."}),
        decision=ProposalStatus.eligible_after_changes, services_cost=64_000, services_operating_cost=1_500,
        changes="Lampadaires solaires sur les 300 mètres du chemin qui appartiennent à la Ville.",
    )  # fmt: skip
    instruction.instruct(
        session, agent, edition, made["sport"],
        answers=_answers({"investissement": "Louer une salle et payer un coach sont des frais de fonctionnement, pas un investissement."}),
        decision=ProposalStatus.ineligible, services_cost=None, services_operating_cost=None,
        summary="L'idée peut être présentée au Fonds de participation des habitants ou à la politique de la ville.",
    )  # fmt: skip
    instruction.instruct(
        session, agent, edition, made["navette"],
        answers=_answers({
            "competence": "Les transports relèvent de la Métropole, pas de la Ville.",
            "investissement": "Une navette, ce sont surtout des frais de fonctionnement (chauffeur, carburant).",
        }),
        decision=ProposalStatus.ineligible, services_cost=None, services_operating_cost=None,
    )  # fmt: skip
    instruction.instruct(
        session, agent, edition, made["toilettes"],
        answers=_answers({"competence": "Les toilettes publiques relèvent de la Métropole, pas de la Ville."}),
        decision=ProposalStatus.ineligible, services_cost=None, services_operating_cost=None,
        summary="La demande est transmise à la Métropole.",
    )  # fmt: skip
    instruction.instruct(
        session, agent, edition, made["parking"],
        answers=_answers({"espace-public": "Le terrain appartient à un propriétaire privé.", "plafond": "Le coût dépasse 150 000 €."}),
        decision=ProposalStatus.ineligible, services_cost=None, services_operating_cost=None,
    )  # fmt: skip
    editions.change_phase(session, admin, edition, PhaseKey.vote, hooks=hooks)


def _edition_2027(session: Session, users: dict[str, User], hooks: PhaseHooks) -> None:
    admin = _actor(users["admin"], Role.admin)
    corot = _actor(users["moderator_corot"], Role.moderator)
    centre = _actor(users["moderator_centre"], Role.moderator)
    settings = EditionSettings(
        name="Appel à idées 2027 — Nord-Est et Centre",
        slug="appel-idees-2027",
        summary="Un appel à idées dans quatre quartiers, avec une enveloppe par quartier. Déposez vos idées jusqu'au 31 janvier.",
        can_decide=CAN_DECIDE.replace("de votre secteur", "de votre quartier"),
        cannot_decide=CANNOT_DECIDE,
        territory_kind=TerritoryKind.qpv,
        territory_codes=["QN01342I", "QN01344M", "QN01332M", "QN01330M"],
        envelope_scope="qpv",
        default_amount=150_000,
        themes=DEFAULT_THEMES,
        checklist=[dict(c) for c in DEFAULT_CHECKLIST],
        cost_cap=50_000,
        operating_share_max=0.05,
        min_voting_age=11,
        ballot_rule=BallotRule.knapsack,
        ballot_min=1,
        ballot_max=None,
        counting_rule=CountingRule.equal_shares,
        level_to_propose=Level.account,
        level_to_vote=Level.residence,
        revote_allowed=True,
        report_threshold=3,
        dates={
            PhaseKey.depot: (date(2026, 11, 2), date(2027, 1, 31)),
            PhaseKey.instruction: (date(2027, 2, 1), date(2027, 4, 30)),
            PhaseKey.vote: (date(2027, 5, 10), date(2027, 6, 6)),
            PhaseKey.resultats: (date(2027, 6, 14), None),
        },
    )
    edition = editions.create_edition(session, admin, settings)
    editions.change_phase(session, admin, edition, PhaseKey.depot, hooks=hooks)
    u = users
    draft = ProposalInput(
        "Un abri à vélos fermé près du métro", "Un abri", THEME["Se déplacer"], "QN01342I", "", "", ""
    )
    proposals.save_draft(session, edition, None, draft, author=u["resident_corot"])
    _submit(session, edition, u["resident_corot"], "Des nichoirs et un hôtel à insectes au parc de Corot",
        "Installer des nichoirs pour les oiseaux et un hôtel à insectes, avec un panneau pour expliquer aux enfants.",
        "Nature en ville", "QN01342I", 6_000, "Parc de Corot")  # fmt: skip
    _submit(session, edition, u["resident_centre"], "Des jeux d'eau sur la place pour l'été",
        "Des jets d'eau au sol pour que les enfants se rafraîchissent quand il fait très chaud, avec un arrêt automatique la nuit.",
        "Enfance et jeunesse", "QN01332M", 45_000, "Place Marceau", operating=4_000)  # fmt: skip
    local = _submit(session, edition, u["resident_centre"], "Un local pour les jeunes du quartier",
        "Les jeunes n'ont pas d'endroit où se retrouver le soir. Il faudrait un local avec des animateurs.",
        "Enfance et jeunesse", "QN01332M", 40_000)  # fmt: skip
    moderation.request_changes(
        session, centre, local,
        "Précisez le lieu et ce qu'il faut acheter ou construire. Le budget participatif paie des travaux et du matériel, pas les animateurs.",
    )  # fmt: skip
    pingpong = _submit(session, edition, u["resident_phone"], "Des tables de ping-pong en béton au square",
        "Deux tables de ping-pong en béton, solides, pour jouer dehors entre voisins et avec les enfants.",
        "Sport et loisirs", "QN01344M", 9_000, "Square du bâtiment A")  # fmt: skip
    moderation.publish(session, admin, pingpong)
    cameras = _submit(session, edition, u["resident_stbarth"], "Des caméras dans toutes les entrées",
        "Mettre des caméras dans toutes les entrées des immeubles et filmer tout le monde tout le temps.",
        "Cadre de vie et propreté", "QN01342I", 48_000)  # fmt: skip
    moderation.publish(session, corot, cameras)
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
