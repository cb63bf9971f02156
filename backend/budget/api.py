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
    """The edition's settings as stored (the same names), with its territory and envelopes."""
    envelopes = [
        EnvelopePublic.model_validate(e, from_attributes=True) for e in editions.envelopes(session, edition)
    ]
    return EditionPublic.model_validate(
        {**edition.model_dump(), "territory_codes": edition.codes, "envelopes": envelopes}
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
