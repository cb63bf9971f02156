"""Casting ballots, online or on paper: one ballot per person per edition, by construction.

The order of operations, the same for both channels (a handful of statements, no journal
write — ballots are secret; the journal gets the counts and the file hashes at close):

1. :func:`open_box`: on PostgreSQL, a *shared* advisory lock on the edition (closing the vote
   takes it exclusively, so no ballot commits after the count started), then one fresh read of
   the phase and of the voter's age and residence (:data:`SQL_OPEN_BOX`), checked by
   :func:`check_box` — the same statements and rules as the fast path (:mod:`.fastpath`).
2. eligibility (:mod:`.eligibility`) and ballot rules (:mod:`backend.counting.ballots`).
3. ``INSERT INTO bp_voter … ON CONFLICT (edition_id, user_id) DO NOTHING RETURNING id``: the
   unique constraint decides who was first. Concurrent submissions by one person wait on the
   index entry; exactly one inserts, the others find the row and are refused (or, when the
   edition allows it and the first vote was online, replace the ballot: the last one counts).
4. ``INSERT INTO bp_ballot`` through :mod:`.urn`: a random key, the receipt's hash, and a slot
   (:mod:`.secrecy`) only for an online ballot of an edition that allows a new vote.

At a voting point, the émargement and the ballot are two separate acts (:mod:`.isoloir`).

One *document*, one ballot: when the account carries the hash of an identity document seen in person,
step 2 also refuses if that document already took part in the edition (a ``bp_document_participation``
row, or a ballot by another account carrying the same hash: two such accounts are one person), and the
first ballot writes the participation row in the same transaction (its primary key decides a race).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session

from backend.accounts.models import User
from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.voting import urn
from backend.budget.voting.box import (
    BOX_COLUMNS,
    EDITIONS,
    LOCK_CLASS,
    MAX_PROJECTS,
    SQL_LOCK_EXCLUSIVE,
    SQL_LOCK_SHARED,
    SQL_OPEN_BOX,
    USERS,
    BoxState,
    HandOver,
    check_box,
    context_for,
    insert_new,
    lock_box,
    open_box,
    pg_format,
    require_vote_phase,
)
from backend.budget.voting.context import Choice, ContextCache, EnvelopeBallot, VoteContext
from backend.budget.voting.eligibility import Refusal, VoterFacts, check_voter
from backend.budget.voting.models import Ballot, DocumentParticipation, VoteChannel, Voter
from backend.budget.voting.secrecy import new_receipt, receipt_hash, slot_key
from backend.budget.voting.turnout import ballot_by_receipt, counts_by_point, voter_count, voter_row
from backend.counting.ballots import BallotProblem
from backend.db import utcnow
from backend.errors import Conflict, DomainError, Forbidden, Invalid
from backend.formatting import format_date as fmt_date
from backend.i18n import gettext as _

VOTERS = Voter.__table__  # type: ignore[attr-defined]
BALLOTS = Ballot.__table__  # type: ignore[attr-defined]
DOCUMENTS = DocumentParticipation.__table__  # type: ignore[attr-defined]


class BallotRefused(Invalid):
    """The ballot breaks the edition's rules; ``problems`` says each reason."""

    def __init__(self, problems: list[BallotProblem]):
        super().__init__(" ".join(p.message for p in problems), field="choix")
        self.problems = problems


class NotEligible(Forbidden):
    def __init__(self, refusal: Refusal):
        super().__init__(refusal.message, field="eligibilite", extra={"code": refusal.code})
        self.refusal = refusal


@dataclass(frozen=True, slots=True)
class PaperInfo:
    """How a paper ballot was recorded at a voting point."""

    voting_point: str
    identity_check: str
    residence_check: str | None
    recorded_by: str
    batch_id: int | None = None


@dataclass(frozen=True, slots=True)
class CastResult:
    receipt: str
    revote: bool
    envelope: EnvelopeBallot


def eligible_envelope(ctx: VoteContext, facts: VoterFacts, *, staff: bool = False) -> EnvelopeBallot:
    """The envelope this person votes in, or :class:`NotEligible` saying why not."""
    envelope_id, refusal = check_voter(
        facts,
        min_age=ctx.min_voting_age,
        level=ctx.level_to_vote,
        envelope_by_qpv=ctx.envelope_by_qpv,
        year=utcnow().year,
        staff=staff,
    )
    if refusal is not None or envelope_id is None:
        raise NotEligible(refusal or Refusal("other_territory", _("Vous ne pouvez pas voter ici.")))
    return ctx.envelopes[envelope_id]


@dataclass(frozen=True, slots=True)
class PreparedBallot:
    """A valid ballot ready to store: where it goes, its receipt, its slot (revote exception only)."""

    envelope: EnvelopeBallot
    receipt: str
    slot: str | None
    choices: str
    receipt_hash: str


