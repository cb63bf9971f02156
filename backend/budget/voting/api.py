"""JSON API of the vote: the same actions as the ballot page, for apps and for load tests.

Authentication: the session cookie (with the ``X-CSRF-Token`` header on POST), or a bearer token
from ``POST /api/v1/budget/jeton`` (itself called with the session cookie). The ballot endpoint is
the hot path of the vote: a signed token, one locked read, two inserts, no journal write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select

from backend.accounts.deps import CurrentPrincipal
from backend.api import API_V1, ApiRouter
from backend.budget import phases
from backend.budget.models import Edition, PhaseKey
from backend.budget.service import editions
from backend.budget.voting import service
from backend.budget.voting.ballot_form import context_of, counter, vote_cache
from backend.budget.voting.context import Choice
from backend.budget.voting.service import BallotRefused, NotEligible
from backend.budget.voting.tokens import TOKEN_MAX_AGE_S, issue_token, read_token
from backend.deps import DbSession
from backend.errors import ApiError, DomainError, NotAuthenticated, NotFound, error_responses
from backend.i18n import gettext as _

router = ApiRouter(prefix="/budget", tags=["budget participatif : vote"])
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton",
    description=f"Jeton obtenu par POST {API_V1}/budget/jeton (valable 7 jours). Sans jeton : cookie de session et en-tête X-CSRF-Token.",
)


@dataclass(frozen=True)
class ApiVoter:
    user_id: int
    session_version: int | None  # set for a bearer token: checked against the account, fresh


async def api_voter(
    request: Request,
    principal: CurrentPrincipal,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> ApiVoter:
    """The person voting: from a bearer token (checked when the ballot is cast) or the session.
    Async on purpose: no I/O here, and no trip through the thread pool on the hot path."""
    if credentials is not None:
        claims = read_token(request.app.state.settings.secret_key, credentials.credentials)
        if claims is None:
            raise NotAuthenticated(_("Jeton invalide ou expiré. Demandez-en un nouveau."))
        return ApiVoter(claims.user_id, claims.session_version)
    if principal.user is None or principal.user.id is None:
        raise NotAuthenticated(_("Connectez-vous pour continuer."))
    return ApiVoter(principal.user.id, None)


Voter = Annotated[ApiVoter, Depends(api_voter)]


class TokenPublic(BaseModel):
    token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class BallotIn(BaseModel):
    """Approval and knapsack: ``projects``, the numbers of the chosen projects. Majority
    judgment: ``grades``, a grade per project number (0 Insuffisant, 1 Passable, 2 Bien, 3 Très bien).
    Unknown fields are refused (the names before v1, ``projets`` and ``mentions``, among them), so a
    ballot is never cast blank by a client that meant something else."""

    model_config = ConfigDict(extra="forbid")

    projects: list[str | int] = Field(default_factory=list, max_length=service.MAX_PROJECTS)
    grades: dict[str, int] | None = None

    def choice(self) -> Choice:
        if self.grades is not None:
            return Choice(grades={str(k): v for k, v in self.grades.items()})
        return Choice(projects=tuple(str(p) for p in self.projects))


class ProblemPublic(BaseModel):
    code: str
    message: str


class BallotRefusedError(ApiError):
    problems: list[ProblemPublic] = Field(description="Chaque règle du bulletin qui n'est pas respectée.")


class CastPublic(BaseModel):
    receipt: str = Field(
        description="Code du reçu, affiché une seule fois : à garder pour vérifier le bulletin publié."
    )
    envelope: str
    revote: bool = Field(description="Vrai si ce vote remplace un vote précédent.")


class CheckPublic(BaseModel):
    valid: bool
    counter: list[str]
    problems: list[ProblemPublic]


class BallotProjectPublic(BaseModel):
    id: str
    title: str
    cost: int


class VotedPublic(BaseModel):
    channel: str
    voted_at: str
    voting_point: str | None


class BallotInfoPublic(BaseModel):
    edition: str
    phase: str
    ballot_rule: str
    ballot_min: int
    ballot_max: int | None
    can_vote: bool
    reason: str | None
    can_change: bool
    voted: VotedPublic | None
    envelope: str | None
    amount: int | None
    projects: list[BallotProjectPublic]


VOTE_FORBIDDEN = (
    "Cette personne ne peut pas voter dans cette édition (âge, résidence, territoire), "
    "ou, sans jeton, en-tête X-CSRF-Token manquant"
)


def _edition_id(request: Request, session: DbSession, slug: str, *, refresh: bool = False) -> int:
    cache = vote_cache(request)
    found = None if refresh else cache.edition_id(slug)
    if found is None:
        found = session.exec(
            select(Edition.id).where(Edition.slug == slug, Edition.phase != PhaseKey.preparation)
        ).first()
        if found is None:
            raise NotFound(_("Ce budget participatif n'existe pas."))
    return found


def _refused(exc: BallotRefused, body: BallotIn) -> JSONResponse:
    return JSONResponse(
        {
            "detail": exc.message,
            "field": "projects" if body.grades is None else "grades",
            "problems": [{"code": p.code, "message": p.message} for p in exc.problems],
        },
        status_code=422,
    )


@router.post(
    "/jeton", status_code=201, responses=error_responses(401, 403, e401="Pas connecté·e (cookie de session)")
)
def create_token(request: Request, principal: CurrentPrincipal) -> TokenPublic:
    """A bearer token for the logged-in person (session cookie and X-CSRF-Token needed)."""
    user = principal.user
    if user is None or user.id is None:
        raise NotAuthenticated(_("Connectez-vous pour continuer."))
    token = issue_token(request.app.state.settings.secret_key, user.id, user.session_version)
    return TokenPublic(token=token, expires_in=TOKEN_MAX_AGE_S)


@router.get("/editions/{slug}/bulletin", responses=error_responses(401, 404))
def ballot_info(request: Request, session: DbSession, voter: Voter, slug: str) -> BallotInfoPublic:
    """The voter's ballot: their envelope and its projects, whether they may vote, and why not."""
    edition = editions.public_edition(session, slug)
    state = service.open_box(session, edition.id, slug, voter.user_id)
    if voter.session_version is not None and state.session_version != voter.session_version:
        raise NotAuthenticated(_("Votre session a expiré. Connectez-vous de nouveau."))
    ctx = context_of(request, session, edition)
    voted = service.voter_row(session, ctx.edition_id, voter.user_id)
    reason = None
    envelope = None
    try:
        service.require_vote_phase(edition.phase, phases.Act.vote)
        envelope = service.eligible_envelope(ctx, state.facts)
    except NotEligible as exc:
        reason = exc.message
    except DomainError as exc:
        reason = exc.message
    can_change = bool(voted and ctx.revote_allowed and voted.channel == "online")
    if voted is not None and not can_change and envelope is not None:
        reason = service._already_voted("online", voted, staff=False)
    return BallotInfoPublic(
        edition=edition.slug,
        phase=edition.phase,
        ballot_rule=ctx.ballot_rule,
        ballot_min=ctx.ballot_min,
        ballot_max=ctx.ballot_max,
        can_vote=reason is None,
        reason=reason,
        can_change=can_change,
        voted=VotedPublic(
            channel=voted.channel, voted_at=voted.voted_at.isoformat(), voting_point=voted.voting_point
        )
        if voted
        else None,
        envelope=envelope.code if envelope else None,
        amount=envelope.amount if envelope else None,
        projects=[BallotProjectPublic(id=p.id, title=p.title, cost=int(p.cost)) for p in envelope.projects]
        if envelope
        else [],
    )


