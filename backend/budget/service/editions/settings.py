"""An edition's settings: validated, applied at creation and changed while the phase allows it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from backend.accounts.levels import Level
from backend.budget import phases, trust
from backend.budget.models import (
    BallotRule,
    CountingRule,
    Edition,
    EditionPhase,
    Envelope,
    EnvelopeScope,
    PhaseKey,
    Proposal,
    TerritoryKind,
)
from backend.budget.rules import slugify
from backend.budget.service.editions.common import calendar, journal_edition, require_configurable
from backend.budget.service.editions.envelopes import envelope_targets, envelopes
from backend.errors import Conflict, Invalid
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Commune, Secteur
from backend.territory.service import qpv_refs


@dataclass
class EditionSettings:
    """Everything an administrator sets; views parse the form into this."""

    name: str
    territory_kind: str
    territory_codes: list[str]
    envelope_scope: str
    slug: str = ""
    summary: str = ""
    can_decide: str = ""
    cannot_decide: str = ""
    default_amount: int = 0
    themes: list[dict[str, str]] = field(default_factory=list)
    checklist: list[dict[str, str]] = field(default_factory=list)
    cost_cap: int = 150_000
    operating_share_max: float = 0.05
    min_voting_age: int = 16
    ballot_rule: str = BallotRule.approval
    ballot_min: int = 1
    ballot_max: int | None = 5
    counting_rule: str = CountingRule.greedy
    counting_threshold: float | None = None
    level_to_propose: int = Level.account
    level_to_support: int = Level.account
    level_to_vote: int = Level.account
    revote_allowed: bool = False
    report_threshold: int = 3
    dates: dict[str, tuple[date | None, date | None]] = field(default_factory=dict)


def _territory_targets(session: Session, kind: str, codes: list[str]) -> None:
    if not codes:
        raise Invalid(_("Choisissez le territoire de l'édition."), field="territory")
    if kind == TerritoryKind.commune:
        known = set(session.exec(select(Commune.insee).where(col(Commune.insee).in_(codes))).all())
    elif kind == TerritoryKind.secteur:
        known = set(session.exec(select(Secteur.slug).where(col(Secteur.slug).in_(codes))).all())
    elif kind == TerritoryKind.qpv:
        known = {r.code for r in qpv_refs(session).values() if r.code in codes}
    else:
        raise Invalid(_("Type de territoire inconnu."), field="territory")
    missing = [c for c in codes if c not in known]
    if missing:
        raise Invalid(_("Territoire inconnu : %(codes)s.") % {"codes": ", ".join(missing)}, field="territory")


def validate_settings(session: Session, s: EditionSettings) -> None:
    """Refuse inconsistent settings with a message naming the field."""
    s.name = " ".join(s.name.split())
    if not 3 <= len(s.name) <= 160:
        raise Invalid(_("Donnez un nom à l'édition (3 à 160 caractères)."), field="name")
    s.slug = slugify(s.slug or s.name, 80)
    if not s.slug:
        raise Invalid(_("L'adresse de la page doit contenir des lettres ou des chiffres."), field="slug")
    _territory_targets(session, s.territory_kind, s.territory_codes)
    if s.envelope_scope not in set(EnvelopeScope):
        raise Invalid(_("Choisissez une enveloppe par quartier ou par secteur."), field="envelope_scope")
    if s.cost_cap <= 0:
        raise Invalid(_("Le plafond par projet doit être supérieur à zéro."), field="cost_cap")
    if not 0 <= s.operating_share_max <= 1:
        raise Invalid(
            _("La part de fonctionnement est un pourcentage entre 0 et 100."), field="operating_share_max"
        )
    if not 0 <= s.min_voting_age <= 30:
        raise Invalid(_("L'âge minimum pour voter doit être entre 0 et 30 ans."), field="min_voting_age")
    if not 1 <= s.report_threshold <= 100:
        raise Invalid(_("Le nombre de signalements doit être entre 1 et 100."), field="report_threshold")
    if s.default_amount < 0:
        raise Invalid(_("Le montant d'une enveloppe ne peut pas être négatif."), field="default_amount")
    if s.ballot_rule not in set(BallotRule):
        raise Invalid(_("Choisissez une règle de vote."), field="ballot_rule")
    if s.counting_rule not in set(CountingRule):
        raise Invalid(_("Choisissez une règle de comptage."), field="counting_rule")
    for act in trust.ACTS:
        if not trust.is_level(getattr(s, f"level_to_{act}")):
            raise Invalid(_("Choisissez ce qu'il faut pour participer."), field=f"level_to_{act}")
    if s.ballot_min < 0 or (s.ballot_max is not None and s.ballot_max < max(1, s.ballot_min)):
        raise Invalid(
            _("Le nombre maximum de projets doit être au moins égal au minimum."), field="ballot_max"
        )
    mj_ballot = s.ballot_rule == BallotRule.majority_judgment
    mj_count = s.counting_rule == CountingRule.majority_judgment
    if mj_ballot != mj_count:
        raise Invalid(
            _("Le jugement majoritaire se choisit à la fois comme règle de vote et comme règle de comptage."),
            field="counting_rule",
        )
    if s.counting_rule == CountingRule.greedy_threshold and not s.counting_threshold:
        raise Invalid(
            _("Indiquez le nombre de voix minimum d'un projet (règle avec seuil)."),
            field="counting_threshold",
        )
    previous: date | None = None
    for key in phases.ORDER:
        start, end = s.dates.get(key, (None, None))
        if start and end and end < start:
            raise Invalid(
                _("La fin d'une phase doit venir après son début (%(p)s).") % {"p": phases.label(key)},
                field=f"start-{key}",
            )
        if start and previous and start < previous:
            raise Invalid(
                _("Les phases doivent se suivre dans l'ordre du calendrier (%(p)s).")
                % {"p": phases.label(key)},
                field=f"start-{key}",
            )
        previous = start or previous
    keys = [t["key"] for t in s.themes]
    if len(keys) != len(set(keys)):
        raise Invalid(_("Deux thèmes ont le même nom."), field="themes")
    keys = [c["key"] for c in s.checklist]
    if len(keys) != len(set(keys)):
        raise Invalid(_("Deux critères ont le même nom."), field="checklist")


def _apply(edition: Edition, s: EditionSettings) -> None:
    for name in (
        "name", "slug", "summary", "can_decide", "cannot_decide", "territory_kind", "envelope_scope", "themes",
        "checklist", "cost_cap", "operating_share_max", "min_voting_age", "ballot_rule", "ballot_min", "ballot_max",
        "counting_rule", "counting_threshold", "level_to_propose", "level_to_support", "level_to_vote", "revote_allowed",
        "report_threshold",
    ):  # fmt: skip
        setattr(edition, name, getattr(s, name))
    edition.territory_codes = ",".join(s.territory_codes)


def _add_envelopes(session: Session, edition: Edition, amount: int) -> None:
    """One envelope per QPV or secteur of the edition's territory, each with ``amount`` euros."""
    for code, label in envelope_targets(session, edition):
        session.add(
            Envelope(
                edition_id=_id(edition),
                scope_kind=edition.envelope_scope,
                scope_code=code,
                label=label,
                amount=amount,
            )
        )


