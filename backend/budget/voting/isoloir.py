"""The voting point, as a French polling station: the émargement apart from the urn.

1. :func:`sign_in`: the agent checked identity and residence; the person signs the list. A
   ``bp_voter`` row (channel ``in_person``, the voting point, how they were checked, who checked)
   and nothing about a choice. The one-person and one-document rules of :mod:`.service` apply.
2. The person then votes alone, on paper into the box (nothing is stored now: the ballot is counted
   at the dépouillement and dropped in the urn then), or on the tablet (:func:`cast`): the sign-in
   gave a :class:`Pass`, a random single-use token kept in the tablet's session, never in the
   database; using it stores its hash in ``bp_isoloir_used`` (no person, no ballot, no time) and
   drops the ballot in the urn with its voting point. The pass names nobody: nothing stored links
   the ballot to the émargement.
3. :func:`close_point`: the agent closes the voting point: the urn is mixed (:func:`urn.mix`) and
   the journal gets the counts of the voting point, never a person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from backend.accounts.models import User
from backend.budget.models import Edition
from backend.budget.phases import Act
from backend.budget.voting import urn
from backend.budget.voting.box import context_for, open_box, open_for
from backend.budget.voting.context import Choice, ContextCache, build_context
from backend.budget.voting.journal import journal
from backend.budget.voting.models import VoteChannel
from backend.budget.voting.secrecy import new_receipt
from backend.budget.voting.service import (
    VOTERS,
    BallotRefused,
    PaperInfo,
    _already_voted,
    _document_used,
    _mark_document,
    check_paper_info,
    document_took_part,
    eligible_envelope,
    insert_voter,
)
from backend.db import utcnow
from backend.errors import Conflict
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import ActorRef


@dataclass(frozen=True, slots=True)
class Pass:
    """What the tablet's session holds between the sign-in and the tablet ballot: a random token,
    the envelope and the voting point. No person."""

    token: str
    envelope_id: int
    voting_point: str


def sign_in(
    session: Session, *, edition: Edition, user: User, info: PaperInfo, cache: ContextCache | None = None
) -> Pass:
    """Sign this person in at a voting point (the émargement). Raises NotEligible or Conflict
    (already voted, or their identity document already took part)."""
    assert edition.id is not None and user.id is not None
    info = check_paper_info(info)
    state = open_box(session, edition.id, edition.slug, user.id, act=Act.record_paper_ballot)
    ctx = context_for(session, edition.id, edition.slug, state, cache)
    envelope = eligible_envelope(ctx, state.facts, staff=True)
    if state.document_hash and document_took_part(session, edition.id, user.id, state.document_hash):
        raise _document_used(True)
    values: dict[str, object] = {
        "edition_id": edition.id,
        "user_id": user.id,
        "envelope_id": envelope.id,
        "channel": VoteChannel.in_person,
        "voting_point": info.voting_point,
        "identity_check": info.identity_check,
        "residence_check": info.residence_check,
        "recorded_by": info.recorded_by,
        "voted_at": utcnow(),
    }
    if insert_voter(session, values) is None:
        existing = session.execute(
            select(VOTERS.c.channel, VOTERS.c.voting_point, VOTERS.c.voted_at).where(
                VOTERS.c.edition_id == edition.id, VOTERS.c.user_id == user.id
            )
        ).first()
        if existing is not None and existing.channel == VoteChannel.online:
            raise Conflict(
                _("Cette personne a déjà voté en ligne : elle ne peut pas voter une deuxième fois."),
                field="deja_vote",
            )
        raise Conflict(_already_voted(VoteChannel.in_person, existing, staff=True), field="deja_vote")
    if state.document_hash and not _mark_document(session, edition.id, state.document_hash):
        raise _document_used(True)
    return Pass(secrets.token_urlsafe(32), envelope.id, info.voting_point)


def give_paper(session: Session, edition_id: int, grant: Pass) -> None:
    """The person votes on paper: the pass can no longer give a tablet ballot (even replayed)."""
    urn.burn_token(session, edition_id, grant.token)


def cast(
    session: Session, *, edition: Edition, grant: Pass, choice: Choice, cache: ContextCache | None = None
) -> str:
    """The voter's own ballot on the tablet; returns the receipt code. Raises BallotRefused (the
    pass stays valid: the voter corrects), or Conflict (vote closed, pass already used)."""
    assert edition.id is not None
    stamp = open_for(session, edition.id, Act.record_paper_ballot)
    ctx = cache.get(edition.id, edition.slug, stamp) if cache else None
    if ctx is None:
        ctx = build_context(session, edition)
    envelope = ctx.envelopes.get(grant.envelope_id)
    if envelope is None:
        raise Conflict(_("Ce bulletin ne correspond à aucune enveloppe. Demandez à l'agent de recommencer."))
    problems = ctx.problems(envelope, choice)
    if problems:
        raise BallotRefused(problems)
    if not urn.burn_token(session, edition.id, grant.token):
        raise Conflict(
            _("Ce vote est déjà enregistré. Une signature sur la liste donne un seul vote."),
            field="deja_vote",
        )
    receipt = new_receipt()
    urn.drop_at_point(
        session,
        edition.id,
        envelope.id,
        choice.encode(),
        channel=VoteChannel.isoloir,
        point=grant.voting_point,
        code=receipt,
    )
    return receipt


def _count_at(session: Session, table: Any, channel: str, edition_id: int, point: str) -> int:
    """Rows of ``table`` (émargements or ballots) of this channel at this voting point."""
    where = (table.c.edition_id == edition_id, table.c.channel == channel, table.c.voting_point == point)
    return int(session.execute(select(func.count()).where(*where)).scalar() or 0)


@dataclass(frozen=True, slots=True)
class PointCounts:
    voting_point: str
    signatures: int
    tablet_ballots: int


def close_point(session: Session, actor: ActorRef, edition: Edition, voting_point: str) -> PointCounts:
    """Close a voting point's session: mix the urn, and journal its counts (never a person)."""
    assert edition.id is not None
    point = " ".join(voting_point.split())
    urn.mix(session)
    signatures = _count_at(session, VOTERS, VoteChannel.in_person, edition.id, point)
    tablet = _count_at(session, urn.BALLOTS, VoteChannel.isoloir, edition.id, point)
    journal(
        session,
        actor,
        edition,
        "bp.voting_point_closed",
        ngettext(
            "Bureau de vote « %(point)s » fermé : %(n)s signature sur la liste d'émargement, "
            "%(tablet)s vote sur la tablette.",
            "Bureau de vote « %(point)s » fermé : %(n)s signatures sur la liste d'émargement, "
            "%(tablet)s votes sur la tablette.",
            signatures,
        )
        % {"point": point, "n": signatures, "tablet": tablet},
        {"voting_point": point, "signatures": signatures, "tablet_ballots": tablet},
    )
    return PointCounts(point, signatures, tablet)