@router.post(
    "/editions/{slug}/bulletin/verifier",
    responses=error_responses(
        401, 403, 404, 409, e403=VOTE_FORBIDDEN, e409="Le vote n'est pas ouvert dans cette édition"
    ),
)
def check_ballot(
    request: Request, session: DbSession, voter: Voter, slug: str, body: BallotIn
) -> CheckPublic:
    """Check a ballot without storing it (the running count of the page)."""
    edition = editions.public_edition(session, slug)
    state = service.open_box(session, edition.id, slug, voter.user_id)
    ctx = context_of(request, session, edition)
    envelope = service.eligible_envelope(ctx, state.facts)
    shown = counter(ctx, envelope, body.choice(), check=True)
    return CheckPublic(
        valid=shown.ok,
        counter=shown.lines,
        problems=[ProblemPublic(code=p.code, message=p.message) for p in shown.problems],
    )


@router.post(
    "/editions/{slug}/bulletin",
    status_code=201,
    response_model=CastPublic,
    responses={
        **error_responses(
            401,
            403,
            404,
            409,
            e403=VOTE_FORBIDDEN,
            e409="Déjà voté (en ligne ou au bureau de vote), ou vote fermé",
        ),
        422: {
            "model": BallotRefusedError | ApiError,
            "description": "Bulletin non valable (« problems » dit pourquoi), ou demande pas au bon format",
        },
    },
)
def cast_ballot(
    request: Request, session: DbSession, voter: Voter, slug: str, body: BallotIn
) -> CastPublic | JSONResponse:
    """Cast (or, when the edition allows it, change) one's ballot. Returns the receipt, once.
    (Answered as a ready JSONResponse: the regular hot path skips the response model's second pass.)"""
    settings = request.app.state.settings
    cache = vote_cache(request)
    edition_id = _edition_id(request, session, slug)
    for attempt in (1, 2):
        try:
            result = service.cast_online(
                session,
                secret=settings.secret_key,
                edition_id=edition_id,
                slug=slug,
                user_id=voter.user_id,
                choice=body.choice(),
                cache=cache,
                session_version=voter.session_version,
            )
            break
        except BallotRefused as exc:
            return _refused(exc, body)
        except NotFound:
            if attempt == 2:
                raise
            cache.forget(slug)
            edition_id = _edition_id(request, session, slug, refresh=True)
    return JSONResponse(
        CastPublic(receipt=result.receipt, envelope=result.envelope.code, revote=result.revote).model_dump(),
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


__all__ = ["router"]
