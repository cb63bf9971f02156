"""Read-only queries over the other domains' tables, each a small aggregate (GROUP BY in the
database, never a loop over rows in Python). The dashboard and the public pages assemble them.

Other domains' tables are read here, never written: if one of these queries belongs in the
domain's own service one day, it can move there unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from backend.accounts.models import User
from backend.assembly.models import (
    Answer,
    FollowUp,
    Member,
    QuotaCategory,
    QuotaFeature,
    Recommendation,
    Saisine,
    SaisineStatus,
    Volunteer,
)
from backend.budget.models import Edition, Envelope, PhaseKey, Proposal, ProposalStatus
from backend.budget.voting.models import EnvelopeResult, Publication
from backend.fph.models import GRANTED, Applicant, Application, ApplicationStatus, Fund
from backend.territory.models import Commune, Qpv, Secteur

PUBLIC_EDITION_PHASES = [p for p in PhaseKey if p != PhaseKey.preparation]
CLOSED_VOTE_PHASES = (PhaseKey.resultats, PhaseKey.realisation)


@dataclass(frozen=True)
class QpvRow:
    id: int
    code: str
    name: str
    population: int
    secteur_slug: str | None
    secteur_name: str | None
    commune_insee: str


def qpv_rows(session: Session, ids: Iterable[int] | None = None) -> list[QpvRow]:
    """QPV with their population and secteur, by name (no geometry)."""
    query = (
        select(
            col(Qpv.id),
            col(Qpv.code),
            col(Qpv.name),
            col(Qpv.population),
            col(Secteur.slug),
            col(Secteur.name),
            col(Commune.insee),
        )
        .join(Commune, col(Commune.id) == col(Qpv.commune_id))
        .join(Secteur, col(Secteur.id) == col(Qpv.secteur_id), isouter=True)
        .order_by(col(Qpv.name))
    )
    if ids is not None:
        query = query.where(col(Qpv.id).in_(list(ids)))
    return [
        QpvRow(int(i), code, name, int(pop or 0), slug, sname, insee)
        for i, code, name, pop, slug, sname, insee in session.execute(query).all()
    ]


# --- budget participatif ----------------------------------------------------------------------


def public_editions(session: Session) -> list[Edition]:
    return list(
        session.scalars(
            select(Edition)
            .where(col(Edition.phase).in_(PUBLIC_EDITION_PHASES))
            .order_by(col(Edition.id).desc())
        )
    )


def envelopes(session: Session, edition_id: int) -> list[Envelope]:
    return list(
        session.scalars(
            select(Envelope).where(col(Envelope.edition_id) == edition_id).order_by(col(Envelope.label))
        )
    )


def proposals_by_qpv(session: Session, edition_id: int) -> dict[int | None, dict[str, int]]:
    """Non-draft proposals per QPV and status."""
    rows = session.execute(
        select(col(Proposal.qpv_id), col(Proposal.status), func.count())
        .where(col(Proposal.edition_id) == edition_id, col(Proposal.status) != ProposalStatus.draft)
        .group_by(col(Proposal.qpv_id), col(Proposal.status))
    ).all()
    out: dict[int | None, dict[str, int]] = defaultdict(dict)
    for qpv_id, status, n in rows:
        out[qpv_id][status] = int(n)
    return dict(out)


def _years(rows: Iterable[Any]) -> dict[int, int]:
    """(birth year or NULL, count) rows as {year: count}, 0 standing for unknown."""
    out: dict[int, int] = defaultdict(int)
    for year, n in rows:
        out[int(year or 0)] += int(n)
    return dict(out)


def author_birth_years(session: Session, edition_id: int | None, qpv_ids: list[int]) -> dict[int, int]:
    """Authors of non-draft proposals (one per proposal with an account): birth year → count."""
    query = (
        select(col(User.birth_year), func.count())
        .select_from(Proposal)
        .join(User, col(User.id) == col(Proposal.author_id))
        .where(col(Proposal.status) != ProposalStatus.draft, col(Proposal.qpv_id).in_(qpv_ids))
        .group_by(col(User.birth_year))
    )
    if edition_id is not None:
        query = query.where(col(Proposal.edition_id) == edition_id)
    return _years(session.execute(query).all())


def results(session: Session, edition_id: int) -> list[EnvelopeResult]:
    return list(session.scalars(select(EnvelopeResult).where(col(EnvelopeResult.edition_id) == edition_id)))


def winners(session: Session, edition_id: int | None = None) -> list[tuple[Proposal, EnvelopeResult]]:
    """Projects chosen by a published count, with their envelope's result."""
    query = select(EnvelopeResult)
    if edition_id is not None:
        query = query.where(col(EnvelopeResult.edition_id) == edition_id)
    counted = list(session.scalars(query))
    ids = {int(pid): r for r in counted for pid in r.selected if str(pid).isdigit()}
    if not ids:
        return []
    chosen = session.scalars(
        select(Proposal).where(col(Proposal.id).in_(list(ids))).order_by(col(Proposal.id))
    )
    return [(p, ids[p.id or 0]) for p in chosen]


