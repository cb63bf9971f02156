"""The rows of each open dataset, public fields only (see `opendata` for their declarations)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from backend.assembly.models import Answer, FollowUp, Recommendation, Saisine, SaisineStatus
from backend.budget.models import PUBLIC_STATUSES, Envelope, Proposal
from backend.budget.voting.models import EnvelopeResult
from backend.results import queries
from backend.results.followables import describe
from backend.results.models import Milestone, Realisation


def _day(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    return value.date().isoformat() if isinstance(value, datetime) else value.isoformat()


def _qpv_codes(session: Session) -> dict[int, str]:
    return {r.id: r.code for r in queries.qpv_rows(session)}


def quartiers(session: Session) -> Iterator[dict[str, Any]]:
    for r in queries.qpv_rows(session):
        yield {
            "code_qpv": r.code,
            "nom": r.name,
            "commune_insee": r.commune_insee,
            "secteur": r.secteur_slug,
            "population": r.population or None,
        }


def editions(session: Session) -> Iterator[dict[str, Any]]:
    for e in queries.public_editions(session):
        envelopes = queries.envelopes(session, e.id or 0)
        yield {
            "edition": e.slug,
            "nom": e.name,
            "phase": e.phase,
            "territoire_type": e.territory_kind,
            "territoire_codes": " ".join(e.codes),
            "enveloppes_par": e.envelope_scope,
            "montant_total_euros": sum(x.amount for x in envelopes),
            "plafond_projet_euros": e.cost_cap,
            "age_minimum_vote": e.min_voting_age,
            "regle_bulletin": e.ballot_rule,
            "choix_minimum": e.ballot_min,
            "choix_maximum": e.ballot_max,
            "regle_comptage": e.counting_rule,
        }


def enveloppes(session: Session) -> Iterator[dict[str, Any]]:
    editions = {e.id: e for e in queries.public_editions(session)}
    rows = session.scalars(select(Envelope).order_by(col(Envelope.edition_id), col(Envelope.label)))
    for x in rows:
        if x.edition_id in editions:
            yield {
                "edition": editions[x.edition_id].slug,
                "enveloppe_id": x.id,
                "type": x.scope_kind,
                "code": x.scope_code,
                "nom": x.label,
                "montant_euros": x.amount,
            }


def propositions(session: Session) -> Iterator[dict[str, Any]]:
    editions = {e.id: e for e in queries.public_editions(session)}
    codes = _qpv_codes(session)
    query = (
        select(Proposal)
        .where(col(Proposal.status).in_(list(PUBLIC_STATUSES)), col(Proposal.hidden_at).is_(None))
        .order_by(col(Proposal.id))
    )
    for p in session.scalars(query):
        if p.edition_id not in editions:
            continue
        yield {
            "proposition_id": p.id,
            "edition": editions[p.edition_id].slug,
            "code_qpv": codes.get(p.qpv_id or 0),
            "enveloppe_id": p.envelope_id,
            "theme": p.theme,
            "titre": p.title,
            "description": p.description,
            "lieu": p.location_text,
            "statut": p.status,
            "cout_estime_auteur_euros": p.estimated_cost,
            "cout_estime_services_euros": p.services_cost,
            "raison_publique": p.public_reason,
            "publiee_le": _day(p.published_at),
            "decidee_le": _day(p.decided_at),
        }


def resultats(session: Session) -> Iterator[dict[str, Any]]:
    editions = {e.id: e for e in queries.public_editions(session)}
    results = session.scalars(
        select(EnvelopeResult).order_by(col(EnvelopeResult.edition_id), col(EnvelopeResult.id))
    )
    for r in results:
        if r.edition_id not in editions:
            continue
        ids = [int(k) for k in r.scores if str(k).isdigit()]
        titles = dict(
            session.execute(
                select(col(Proposal.id), col(Proposal.title)).where(col(Proposal.id).in_(ids))
            ).all()
        )
        costs = {
            p.id: p.vote_cost for p in session.scalars(select(Proposal).where(col(Proposal.id).in_(ids)))
        }
        selected = {str(s) for s in r.selected}
        for project_id, score in sorted(
            r.scores.items(), key=lambda kv: int(kv[0]) if str(kv[0]).isdigit() else 0
        ):
            pid = int(project_id) if str(project_id).isdigit() else None
            yield {
                "edition": editions[r.edition_id].slug,
                "enveloppe_id": r.envelope_id,
                "proposition_id": pid,
                "titre": titles.get(pid) if pid is not None else None,
                "cout_euros": costs.get(pid) if pid is not None else None,
                "voix": score.get("votes") if isinstance(score, dict) else None,
                "mention_majoritaire": score.get("majority") if isinstance(score, dict) else None,
                "retenu": str(project_id) in selected,
                "votants_enveloppe": r.voters,
                "population_enveloppe": r.population,
                "montant_enveloppe_euros": r.amount,
                "montant_decide_euros": r.spent,
                "regle_comptage": r.counting_rule,
                "fichier_bulletins": r.file_name,
                "fichier_sha256": r.file_sha256,
                "compte_le": _day(r.counted_at),
            }


def fph(session: Session) -> Iterator[dict[str, Any]]:
    codes = _qpv_codes(session)
    for a, fund in reversed(queries.granted_applications(session)):
        yield {
            "reference": a.reference,
            "fonds": fund.name,
            "annee": fund.year,
            "code_qpv": codes.get(a.qpv_id),
            "titre": a.title,
            "porteur_type": a.holder_kind,
            "montant_demande_euros": a.amount_asked_cents / 100,
            "montant_accorde_euros": (a.granted_cents or 0) / 100,
            "statut": a.status,
            "decidee_le": _day(a.decided_at),
            "bilan": a.bilan_status,
        }


def avis(session: Session) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(Recommendation, Saisine)
        .join(Saisine, col(Saisine.id) == col(Recommendation.saisine_id))
        .where(col(Saisine.status) == SaisineStatus.avis_published)
        .order_by(col(Saisine.id), col(Recommendation.number))
    ).all()
    for rec, s in rows:
        yield {
            "saisine_id": s.id,
            "saisine": s.title,
            "question": s.question,
            "commune_insee": s.commune_insee,
            "avis_publie_le": _day(s.avis_published_at),
            "recommandation": rec.number,
            "titre": rec.title,
            "texte": rec.text,
            "statut": rec.status,
            "votes_pour": rec.votes_pour,
            "votes_contre": rec.votes_contre,
            "votes_abstention": rec.votes_abstention,
        }


def reponses(session: Session) -> Iterator[dict[str, Any]]:
    rows = session.execute(
        select(Answer, Recommendation, Saisine)
        .join(Recommendation, col(Recommendation.id) == col(Answer.recommendation_id))
        .join(Saisine, col(Saisine.id) == col(Recommendation.saisine_id))
        .order_by(col(Saisine.id), col(Recommendation.number))
    ).all()
    follow = {}
    for f in session.scalars(select(FollowUp).order_by(col(FollowUp.at))):
        follow[f.recommendation_id] = f  # the latest wins
    for answer, rec, s in rows:
        last = follow.get(rec.id or 0)
        yield {
            "saisine_id": s.id,
            "recommandation": rec.number,
            "titre": rec.title,
            "decision_copil": answer.decision,
            "raisons": answer.reasons,
            "repondu_le": _day(answer.answered_at),
            "suivi_statut": last.status if last else None,
            "suivi_texte": last.text if last else None,
            "suivi_le": _day(last.at) if last else None,
        }


def realisations(session: Session) -> Iterator[dict[str, Any]]:
    codes = _qpv_codes(session)
    for r in session.scalars(select(Realisation).order_by(col(Realisation.id))):
        item = describe(session, r)
        yield {
            "realisation_id": r.id,
            "origine": r.source,
            "origine_id": r.source_id,
            "titre": item.title,
            "code_qpv": codes.get(r.qpv_id or 0),
            "montant_euros": item.amount,
            "etape": r.status,
            "avancement_pourcent": r.progress,
            "service_responsable": r.service,
            "raison_abandon": r.reason or None,
            "mis_a_jour_le": _day(r.updated_at),
        }


def jalons(session: Session) -> Iterator[dict[str, Any]]:
    for m in session.scalars(
        select(Milestone).order_by(col(Milestone.realisation_id), col(Milestone.happened_on))
    ):
        yield {
            "realisation_id": m.realisation_id,
            "date": m.happened_on.isoformat(),
            "titre": m.title,
            "texte": m.text,
            "etape": m.status,
            "avancement_pourcent": m.progress,
            "photo": bool(m.photo),
        }
