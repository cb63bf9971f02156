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

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlmodel import Session
from sqlmodel import select as sm_select

from backend.accounts.models import User
from backend.budget import phases
from backend.budget.models import Edition, PhaseKey
from backend.budget.voting import urn
from backend.budget.voting.context import Choice, ContextCache, EnvelopeBallot, VoteContext, build_context
from backend.budget.voting.eligibility import Refusal, VoterFacts, check_voter, voter_facts
from backend.budget.voting.models import Ballot, DocumentParticipation, VoteChannel, Voter
from backend.budget.voting.secrecy import new_receipt, receipt_hash, slot_key
from backend.counting.ballots import BallotProblem
from backend.db import utcnow
from backend.errors import Conflict, DomainError, Forbidden, Invalid, NotAuthenticated, NotFound
from backend.formatting import format_date as fmt_date
from backend.i18n import gettext as _

LOCK_CLASS = 7_270_002  # advisory lock namespace (two-key form) of the ballot box of an edition
VOTERS = Voter.__table__  # type: ignore[attr-defined]
BALLOTS = Ballot.__table__  # type: ignore[attr-defined]
DOCUMENTS = DocumentParticipation.__table__  # type: ignore[attr-defined]
USERS = User.__table__  # type: ignore[attr-defined]


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


@dataclass(frozen=True, slots=True)
class BoxState:
    """Read fresh when a ballot is cast: the edition's phase and the voter's facts."""

    phase: str
    phase_changed_at: datetime | None
    facts: VoterFacts
    session_version: int
    document_hash: str | None = None


# --- the box's fresh read and its rules: one place for the service and the fast path ----------

MAX_PROJECTS = 500  # projects in one JSON ballot (the API's BallotIn and the fast path's parser)

EDITIONS = Edition.__table__  # type: ignore[attr-defined]
# What is read fresh when the box opens, in this order (:func:`check_box` reads a row of them).
BOX_COLUMNS = (
    EDITIONS.c.phase,
    EDITIONS.c.phase_changed_at,
    USERS.c.birth_year,
    USERS.c.qpv_id,
    USERS.c.residence_status,
    USERS.c.email_confirmed_at,
    USERS.c.phone_confirmed_at,
    USERS.c.session_version,
    USERS.c.is_active,
    USERS.c.deleted_at,
    USERS.c.id_document_hash,
)
# The lock and the read are two statements on purpose: each statement takes its own snapshot, so
# the read sees a vote closed while the ballot waited for the lock. Parameters in the ``:name``
# style of :func:`sqlalchemy.text`; the fast path runs the same text through psycopg (:func:`pg_format`).
SQL_LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(:k, :e)"
SQL_LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(:k, :e)"
_BOX_SELECT = ", ".join(f"{'e' if c.table is EDITIONS else 'u'}.{c.name}" for c in BOX_COLUMNS)
SQL_OPEN_BOX = (
    f"SELECT {_BOX_SELECT} FROM {EDITIONS.name} e JOIN {USERS.name} u ON u.id = :user"  # noqa: S608 - model names only
    " WHERE e.id = :edition AND e.slug = :slug"
)
_OPEN_BOX = text(SQL_OPEN_BOX).columns(*BOX_COLUMNS)  # typed results (dates on SQLite too)
_PARAM = re.compile(r"(?<![:\w]):(\w+)")


def pg_format(sql: str) -> str:
    """A statement of this module in psycopg's parameter style (``:name`` → ``%(name)s``)."""
    return _PARAM.sub(r"%(\1)s", sql)


class HandOver(Exception):  # noqa: N818 - not an error: a case for the regular route
    """The fast path must hand this ballot over to the regular route (which has the whole answer)."""


def check_box(
    row: Sequence[Any] | None,
    *,
    act: phases.Act | None = None,
    session_version: int | None = None,
    fast: bool = False,
) -> BoxState:
    """The rules of the fresh read, for every path that opens the box: ``row`` holds the
    :data:`BOX_COLUMNS` (None: no such edition). Raises NotFound, NotAuthenticated (account
    suspended or deleted, token of an older session), Conflict (the phase does not allow ``act``),
    or, with ``fast``, :class:`HandOver` for what only the regular route does (an identity
    document's one-ballot rule)."""
    if row is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    (phase, changed_at, birth_year, qpv_id, residence, email_at, phone_at) = row[:7]
    version, active, deleted_at, document_hash = row[7:11]
    if not active or deleted_at is not None:
        raise NotAuthenticated(_("Connectez-vous pour continuer."))
    if session_version is not None and version != session_version:
        raise NotAuthenticated(_("Votre session a expiré. Connectez-vous de nouveau."))
    if act is not None:
        require_vote_phase(phase, act)
    if fast and document_hash is not None:
        # The regular route checks that the document has not voted through another account and
        # notes its participation.
        raise HandOver
    return BoxState(
        phase,
        changed_at,
        voter_facts(birth_year, qpv_id, residence, email_at, phone_at),
        version,
        document_hash,
    )


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_box(session: Session, edition_id: int, *, exclusive: bool = False) -> None:
    """PostgreSQL: ballots share the edition's lock; closing the vote takes it alone."""
    if _is_pg(session):
        sql = SQL_LOCK_EXCLUSIVE if exclusive else SQL_LOCK_SHARED
        session.execute(text(sql), {"k": LOCK_CLASS, "e": edition_id})