def _save_calendar(
    session: Session, edition: Edition, dates: dict[str, tuple[date | None, date | None]]
) -> None:
    existing = {row.phase: row for row in calendar(session, edition)}
    for key in phases.ORDER:
        start, end = dates.get(key, (None, None))
        row = existing.get(key)
        if start is None:
            if row is not None:
                session.delete(row)
            continue
        row = row or EditionPhase(edition_id=edition.id, phase=key, starts_on=start)
        row.starts_on, row.ends_on = start, end
        session.add(row)


def _settings_payload(edition: Edition) -> dict[str, Any]:
    return {
        "territory": {"kind": edition.territory_kind, "codes": edition.codes},
        "envelope_scope": edition.envelope_scope,
        "cost_cap": edition.cost_cap,
        "operating_share_max": edition.operating_share_max,
        "min_voting_age": edition.min_voting_age,
        "ballot": {"rule": edition.ballot_rule, "min": edition.ballot_min, "max": edition.ballot_max},
        "counting": {"rule": edition.counting_rule, "threshold": edition.counting_threshold},
        "levels": {
            "propose": edition.level_to_propose,
            "support": edition.level_to_support,
            "vote": edition.level_to_vote,
        },
        "revote_allowed": edition.revote_allowed,
        "themes": [t["key"] for t in edition.themes],
        "checklist": [c["key"] for c in edition.checklist],
        "report_threshold": edition.report_threshold,
    }