def publications(session: Session) -> list[tuple[Publication, Edition]]:
    """Files the vote published (anonymised ballots), newest edition first; content not loaded."""
    rows = session.execute(
        select(Publication, Edition)
        .join(Edition, col(Edition.id) == col(Publication.edition_id))
        .order_by(col(Edition.id).desc(), col(Publication.name))
    ).all()
    return [(p, e) for p, e in rows]


# --- FPH ----------------------------------------------------------------------------------------


@dataclass
class FphFigures:
    applications: int = 0
    granted: int = 0
    refused: int = 0
    granted_cents: int = 0
    envelope_cents: int = 0


def fph_years(session: Session) -> list[int]:
    return sorted({int(y) for y in session.scalars(select(col(Fund.year)).distinct())}, reverse=True)


def fph_by_qpv(session: Session, year: int | None) -> dict[int, FphFigures]:
    """Per QPV: applications sent (drafts excluded), grants, refusals, money granted."""
    query = (
        select(
            col(Application.qpv_id),
            col(Application.status),
            func.count(),
            func.coalesce(func.sum(col(Application.granted_cents)), 0),
        )
        .join(Fund, col(Fund.id) == col(Application.fund_id))
        .where(col(Application.status) != ApplicationStatus.draft)
        .group_by(col(Application.qpv_id), col(Application.status))
    )
    if year is not None:
        query = query.where(col(Fund.year) == year)
    out: dict[int, FphFigures] = defaultdict(FphFigures)
    for qpv_id, status, n, cents in session.execute(query).all():
        fig = out[int(qpv_id)]
        fig.applications += int(n)
        if status in GRANTED:
            fig.granted += int(n)
            fig.granted_cents += int(cents)
        elif status == ApplicationStatus.refused:
            fig.refused += int(n)
    envelope = select(col(Fund.qpv_id), func.sum(col(Fund.envelope_cents))).group_by(col(Fund.qpv_id))
    if year is not None:
        envelope = envelope.where(col(Fund.year) == year)
    for qpv_id, cents in session.execute(envelope).all():
        out[int(qpv_id)].envelope_cents += int(cents or 0)
    return dict(out)


def applicant_birth_years(session: Session, year: int | None, qpv_ids: list[int]) -> dict[int, int]:
    query = (
        select(col(User.birth_year), func.count())
        .select_from(Applicant)
        .join(Application, col(Application.id) == col(Applicant.application_id))
        .join(Fund, col(Fund.id) == col(Application.fund_id))
        .join(User, col(User.id) == col(Applicant.user_id))
        .where(col(Application.status) != ApplicationStatus.draft, col(Application.qpv_id).in_(qpv_ids))
        .group_by(col(User.birth_year))
    )
    if year is not None:
        query = query.where(col(Fund.year) == year)
    return _years(session.execute(query).all())


def granted_applications(
    session: Session, qpv_ids: list[int] | None = None
) -> list[tuple[Application, Fund]]:
    query = (
        select(Application, Fund)
        .join(Fund, col(Fund.id) == col(Application.fund_id))
        .where(col(Application.status).in_(list(GRANTED)))
        .order_by(col(Application.decided_at).desc())
    )
    if qpv_ids is not None:
        query = query.where(col(Application.qpv_id).in_(qpv_ids))
    return [(a, f) for a, f in session.execute(query).all()]


# --- assembly -----------------------------------------------------------------------------------


@dataclass
class SaisineFigures:
    saisine: Saisine
    volunteers: int = 0
    members: int = 0
    adopted: int = 0
    rejected: int = 0
    answers: dict[str, int] | None = None
    unanswered: int = 0
    follow_ups: int = 0


def saisines(session: Session, communes: Iterable[str]) -> list[Saisine]:
    return list(
        session.scalars(
            select(Saisine)
            .where(col(Saisine.commune_insee).in_(list(communes)))
            .order_by(col(Saisine.id).desc())
        )
    )