def open_box(
    session: Session,
    edition_id: int,
    slug: str,
    user_id: int,
    *,
    act: phases.Act | None = None,
    session_version: int | None = None,
) -> BoxState:
    """Lock (shared), read the phase and the voter's facts in one statement, and check them
    (:func:`check_box`; the phase only when ``act`` is given)."""
    lock_box(session, edition_id)
    row = session.execute(_OPEN_BOX, {"user": user_id, "edition": edition_id, "slug": slug}).first()
    return check_box(row, act=act, session_version=session_version)


def context_for(
    session: Session, edition_id: int, slug: str, state: BoxState, cache: ContextCache | None
) -> VoteContext:
    """The edition's vote context, from the cache when it matches the phase just read."""
    stamp = (state.phase, state.phase_changed_at)
    if cache is not None:
        ctx = cache.get(edition_id, slug, stamp)
        if ctx is not None:
            return ctx
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    ctx = build_context(session, edition)
    if cache is not None and ctx.stamp == stamp:
        cache.put(ctx)
    return ctx


def require_vote_phase(phase: str, act: phases.Act) -> None:
    if phases.spec(phase).roles_for(act):
        return
    if phases.ORDER.index(phase) > phases.ORDER.index(PhaseKey.vote):
        raise Conflict(_("Le vote est terminé : les bulletins ne sont plus acceptés."))
    raise Conflict(_("Le vote n'est pas encore ouvert."))


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


def _insert_voter(session: Session, values: dict[str, object]) -> int | None:
    """An émargement row (no ballot); None when the person already has one in this edition."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert = postgresql.insert if _is_pg(session) else sqlite.insert
    stmt = (
        dialect_insert(VOTERS)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["edition_id", "user_id"])
        .returning(VOTERS.c.id)
    )
    return session.execute(stmt).scalar()


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
    from sqlalchemy.dialects import postgresql, sqlite

    dialect_insert = postgresql.insert if _is_pg(session) else sqlite.insert
    stmt = (
        dialect_insert(DOCUMENTS)
        .values(edition_id=edition_id, document_hash=document_hash)
        .on_conflict_do_nothing(index_elements=["edition_id", "document_hash"])
        .returning(DOCUMENTS.c.edition_id)
    )
    return session.execute(stmt).first() is not None


def cast(
    session: Session,
    ctx: VoteContext,
    *,
    secret: str,
    user_id: int,
    facts: VoterFacts,
    choice: Choice,
    paper: PaperInfo | None = None,
    document_hash: str | None = None,
) -> CastResult:
    """Check and store one ballot (the box must be open: see :func:`open_box`). Raises
    :class:`NotEligible`, :class:`BallotRefused` or :class:`Conflict` (already voted, by this
    account or by another account with the same identity document)."""
    staff = paper is not None
    prepared = prepare(ctx, facts, choice, secret=secret, user_id=user_id, staff=staff)
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
    return cast(
        session,
        ctx,
        secret=secret,
        user_id=user_id,
        facts=state.facts,
        choice=choice,
        document_hash=state.document_hash,
    )


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
    return cast(
        session,
        ctx,
        secret=secret,
        user_id=user.id,
        facts=state.facts,
        choice=choice,
        paper=paper,
        document_hash=state.document_hash,
    )


# --- reading -----------------------------------------------------------------------------------


def voter_row(session: Session, edition_id: int, user_id: int) -> Voter | None:
    """Whether (and how) this person voted in this edition — never what they chose."""
    return session.exec(
        sm_select(Voter).where(Voter.edition_id == edition_id, Voter.user_id == user_id)
    ).first()


def voter_count(session: Session, edition_id: int) -> int:
    """Ballots of the edition, online and on paper (registered as the phase guards' counter)."""
    return int(
        session.execute(
            select(func.count()).select_from(VOTERS).where(VOTERS.c.edition_id == edition_id)
        ).scalar()
        or 0
    )


def counts_by_point(session: Session, edition_id: int) -> list[tuple[str, int]]:
    """Émargements (and typed paper sheets) per voting point, then online ballots (« En ligne »)."""
    rows = session.execute(
        select(VOTERS.c.channel, VOTERS.c.voting_point, func.count())
        .where(VOTERS.c.edition_id == edition_id)
        .group_by(VOTERS.c.channel, VOTERS.c.voting_point)
    ).all()
    per_point: dict[str, int] = {}
    for r in rows:
        if r[0] != VoteChannel.online:
            per_point[r[1] or ""] = per_point.get(r[1] or "", 0) + int(r[2])
    paper = sorted(per_point.items())
    online = sum(int(r[2]) for r in rows if r[0] == VoteChannel.online)
    return [*paper, (_("En ligne"), online)]


def ballot_by_receipt(session: Session, edition_id: int, code: str) -> Ballot | None:
    """The ballot a receipt belongs to (None for an unknown or replaced receipt)."""
    try:
        digest = receipt_hash(code)
    except ValueError:
        return None
    ballot_id = session.execute(
        select(BALLOTS.c.id).where(BALLOTS.c.edition_id == edition_id, BALLOTS.c.receipt_hash == digest)
    ).scalar()
    return session.get(Ballot, ballot_id) if ballot_id else None


__all__ = [
    "BallotRefused",
    "CastResult",
    "DomainError",
    "NotEligible",
    "PaperInfo",
    "cast",
    "cast_online",
    "record_paper",
]
