"""Demo: follow-ups for the projects the other demos decided (granted FPH actions, and the winning
budget projects once a vote has been counted), with statuses, milestones, one photo and a
resident following a project. Idempotent: a decision that already has a follow-up is left alone.

Everything goes through the services, so the journal tells the same story as the pages.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from backend.accounts.models import Role, User
from backend.config import Settings
from backend.ledger.service import ActorRef
from backend.results import photos, service
from backend.results.followables import followables
from backend.results.models import RealisationStatus, Source
from backend.results.service import Update

# (status, progress, service, milestones as (days ago, title, text)), given in turn to the
# decisions in the order they were taken; the last plan abandons its project, with a reason.
PLANS: tuple[tuple[str, int, str, tuple[tuple[int, str, str], ...]], ...] = (
    (RealisationStatus.livre, 100, "Centre social Malpassé (association gestionnaire du FPH)", (
        (120, "Décision du comité", "Le comité d'attribution a accordé l'aide."),
        (60, "L'action a eu lieu", "150 personnes sont venues. Les photos et les factures sont au bilan."),
    )),
    (RealisationStatus.travaux, 60, "Direction des parcs et jardins", (
        (45, "Commande du matériel", "Les bacs, les outils et le récupérateur d'eau sont commandés."),
        (10, "Installation des bacs", "Les premiers bacs sont installés. Les plantations commencent au printemps."),
    )),
    (RealisationStatus.etudes, 15, "Direction des sports", (
        (20, "Étude technique", "Les services vérifient le terrain et préparent le devis."),
    )),
    (RealisationStatus.abandonne, 0, "Direction de l'espace public", (
        (30, "Étude technique", "Le terrain prévu n'appartient pas à la Ville."),
    )),
)  # fmt: skip
ABANDON_REASON = (
    "Le terrain prévu appartient au bailleur, qui a refusé les travaux. La somme revient à l'enveloppe du secteur "
    "et la table de quartier cherche un autre lieu avec les services."
)


def _photo_bytes() -> io.BytesIO:
    """A small generated picture (no file shipped): green ground, a brown bed, a blue sky."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (120, 170, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 300, 640, 480), fill=(90, 150, 80))
    for x in range(60, 600, 140):
        draw.rectangle((x, 320, x + 100, 400), fill=(130, 90, 50))
    out = io.BytesIO()
    image.save(out, format="PNG")
    out.seek(0)
    return out


def load_demo(session: Session, ctx: dict[str, Any]) -> None:
    users: dict[str, User] = ctx["users"]
    agent = ActorRef(Role.agent, users["agent"].public_id)
    today = date.today()
    items = [i for i in followables(session) if i.realisation is None]
    # FPH first (the demo always has grants), then budget winners when a count exists.
    items.sort(key=lambda i: (i.source != Source.fph, i.source_id))
    upload_dir = (ctx.get("settings") or Settings()).upload_dir
    for n, item in enumerate(items):
        status, progress, service_name, steps = PLANS[n % len(PLANS)]
        if status == RealisationStatus.abandonne and item.source == Source.fph:
            status, progress = RealisationStatus.etudes, 10  # an FPH grant is not abandoned in the demo
        realisation = service.open_realisation(session, agent, item.source, item.source_id, service_name)
        for days_ago, title, text in steps:
            photo = None
            if status == RealisationStatus.travaux and title.startswith("Installation"):
                photo = photos.store(upload_dir, _photo_bytes())
            service.add_milestone(
                session,
                agent,
                realisation,
                happened_on=today - timedelta(days=days_ago),
                title=title,
                text=text,
                photo=photo,
            )
        reason = ABANDON_REASON if status == RealisationStatus.abandonne else ""
        if status != realisation.status or progress != realisation.progress:
            service.update_realisation(
                session, agent, realisation, Update(status, progress, service_name, reason)
            )
        if n == 1 and "resident_corot" in users:
            service.subscribe(session, realisation, users["resident_corot"])