def saisine_figures(
    session: Session, saisine_list: list[Saisine], qpv_ids: list[int]
) -> list[SaisineFigures]:
    """Per saisine: volunteers and members of the QPV in scope, recommendations, COPIL answers."""
    ids = [s.id for s in saisine_list]
    figs = {s.id: SaisineFigures(s, answers={}) for s in saisine_list}
    for sid, n in session.execute(
        select(col(Volunteer.saisine_id), func.count())
        .where(col(Volunteer.saisine_id).in_(ids), col(Volunteer.qpv_id).in_(qpv_ids))
        .group_by(col(Volunteer.saisine_id))
    ).all():
        figs[sid].volunteers = int(n)
    for sid, n in session.execute(
        select(col(Member.saisine_id), func.count())
        .join(Volunteer, col(Volunteer.id) == col(Member.volunteer_id))
        .where(
            col(Member.saisine_id).in_(ids),
            col(Member.status) == "active",
            col(Volunteer.qpv_id).in_(qpv_ids),
        )
        .group_by(col(Member.saisine_id))
    ).all():
        figs[sid].members = int(n)
    for sid, status, n in session.execute(
        select(col(Recommendation.saisine_id), col(Recommendation.status), func.count())
        .where(col(Recommendation.saisine_id).in_(ids))
        .group_by(col(Recommendation.saisine_id), col(Recommendation.status))
    ).all():
        if status == "adopted":
            figs[sid].adopted = int(n)
        elif status == "rejected":
            figs[sid].rejected = int(n)
    for sid, decision, n in session.execute(
        select(col(Recommendation.saisine_id), col(Answer.decision), func.count())
        .join(Answer, col(Answer.recommendation_id) == col(Recommendation.id))
        .where(col(Recommendation.saisine_id).in_(ids))
        .group_by(col(Recommendation.saisine_id), col(Answer.decision))
    ).all():
        answers = figs[sid].answers
        assert answers is not None
        answers[decision] = int(n)
    for sid, n in session.execute(
        select(col(Recommendation.saisine_id), func.count())
        .join(FollowUp, col(FollowUp.recommendation_id) == col(Recommendation.id))
        .where(col(Recommendation.saisine_id).in_(ids))
        .group_by(col(Recommendation.saisine_id))
    ).all():
        figs[sid].follow_ups = int(n)
    for fig in figs.values():
        if fig.saisine.status == SaisineStatus.avis_published:
            fig.unanswered = max(0, fig.adopted - sum((fig.answers or {}).values()))
    return [figs[s.id] for s in saisine_list]


def member_ages(
    session: Session, saisine_ids: list[int], qpv_ids: list[int]
) -> tuple[dict[int, int], dict[str, int]]:
    """Active panel members: birth years of those with an account, and the age band they declared
    when registering for the others (the assembly asks the band, not the year)."""
    years: dict[int, int] = defaultdict(int)
    declared: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(col(User.birth_year), col(Volunteer.characteristics))
        .select_from(Member)
        .join(Volunteer, col(Volunteer.id) == col(Member.volunteer_id))
        .join(User, col(User.id) == col(Member.user_id), isouter=True)
        .where(
            col(Member.saisine_id).in_(saisine_ids),
            col(Member.status) == "active",
            col(Volunteer.qpv_id).in_(qpv_ids),
        )
    ).all()
    for birth_year, characteristics in rows:
        if birth_year:
            years[int(birth_year)] += 1
        else:
            declared[(characteristics or {}).get("age", "")] += 1
    return dict(years), dict(declared)


@dataclass
class GenderRow:
    key: str
    label: str
    volunteers: int = 0
    members: int = 0
    reference: float | None = None


def genders(session: Session, saisine_ids: list[int], qpv_ids: list[int]) -> list[GenderRow]:
    """Gender is only collected by the assembly: volunteers, active members and the reference
    share the COPIL set for the quotas (averaged over saisines), per feature."""
    rows: dict[str, GenderRow] = {}
    for key, label, share in session.execute(
        select(col(QuotaFeature.key), col(QuotaFeature.label), func.avg(col(QuotaFeature.population_share)))
        .join(QuotaCategory, col(QuotaCategory.id) == col(QuotaFeature.category_id))
        .where(col(QuotaCategory.saisine_id).in_(saisine_ids), col(QuotaCategory.key) == "genre")
        .group_by(col(QuotaFeature.key), col(QuotaFeature.label))
        .order_by(col(QuotaFeature.key))
    ).all():
        rows[key] = GenderRow(key, label, reference=float(share) if share is not None else None)
    for characteristics, member_status in session.execute(
        select(col(Volunteer.characteristics), col(Member.status))
        .join(Member, col(Member.volunteer_id) == col(Volunteer.id), isouter=True)
        .where(col(Volunteer.saisine_id).in_(saisine_ids), col(Volunteer.qpv_id).in_(qpv_ids))
    ).all():
        key = (characteristics or {}).get("genre")
        if not key:
            continue
        row = rows.setdefault(key, GenderRow(key, key))
        row.volunteers += 1
        if member_status == "active":
            row.members += 1
    return list(rows.values())


def proposal_titles(session: Session, edition_id: int) -> list[tuple[int, str]]:
    return [
        (int(i), t)
        for i, t in session.execute(
            select(col(Proposal.id), col(Proposal.title)).where(col(Proposal.edition_id) == edition_id)
        )
    ]