# The journal's reason for each kind of save, translated when it is written.
_SAVE_REASONS = {
    "edition_created": N_("Budget participatif « %(name)s » créé, en préparation."),
    "edition_updated": N_("Règles du budget participatif « %(name)s » modifiées."),
}


def _save_and_journal(
    session: Session,
    actor: ActorRef,
    edition: Edition,
    s: EditionSettings,
    *,
    new_envelopes: bool,
    action: str,
) -> None:
    """Apply the settings, with one new envelope per QPV or secteur when ``new_envelopes`` (those
    there were go), save the calendar, then journal the settings as they now stand under ``action``."""
    _apply(edition, s)
    session.add(edition)
    if new_envelopes:
        session.flush()
        for envelope in envelopes(session, edition):
            session.delete(envelope)
        session.flush()
        _add_envelopes(session, edition, s.default_amount)
    _save_calendar(session, edition, s.dates)
    session.flush()
    reason = _(_SAVE_REASONS[action]) % {"name": edition.name}
    journal_edition(session, actor, edition, action, reason, _settings_payload(edition))


def create_edition(session: Session, actor: ActorRef, s: EditionSettings) -> Edition:
    """A new edition in preparation, with one envelope per QPV or secteur; journaled."""
    validate_settings(session, s)
    if session.exec(select(Edition.id).where(Edition.slug == s.slug)).first() is not None:
        raise Conflict(
            _("Une édition utilise déjà cette adresse de page : changez le nom ou l'adresse."), field="slug"
        )
    edition = Edition(
        name=s.name, slug=s.slug, territory_kind=s.territory_kind, territory_codes="", envelope_scope=s.envelope_scope,
        created_by=actor.id,
    )  # fmt: skip
    _save_and_journal(session, actor, edition, s, new_envelopes=True, action="edition_created")
    return edition


def update_edition(session: Session, actor: ActorRef, edition: Edition, s: EditionSettings) -> None:
    """Change the settings while the phase allows it; what proposals rely on stays locked."""
    require_configurable(edition)
    validate_settings(session, s)
    if s.slug != edition.slug:
        s.slug = edition.slug  # addresses already shared stay valid
    has_proposals = (
        session.exec(select(Proposal.id).where(Proposal.edition_id == edition.id).limit(1)).first()
        is not None
    )
    territory_changed = (s.territory_kind, s.territory_codes, s.envelope_scope) != (
        edition.territory_kind, edition.codes, edition.envelope_scope
    )  # fmt: skip
    if territory_changed and has_proposals:
        raise Conflict(
            _("Des propositions existent déjà : le territoire et les enveloppes ne peuvent plus changer."),
            field="territory",
        )
    removed = {t["key"] for t in edition.themes} - {t["key"] for t in s.themes}
    if removed and has_proposals:
        used = session.exec(
            select(Proposal.theme)
            .where(Proposal.edition_id == edition.id, col(Proposal.theme).in_(removed))
            .limit(1)
        ).first()
        if used:
            raise Conflict(_("Un thème retiré est utilisé par des propositions : gardez-le."), field="themes")
    if edition.phase == PhaseKey.instruction and [c["key"] for c in s.checklist] != [
        c["key"] for c in edition.checklist
    ]:
        raise Conflict(
            _("L'étude de recevabilité a commencé : la liste des critères ne change plus."), field="checklist"
        )
    _save_and_journal(session, actor, edition, s, new_envelopes=territory_changed, action="edition_updated")


def _id(obj: Edition) -> int:
    assert obj.id is not None
    return obj.id
