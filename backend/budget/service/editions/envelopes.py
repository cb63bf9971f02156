"""An edition's territory and envelopes: which QPV it covers, one envelope per QPV or secteur, amounts."""

from __future__ import annotations

from sqlmodel import Session, select

from backend.budget.models import Edition, Envelope, EnvelopeScope, TerritoryKind
from backend.budget.service.editions.common import journal_edition, require_configurable
from backend.errors import Invalid
from backend.formatting import format_euros
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import QpvRef, Secteur
from backend.territory.service import qpv_refs


def qpv_in_edition(edition: Edition, ref: QpvRef) -> bool:
    codes = edition.codes
    if edition.territory_kind == TerritoryKind.commune:
        return any(c in codes for c in ref.commune_insee)
    if edition.territory_kind == TerritoryKind.secteur:
        return ref.secteur_slug is not None and ref.secteur_slug in codes
    return ref.code in codes


def edition_qpvs(session: Session, edition: Edition) -> list[QpvRef]:
    """The QPV of the edition's territory, by name."""
    return sorted((r for r in qpv_refs(session).values() if qpv_in_edition(edition, r)), key=lambda r: r.name)


def envelopes(session: Session, edition: Edition) -> list[Envelope]:
    return list(
        session.exec(select(Envelope).where(Envelope.edition_id == edition.id).order_by(Envelope.label)).all()
    )


def envelope_code(edition: Edition, ref: QpvRef) -> str | None:
    return ref.code if edition.envelope_scope == EnvelopeScope.qpv else ref.secteur_slug


def envelope_for(session: Session, edition: Edition, ref: QpvRef) -> Envelope | None:
    code = envelope_code(edition, ref)
    if code is None:
        return None
    return session.exec(
        select(Envelope).where(Envelope.edition_id == edition.id, Envelope.scope_code == code)
    ).first()


def envelope_targets(session: Session, edition: Edition) -> list[tuple[str, str]]:
    """(scope code, label) of the envelopes the territory needs."""
    refs = edition_qpvs(session, edition)
    if edition.envelope_scope == EnvelopeScope.qpv:
        return [(r.code, r.name) for r in refs]
    names = {s.slug: s.name for s in session.exec(select(Secteur)).all()}
    missing = [r.name for r in refs if r.secteur_slug is None]
    if missing:
        raise Invalid(
            _("Ces quartiers n'ont pas de secteur : %(names)s. Choisissez une enveloppe par quartier.")
            % {"names": ", ".join(missing)},
            field="envelope_scope",
        )
    slugs = sorted({r.secteur_slug for r in refs if r.secteur_slug})
    return [(slug, names.get(slug, slug)) for slug in slugs]


def set_envelope_amounts(
    session: Session, actor: ActorRef, edition: Edition, amounts: dict[int, int]
) -> None:
    """Change envelope amounts (euros) while the phase allows it; journaled."""
    require_configurable(edition)
    changed = {}
    for envelope in envelopes(session, edition):
        amount = amounts.get(envelope.id)
        if amount is None or amount == envelope.amount:
            continue
        if amount < 0:
            raise Invalid(
                _("Le montant d'une enveloppe ne peut pas être négatif."), field=f"envelope-{envelope.id}"
            )
        changed[envelope.scope_code] = {"from": envelope.amount, "to": amount}
        envelope.amount = amount
        session.add(envelope)
    if not changed:
        return
    session.flush()
    total = sum(e.amount for e in envelopes(session, edition))
    journal_edition(
        session,
        actor,
        edition,
        "envelopes_updated",
        _("Enveloppes modifiées : %(total)s au total.") % {"total": format_euros(total)},
        {"envelopes": changed},
    )
