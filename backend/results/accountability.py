"""Redevabilité: each decision traced to its public reason and its journal entry, per process
and per QPV, and the monthly digest a table de quartier can print.

Decisions are read from the journal itself (the reason residents see is the one that was
hashed), filtered to the actions that decide something; the labels say it in plain French.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.budget.models import Edition, Proposal
from backend.fph.models import Application
from backend.i18n import gettext as _
from backend.ledger.models import LedgerEntry
from backend.ledger.service import entries_for, head
from backend.results.models import Milestone, Realisation

# The actions that decide something, with what they mean for residents.
DECISIONS: dict[str, str] = {
    "bp.phase_changed": "Le budget participatif passe à une nouvelle étape",
    "bp.proposal_published": "Proposition publiée par la table de quartier",
    "bp.changes_requested": "Des modifications sont demandées à l'auteur",
    "bp.proposal_rejected": "Proposition refusée par la modération",
    "bp.proposal_merged": "Deux propositions sont regroupées",
    "bp.proposal_hidden": "Proposition masquée après des signalements",
    "bp.proposal_restored": "Proposition de nouveau visible",
    "bp.eligibility_decided": "Décision de recevabilité par la mairie",
    "bp.envelope_counted": "Votes comptés pour une enveloppe",
    "bp.ballots_published": "Bulletins anonymes publiés",
    "fph.application_granted": "Aide du FPH accordée",
    "fph.application_refused": "Aide du FPH refusée",
    "fph.application_postponed": "Demande FPH reportée",
    "fph.bilan_accepted": "Bilan d'une action FPH accepté",
    "fph.bilan_returned": "Bilan d'une action FPH à compléter",
    "assembly.saisine_created": "Le COPIL pose une question à l'assemblée citoyenne",
    "assembly.seed_fixed": "Tirage au sort : la graine publique est fixée",
    "assembly.draw_done": "Tirage au sort de l'assemblée",
    "assembly.member_replaced": "Remplacement d'un membre de l'assemblée",
    "assembly.recommendation_adopted": "Recommandation adoptée par l'assemblée",
    "assembly.recommendation_rejected": "Recommandation rejetée par l'assemblée",
    "assembly.avis_published": "Avis de l'assemblée remis au COPIL",
    "assembly.answer_given": "Réponse du COPIL à une recommandation",
    "assembly.follow_up": "Suivi d'une recommandation",
    "results.realisation_opened": "Suivi de la réalisation ouvert",
    "results.status_changed": "Un projet choisi change d'étape",
    "results.realisation_updated": "Avancement d'un projet choisi",
    "results.milestone_added": "Nouvelle étape d'un projet choisi",
}
PROCESS_DESCRIPTIONS = {
    "bp": "Les habitants proposent des projets. La mairie vérifie s'ils sont possibles. Les habitants votent. "
    "Puis la mairie réalise les projets choisis.",
    "fph": "Un comité d'habitants décide des petites aides pour les actions de quartier. Il se réunit chaque mois ou chaque trimestre.",
    "assembly": "Des habitants tirés au sort répondent à une question du COPIL. Le COPIL répond à chaque recommandation.",
}
PAGE_SIZE = 40


def decision_label(action: str) -> str:
    return _(DECISIONS[action]) if action in DECISIONS else action


@dataclass(frozen=True)
class Traced:
    entry: LedgerEntry
    label: str
    link: str | None  # the page of the object decided upon


def _links(session: Session, entries: list[LedgerEntry]) -> dict[int, str]:
    """The public page of each entry's object, looked up in one query per kind."""
    proposal_ids = {
        int(e.object_id) for e in entries if e.object_type == "bp_proposal" and e.object_id.isdigit()
    }
    application_ids = {
        int(e.object_id) for e in entries if e.object_type == "fph_application" and e.object_id.isdigit()
    }
    slugs: dict[int, str] = {}
    if proposal_ids:
        slugs = {
            int(pid): slug
            for pid, slug in session.execute(
                select(col(Proposal.id), col(Edition.slug))
                .join(Edition, col(Edition.id) == col(Proposal.edition_id))
                .where(col(Proposal.id).in_(proposal_ids))
            ).all()
        }
    funds: dict[int, int] = {}
    if application_ids:
        funds = dict(
            session.execute(
                select(col(Application.id), col(Application.fund_id)).where(
                    col(Application.id).in_(application_ids)
                )
            ).all()
        )
    out: dict[int, str] = {}
    for e in entries:
        oid = e.object_id
        if e.object_type == "bp_proposal" and oid.isdigit() and int(oid) in slugs:
            out[e.seq] = f"/budget-participatif/{slugs[int(oid)]}/propositions/{oid}"
        elif e.object_type == "bp_edition":
            out[e.seq] = f"/budget-participatif/{oid}"
        elif e.object_type == "fph_application" and oid.isdigit() and int(oid) in funds:
            out[e.seq] = f"/fph/fonds/{funds[int(oid)]}"
        elif e.object_type == "fph_meeting":
            out[e.seq] = f"/fph/comites/{oid}/releve"
        elif e.object_type == "saisine":
            out[e.seq] = f"/assemblee/{oid}"
    return out


