"""Fixing the seed from values read out by witnesses at a public session, before the draw."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from backend.assembly import sortition
from backend.assembly.models import Draw, Saisine, SaisineStatus
from backend.assembly.service.common import enter_phase
from backend.assembly.service.draws.pool import draw_facts, get_draw
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

MIN_PUBLIC_VALUES = 2


def clean_public_values(values: Sequence[tuple[str, str]]) -> list[dict[str, str]]:
    """Witnesses' values, in the order they were read out; each needs a value, labels are optional."""
    rows = [
        {"label": " ".join(label.split())[:120], "value": " ".join(value.split())[:60]}
        for label, value in values
        if label.strip() or value.strip()
    ]
    for index, row in enumerate(rows, start=1):
        if not row["value"]:
            raise Invalid(_("Le témoin n° {i} n'a pas de valeur.").format(i=index), field="values")
        if not row["label"]:
            row["label"] = _("Témoin {i}").format(i=index)
    if len(rows) < MIN_PUBLIC_VALUES:
        raise Invalid(
            _("Il faut au moins {n} valeurs données par des témoins différents.").format(n=MIN_PUBLIC_VALUES),
            field="values",
        )
    return rows


def fix_seed(session: Session, actor: ActorRef, saisine: Saisine, values: Sequence[tuple[str, str]]) -> Draw:
    """Fix the seed from values read out by witnesses at a public session, after the pool was frozen.
    Journaled with the pool's hash before the draw, so that anyone can re-run it."""
    draw = get_draw(session, saisine)
    if saisine.status != SaisineStatus.pool_frozen or draw is None or draw.seed is not None:
        if saisine.status == SaisineStatus.recruiting:
            raise Conflict(_("Figez d'abord la liste des volontaires : la graine se fixe après."))
        raise Conflict(_("La graine de ce tirage est déjà fixée."))
    public = clean_public_values(values)
    draw.public_inputs = public
    draw.seed = sortition.derive_seed([row["value"] for row in public])
    draw.seed_fixed_by = actor.id
    draw.seed_fixed_at = utcnow()
    reason = _(
        "Graine du tirage au sort fixée en public à partir de {n} valeurs de témoins, avant le tirage, "
        "pour la liste figée de {v} volontaires (empreinte du fichier {h})."
    ).format(n=len(public), v=draw.volunteer_count, h=draw.pool_file_sha256[:12])
    payload = {
        "public_inputs": public,
        "seed": draw.seed,
        "seed_derivation": 'sha256(json(["qp-sortition-seed-v1", value1, value2, ...]))',
        **draw_facts(saisine, draw),
    }
    enter_phase(session, actor, saisine, SaisineStatus.seed_fixed, "seed_fixed", reason, payload, (draw,))
    return draw
