"""Demo: the Malpassé Corot fund with its committee, two past meetings with published minutes,
an upcoming one, and applications in every state (draft, submitted, postponed, granted with an
overdue bilan, granted with a bilan to review, refused, withdrawn, closed). Idempotent.

The applications are data (data/demo.json); everything goes through the services, so the public
journal tells the same story as the data.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.config import Settings
from backend.demo import settle
from backend.formatting import PARIS
from backend.fph.models import Application, Fund, FundQpv, Meeting, MemberKind, VoteChoice
from backend.fph.service import applications as apps
from backend.fph.service import committee, funds, payments
from backend.fph.service import minutes as minutes_service
from backend.fph.service.applications import ApplicationInput, PersonInput
from backend.fph.service.common import paris_today
from backend.fph.uploads import CleanFile
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv

QPV = "QN01342I"
DATA = Path(__file__).parent / "data" / "demo.json"
PASSWORD = "quartiers2026"  # noqa: S105 - the demo password printed by `qp demo`
# A minimal, valid PDF: the demo's receipt.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PEOPLE = {
    # key: (identifier, name, residence)
    "comite2": ("comite2.fph@demo.quartiers.fr", "Mohamed K.", ResidenceStatus.verified),
    "comite3": ("comite3.fph@demo.quartiers.fr", "Lucie P.", ResidenceStatus.verified),
    "gestion": ("gestion.fph@demo.quartiers.fr", "Centre social Malpassé (FPH)", ResidenceStatus.none),
    "yacine": ("yacine@demo.quartiers.fr", "Yacine M.", ResidenceStatus.verified),
    "rose": ("rose@demo.quartiers.fr", "Rose L.", ResidenceStatus.verified),
    "sabrina": ("07 98 76 54 32", "Sabrina O.", ResidenceStatus.declared),
}


def _person(session: Session, qpv: Qpv, identifier: str, name: str, residence: str) -> User:
    user = accounts.find_by_identifier(session, identifier)
    if user is None:
        user = accounts.register(
            session, identifier=identifier, password=PASSWORD, display_name=name, birth_year=1980
        )
        if residence != ResidenceStatus.none:
            settle(user, qpv, residence)
        session.add(user)
        session.flush()
    return user


def _at(day: date, hour: int = 18) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=PARIS)


def demo_applications() -> dict[str, dict[str, Any]]:
    """The demo applications of data/demo.json; ``action`` is [a meeting's day (d0, d1, d2), days after it]."""
    return dict(json.loads(DATA.read_text(encoding="utf-8"))["applications"])


def _apply(
    session: Session,
    fund: Fund,
    people: dict[str, User],
    days: dict[str, date],
    key: str,
    on_behalf: apps.OnBehalf | None = None,
) -> Application:
    spec = demo_applications()[key]
    day, after = spec["action"]
    association = spec.get("association", "")
    data = ApplicationInput(
        holder_kind="association" if association else "group",
        association_name=association,
        title=spec["title"],
        description=spec["description"],
        audience=spec["audience"],
        place=spec["place"],
        action_date=days[day] + timedelta(days=after),
        amount_cents=spec["asked"],
        lines=[("expense", label, c) for label, c in spec["expenses"]]
        + [("resource", label, c) for label, c in spec.get("resources", [])],
        people=[
            PersonInput(identifier=people[k].email or people[k].phone or "") for k in spec.get("others", [])
        ],
    )
    author = people[spec["author"]]
    return apps.save_application(session, fund=fund, author=author, data=data, on_behalf=on_behalf)


def _resident(user: User) -> ActorRef:
    return ActorRef(role="resident", id=user.public_id)


def _committee(user: User) -> ActorRef:
    return ActorRef(role="fph_committee", id=user.public_id)


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    users: dict[str, User] = ctx["users"]
    today = paris_today()
    year = (today - timedelta(days=120)).year
    qpv = session.exec(select(Qpv).where(Qpv.code == QPV)).one()
    existing = session.exec(
        select(Fund)
        .join(FundQpv, col(FundQpv.fund_id) == Fund.id)
        .where(FundQpv.qpv_id == qpv.id, FundQpv.year == year)
    ).first()
    if existing is not None:
        ctx["fph_fund"] = existing
        return

    people = {key: _person(session, qpv, *spec) for key, spec in PEOPLE.items()}
    admin = ActorRef(role="admin", id=users["admin"].public_id)
    fund = funds.create_fund(
        session,
        admin,
        funds.FundSettings(
            name=f"FPH Malpassé Corot {year}",
            year=year,
            envelope_cents=1_000_000,
            association_name="Centre social Malpassé",
            association_contact="fph@centre-social-malpasse.example — 04 91 00 00 00",
        ),
        [QPV],
    )
    ctx["fph_fund"] = fund
    voters = [users["fph"], people["comite2"], people["comite3"]]
    for user in voters:
        funds.add_member(session, admin, fund, kind=MemberKind.resident, user=user)
    gestion_user = people["gestion"]
    funds.add_member(session, admin, fund, kind=MemberKind.gestionnaire, user=gestion_user)
    for label in ("Ville de Marseille — Politique de la ville", "13 Habitat (bailleur)", "Délégué du préfet"):
        funds.add_member(session, admin, fund, kind=MemberKind.institution, label=label)
    gestion = _committee(gestion_user)

    d0, d1, d2 = today - timedelta(days=120), today - timedelta(days=40), today + timedelta(days=20)
    m0 = funds.schedule_meeting(session, gestion, fund, _at(d0), "Centre social Malpassé, salle polyvalente")
    m1 = funds.schedule_meeting(session, gestion, fund, _at(d1), "Centre social Malpassé, salle polyvalente")
    m2 = funds.schedule_meeting(session, gestion, fund, _at(d2), "Maison pour tous Corot")
    members = {m.user_id: m for m in funds.active_members(session, fund.id)}
    moderator = users["moderator_corot"]
    who = people | {"amina": users["resident_corot"], "moderator": moderator}
    amina, yacine, rose = who["amina"], who["yacine"], who["rose"]
    days = {"d0": d0, "d1": d1, "d2": d2}
    settings = ctx.get("settings") or Settings()

    def hear(
        meeting: Meeting,
        application: Application,
        votes: list[str],
        outcome: str,
        amount: int | None,
        reason: str,
    ) -> None:
        item = committee.add_to_agenda(session, gestion, meeting, application, invited=True)
        for user, choice in zip(voters, votes, strict=False):
            committee.record_vote(
                session,
                recorded_by=_committee(user),
                item=item,
                member=members[user.id],
                choice=choice,
                has_committee_role=True,
            )
        committee.decide(session, gestion, item, outcome=outcome, amount_cents=amount, reason=reason)

    def pay(application: Application, cents: int, day: date, ref: str) -> None:
        payments.record_payment(
            session, gestion, application, amount_cents=cents, paid_on=day, reference=ref, today=today
        )

    # --- first meeting, four months ago: one grant whose bilan is now overdue -----------------
    tournoi = _apply(session, fund, who, days, "tournoi")
    apps.submit(session, _resident(people["yacine"]), tournoi, d0 - timedelta(days=10))
    hear(m0, tournoi, [VoteChoice.pour, VoteChoice.pour, VoteChoice.abstention], "granted", 80_000,
         "Action ouverte à tous les jeunes du quartier, budget clair.")  # fmt: skip
    minutes_service.publish_minutes(session, gestion, m0)
    pay(tournoi, 64_000, d0 + timedelta(days=3), "VIR-2026-014")

    # --- second meeting, forty days ago: granted, refused, postponed -------------------------
    fete = _apply(session, fund, who, days, "fete")
    jardin = _apply(session, fund, who, days, "jardin")
    sortie = _apply(session, fund, who, days, "sortie")
    sono = _apply(session, fund, who, days, "sono")
    for application, lead in ((fete, amina), (jardin, rose), (sortie, rose), (sono, yacine)):
        apps.submit(session, _resident(lead), application, d1 - timedelta(days=10))
    hear(m1, fete, [VoteChoice.pour, VoteChoice.pour, VoteChoice.pour], "granted", 100_000,
         "Belle action de voisinage. Le comité accorde 1 000 € : les jeux gonflables peuvent coûter moins cher.")  # fmt: skip
    hear(m1, jardin, [VoteChoice.pour, VoteChoice.pour, VoteChoice.contre], "granted", 65_000,
         "Projet durable et ouvert à tous les habitant·es.")  # fmt: skip
    hear(m1, sortie, [], "postponed", None, "le devis du car et la liste des familles intéressées.")
    hear(m1, sono, [VoteChoice.contre, VoteChoice.contre, VoteChoice.abstention], "refused", None,
         "Le fonds ne paie pas le matériel d'une association pour elle-même : ce sont des frais de fonctionnement.")  # fmt: skip
    minutes_service.publish_minutes(session, gestion, m1)
    pay(fete, 80_000, d1 + timedelta(days=2), "VIR-2026-031")
    pay(jardin, 52_000, d1 + timedelta(days=2), "VIR-2026-032")

    # The fête happened: bilan sent, accepted, balance paid — the file is closed.
    receipt = CleanFile(DEMO_PDF, "application/pdf", "pdf", "factures-fete.pdf")
    payments.submit_bilan(
        session, _resident(amina), fete,
        narrative="Environ 150 personnes sont venues. Les enfants ont adoré les jeux ; le repas partagé a bien marché.",
        participants=150, actual_expenses_cents=128_000, receipts=[receipt], photos=[], upload_dir=settings.upload_dir,
    )  # fmt: skip
    payments.review_bilan(session, gestion, fete, accept=True, reason="Factures complètes.")
    pay(fete, 20_000, today - timedelta(days=3), "VIR-2026-047")
    # The jardin is done too: its bilan waits for the association's review.
    payments.submit_bilan(
        session, _resident(rose), jardin,
        narrative="Les bacs sont installés, douze familles jardinent. Les enfants de l'école sont venus planter.",
        participants=35, actual_expenses_cents=74_000,
        receipts=[CleanFile(DEMO_PDF, "application/pdf", "pdf", "factures-jardin.pdf")], photos=[],
        upload_dir=settings.upload_dir,
    )  # fmt: skip

    # --- the next meeting, in three weeks: one application on the agenda ---------------------
    velo = _apply(session, fund, who, days, "velo")
    apps.submit(session, _resident(amina), velo, today)
    committee.add_to_agenda(session, gestion, m2, velo, invited=True)
    # Filed in person by the table de quartier, not yet on an agenda.
    filer = ActorRef("moderator", moderator.public_id)
    repas = _apply(session, fund, who, days, "repas", on_behalf=apps.OnBehalf(filer=filer))
    apps.submit(session, filer, repas, today)
    # A withdrawn one and a draft.
    loto = _apply(session, fund, who, days, "loto")
    apps.submit(session, _resident(yacine), loto, today)
    apps.withdraw(session, _resident(yacine), loto)
    _apply(session, fund, who, days, "cinema")