def _trace(session: Session, entries: list[LedgerEntry]) -> list[Traced]:
    links = _links(session, entries)
    return [Traced(e, decision_label(e.action), links.get(e.seq)) for e in entries]


def decisions(
    session: Session,
    *,
    process: str | None = None,
    territory: str | None = None,
    since: str | None = None,
    until: str | None = None,
    page: int = 1,
    limit: int | None = PAGE_SIZE,
) -> tuple[list[Traced], int]:
    """Decisions, newest first, with the total count (for pages)."""
    query = select(LedgerEntry).where(col(LedgerEntry.action).in_(list(DECISIONS)))
    if process:
        query = query.where(col(LedgerEntry.process) == process)
    if territory:
        query = query.where(col(LedgerEntry.territory) == territory)
    if since:
        query = query.where(col(LedgerEntry.at) >= since)
    if until:
        query = query.where(col(LedgerEntry.at) < until)
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    query = query.order_by(col(LedgerEntry.seq).desc())
    if limit is not None:
        query = query.offset((max(page, 1) - 1) * limit).limit(limit)
    return _trace(session, list(session.scalars(query))), total


def counts_by_action(
    session: Session, *, process: str | None = None, territory: str | None = None
) -> list[tuple[str, int]]:
    query = (
        select(col(LedgerEntry.action), func.count())
        .where(col(LedgerEntry.action).in_(list(DECISIONS)))
        .group_by(col(LedgerEntry.action))
    )
    if process:
        query = query.where(col(LedgerEntry.process) == process)
    if territory:
        query = query.where(col(LedgerEntry.territory) == territory)
    rows = {a: int(n) for a, n in session.execute(query).all()}
    return [(decision_label(a), rows[a]) for a in DECISIONS if a in rows]


def follow_up_history(session: Session, realisation: Realisation) -> list[Traced]:
    """The follow-up's own journal entries (on the originating object), oldest first."""
    from backend.results.service import OBJECT_TYPES

    entries = entries_for(session, OBJECT_TYPES[realisation.source], realisation.source_id)  # type: ignore[index]
    return _trace(session, [e for e in entries if e.action.startswith("results.")])


# --- monthly digest -----------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[str, str]:
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return start.isoformat(), end.isoformat()


@dataclass
class Digest:
    year: int
    month: int
    territory: str | None
    by_process: dict[str, list[Traced]]
    milestones: list[tuple[Milestone, Realisation]]
    head_count: int
    head_hash: str

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.by_process.values())


def digest(session: Session, year: int, month: int, territory: str | None = None) -> Digest:
    """What was decided in a month (optionally in one QPV), and what moved on the ground."""
    since, until = month_bounds(year, month)
    traced, _total = decisions(session, territory=territory, since=since, until=until, limit=None)
    by_process: dict[str, list[Traced]] = defaultdict(list)
    for t in reversed(traced):  # oldest first, like a letter tells it
        by_process[t.entry.process].append(t)
    query = (
        select(Milestone, Realisation)
        .join(Realisation, col(Realisation.id) == col(Milestone.realisation_id))
        .where(
            col(Milestone.happened_on) >= date.fromisoformat(since),
            col(Milestone.happened_on) < date.fromisoformat(until),
        )
        .order_by(col(Milestone.happened_on))
    )
    rows = [(m, r) for m, r in session.execute(query).all()]
    if territory:
        from backend.territory.models import Qpv

        qpv_id = session.scalar(select(col(Qpv.id)).where(col(Qpv.code) == territory))
        rows = [(m, r) for m, r in rows if r.qpv_id == qpv_id]
    count, head_hash = head(session)
    return Digest(year, month, territory, dict(by_process), rows, count, head_hash)