def prepare(
    ctx: VoteContext, facts: VoterFacts, choice: Choice, *, secret: str, user_id: int, staff: bool = False
) -> PreparedBallot:
    """Check who votes and what (raises NotEligible or BallotRefused), then draw the receipt.
    Shared by every way a ballot is stored (see also :mod:`.fastpath`)."""
    envelope = eligible_envelope(ctx, facts, staff=staff)
    problems = ctx.problems(envelope, choice)
    if problems:
        raise BallotRefused(problems)
    receipt = new_receipt()
    # The one exception to « nothing links a ballot to its voter »: an online ballot that may be
    # changed later must be found again (docs/secret-ballot.md).
    slot = slot_key(secret, ctx.edition_id, user_id) if ctx.revote_allowed and not staff else None
    return PreparedBallot(envelope, receipt, slot, choice.encode(), receipt_hash(receipt))


def insert_voter(session: Session, values: dict[str, object]) -> int | None:
    """An émargement row (no ballot); None when the person already has one in this edition."""
    inserted: int | None = insert_new(session, VOTERS, values, ["edition_id", "user_id"], VOTERS.c.id)
    return inserted


def _already_voted(channel: str, row: Voter | object, *, staff: bool) -> str:
    point = getattr(row, "voting_point", None) or ""
    when = fmt_date(getattr(row, "voted_at", None))
    if getattr(row, "channel", "") in (VoteChannel.paper, VoteChannel.in_person):
        if staff:
            return _("Cette personne a déjà voté au bureau de vote « %(point)s » le %(date)s.") % {
                "point": point,
                "date": when,
            }
        return _(
            "Vous avez déjà voté au bureau de vote « %(point)s » le %(date)s : vous ne pouvez pas voter en ligne."
        ) % {"point": point, "date": when}
    if staff:
        return _(
            "Cette personne a déjà voté en ligne le %(date)s : son bulletin papier ne peut pas être enregistré."
        ) % {"date": when}
    return _(
        "Vous avez déjà voté en ligne le %(date)s. Dans ce budget participatif, on ne peut pas changer son vote."
    ) % {"date": when}


def _document_used(staff: bool) -> Conflict:
    if staff:
        return Conflict(
            _(
                "Ce document d'identité a déjà servi pour voter dans ce budget participatif, en ligne ou "
                "dans un bureau de vote. Une personne vote une seule fois : elle ne peut pas voter de nouveau."
            ),
            field="deja_vote",
        )
    return Conflict(
        _(
            "Votre pièce d'identité a déjà servi pour voter dans ce budget participatif. On ne vote qu'une "
            "fois. Si c'est une erreur, allez voir votre table de quartier ou la mairie."
        ),
        field="deja_vote",
    )


def document_took_part(session: Session, edition_id: int, user_id: int, document_hash: str) -> bool:
    """Did this document already vote in this edition through *another* account (or on paper for an
    account that has no ballot here)? The person's own earlier ballot is left to the one-ballot rule."""
    part = (
        select(DOCUMENTS.c.edition_id)
        .where(DOCUMENTS.c.edition_id == edition_id, DOCUMENTS.c.document_hash == document_hash)
        .exists()
    )
    own = select(VOTERS.c.id).where(VOTERS.c.edition_id == edition_id, VOTERS.c.user_id == user_id).exists()
    other = (
        select(VOTERS.c.id)
        .join(USERS, USERS.c.id == VOTERS.c.user_id)
        .where(
            VOTERS.c.edition_id == edition_id,
            VOTERS.c.user_id != user_id,
            USERS.c.id_document_hash == document_hash,
        )
        .exists()
    )
    row = session.execute(select(part, own, other)).one()
    return bool(row[2] or (row[0] and not row[1]))


def _mark_document(session: Session, edition_id: int, document_hash: str) -> bool:
    """Write « this document took part »; False if it was already there."""
    values: dict[str, object] = {"edition_id": edition_id, "document_hash": document_hash}
    keys = ["edition_id", "document_hash"]
    return insert_new(session, DOCUMENTS, values, keys, DOCUMENTS.c.edition_id) is not None


