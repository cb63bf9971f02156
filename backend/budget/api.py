"""Open data: editions (rules, envelopes) and the projects on the ballot, as JSON."""

from __future__ import annotations

from backend.api import ApiRouter
from backend.budget.models import PUBLIC_STATUSES, Edition, EditionPublic, EnvelopePublic, ProjectPublic
from backend.budget.service import editions, proposal_lists
from backend.deps import DbSession
from backend.errors import error_responses
from backend.territory.service import qpv_refs

router = ApiRouter(prefix="/budget", tags=["budget participatif"])


def _public(session: DbSession, edition: Edition) -> EditionPublic:
    return EditionPublic(
        slug=edition.slug,
        name=edition.name,
        phase=edition.phase,
        territory_kind=edition.territory_kind,
        territory_codes=edition.codes,
        envelope_scope=edition.envelope_scope,
        cost_cap=edition.cost_cap,
        min_voting_age=edition.min_voting_age,
        ballot_rule=edition.ballot_rule,
        ballot_min=edition.ballot_min,
        ballot_max=edition.ballot_max,
        counting_rule=edition.counting_rule,
        counting_threshold=edition.counting_threshold,
        level_to_propose=edition.level_to_propose,
        level_to_support=edition.level_to_support,
        level_to_vote=edition.level_to_vote,
        revote_allowed=edition.revote_allowed,
        envelopes=[
            EnvelopePublic.model_validate(e, from_attributes=True)
            for e in editions.envelopes(session, edition)
        ],
        checklist=edition.checklist,
    )


@router.get("/editions")
def list_editions(session: DbSession) -> list[EditionPublic]:
    """Public editions with their rules and envelopes."""
    return [_public(session, e) for e in editions.list_editions(session)]


@router.get("/editions/{slug}", responses=error_responses(404))
def get_edition(session: DbSession, slug: str) -> EditionPublic:
    return _public(session, editions.public_edition(session, slug))


@router.get("/editions/{slug}/projets", responses=error_responses(404))
def ballot_projects(session: DbSession, slug: str) -> list[ProjectPublic]:
    """The projects on the ballot (recevable), with the cost the vote uses."""
    edition = editions.public_edition(session, slug)
    codes = {r.id: r.code for r in qpv_refs(session).values()}
    rows = [p for items in proposal_lists.ballot_projects(session, edition).values() for p in items]
    return [
        ProjectPublic(
            id=p.id,
            title=p.title,
            envelope_id=p.envelope_id,
            qpv_code=codes.get(p.qpv_id) if p.qpv_id else None,
            theme=p.theme,
            status=p.status,
            cost=p.vote_cost,
        )
        for p in rows
        if p.status in PUBLIC_STATUSES
    ]