def cast(
    session: Session,
    ctx: VoteContext,
    state: BoxState,
    *,
    secret: str,
    user_id: int,
    choice: Choice,
    paper: PaperInfo | None = None,
) -> CastResult:
    """Check and store one ballot; ``state`` is what :func:`open_box` read (the voter's facts and
    identity document). Raises :class:`NotEligible`, :class:`BallotRefused` or :class:`Conflict`
    (already voted, by this account or by another account with the same identity document)."""
    staff = paper is not None
    document_hash = state.document_hash
    prepared = prepare(ctx, state.facts, choice, secret=secret, user_id=user_id, staff=staff)
    if document_hash and document_took_part(session, ctx.edition_id, user_id, document_hash):
        raise _document_used(staff)
    envelope, receipt, slot = prepared.envelope, prepared.receipt, prepared.slot
    now = utcnow()
    channel = VoteChannel.paper if paper else VoteChannel.online
    values: dict[str, object] = {
        "edition_id": ctx.edition_id,
        "user_id": user_id,
        "envelope_id": envelope.id,
        "channel": channel,
        "voted_at": now,
    }
    if paper is not None:
        values.update(
            voting_point=paper.voting_point,
            identity_check=paper.identity_check,
            residence_check=paper.residence_check,
            recorded_by=paper.recorded_by,
            batch_id=paper.batch_id,
        )
    ballot = urn.row(
        edition_id=ctx.edition_id,
        envelope_id=envelope.id,
        choices=prepared.choices,
        channel=channel,
        voting_point=paper.voting_point if paper else None,
        receipt_hash=prepared.receipt_hash,
        slot=slot,
    )
    if urn.drop_with_voter(session, values, ballot):
        if document_hash and not _mark_document(session, ctx.edition_id, document_hash):
            # Another account with this document voted meanwhile; the caller rolls this ballot back.
            raise _document_used(staff)
        return CastResult(receipt, False, envelope)

    existing = session.execute(
        select(VOTERS.c.id, VOTERS.c.channel, VOTERS.c.voting_point, VOTERS.c.voted_at).where(
            VOTERS.c.edition_id == ctx.edition_id, VOTERS.c.user_id == user_id
        )
    ).first()
    if existing is None:  # the row that stopped us was rolled back meanwhile: let the person retry
        raise Conflict(_("Un autre vote est en cours d'enregistrement pour cette personne. Réessayez."))
    if paper is not None or existing.channel != VoteChannel.online or not ctx.revote_allowed or slot is None:
        raise Conflict(_already_voted(channel, existing, staff=staff), field="deja_vote")
    # A new online vote replaces the previous one. Updating the voter row first serialises
    # concurrent changes of one person; the ballot row is found by its slot, never inserted
    # again, so a person never has two ballots. Its random id stays: only choices and receipt change.
    session.execute(
        update(VOTERS)
        .where(VOTERS.c.id == existing.id, VOTERS.c.channel == VoteChannel.online)
        .values(voted_at=now, envelope_id=envelope.id)
    )
    changed = session.execute(
        update(BALLOTS)
        .where(BALLOTS.c.slot == slot, BALLOTS.c.edition_id == ctx.edition_id)
        .values(choices=prepared.choices, receipt_hash=prepared.receipt_hash, envelope_id=envelope.id)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise Conflict(_("Votre vote précédent n'a pas été retrouvé : il ne peut pas être changé."))
    if document_hash:  # the document was seen after the first ballot: note it now
        _mark_document(session, ctx.edition_id, document_hash)
    return CastResult(receipt, True, envelope)


def cast_online(
    session: Session,
    *,
    secret: str,
    edition_id: int,
    slug: str,
    user_id: int,
    choice: Choice,
    cache: ContextCache | None = None,
    session_version: int | None = None,
) -> CastResult:
    """A resident's own online ballot (the web form and the JSON API both call this)."""
    state = open_box(session, edition_id, slug, user_id, act=phases.Act.vote, session_version=session_version)
    ctx = context_for(session, edition_id, slug, state, cache)
    return cast(session, ctx, state, secret=secret, user_id=user_id, choice=choice)


def check_paper_info(paper: PaperInfo) -> PaperInfo:
    """The voting point and the identity check, cleaned (Invalid if missing)."""
    point = " ".join(paper.voting_point.split())
    if not 2 <= len(point) <= 120:
        raise Invalid(
            _("Indiquez le bureau de vote (par exemple : Mairie des 13e-14e)."), field="voting_point"
        )
    identity = " ".join(paper.identity_check.split())
    if len(identity) < 3:
        raise Invalid(
            _("Indiquez comment l'identité a été vérifiée (par exemple : carte d'identité)."),
            field="identity_check",
        )
    return PaperInfo(
        point, identity[:200], (paper.residence_check or "")[:200] or None, paper.recorded_by, paper.batch_id
    )


def record_paper(
    session: Session,
    *,
    secret: str,
    edition: Edition,
    user: User,
    choice: Choice,
    paper: PaperInfo,
    cache: ContextCache | None = None,
) -> CastResult:
    """A paper ballot recorded by an agent for a person whose identity and residence they checked."""
    assert edition.id is not None and user.id is not None
    paper = check_paper_info(paper)
    state = open_box(session, edition.id, edition.slug, user.id, act=phases.Act.record_paper_ballot)
    ctx = context_for(session, edition.id, edition.slug, state, cache)
    return cast(session, ctx, state, secret=secret, user_id=user.id, choice=choice, paper=paper)


__all__ = [  # what other modules and the tests import from here (some now live in .box and .turnout)
    "BOX_COLUMNS",
    "EDITIONS",
    "LOCK_CLASS",
    "MAX_PROJECTS",
    "SQL_LOCK_EXCLUSIVE",
    "SQL_LOCK_SHARED",
    "SQL_OPEN_BOX",
    "BallotRefused",
    "BoxState",
    "CastResult",
    "DomainError",
    "HandOver",
    "NotEligible",
    "PaperInfo",
    "Voter",
    "ballot_by_receipt",
    "cast",
    "cast_online",
    "check_box",
    "context_for",
    "counts_by_point",
    "lock_box",
    "open_box",
    "pg_format",
    "record_paper",
    "require_vote_phase",
    "voter_count",
    "voter_row",
]
