"""The urn: every ballot is stored here, and nothing stored here names its voter.

A ballot row is keyed by a random id (:func:`new_id`), drawn when the ballot is dropped. It has no
user id, no timestamp, no sequence: with the database *and* every secret of the server, one cannot
tell whose ballot it is. What still links, and what does not (``docs/secret-ballot.md``):

* **The revote exception.** When an edition lets voters change their vote, an *online* ballot keeps
  a ``slot`` = HMAC(server secret, edition, person), so the server can find and replace it. Whoever
  holds the database and ``APP_SECRET_KEY`` can link those ballots (only those) to their voters.
  Paper and tablet (isoloir) ballots never carry a slot, and no ballot of an edition without revote
  does.
* **Physical order.** SQLite stores ``bp_ballot`` WITHOUT ROWID, in the order of the random id. A
  PostgreSQL heap keeps rows in insertion order, and each row's ``xmin`` is the id of the
  transaction that inserted it: until :func:`mix` runs, someone reading the raw table could compare
  that order with the times of the émargements. :func:`mix` runs when a voting point closes and
  when the vote closes; it rewrites the table in random-id order, every row with the same ``xmin``.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import func, insert, literal, select, text
from sqlmodel import Session

from backend.budget.voting.box import insert_new, is_pg
from backend.budget.voting.models import Ballot, IsoloirToken, VoteChannel, Voter
from backend.budget.voting.secrecy import receipt_hash as receipt_hash_of
from backend.errors import Invalid
from backend.i18n import gettext as _

BALLOTS = Ballot.__table__  # type: ignore[attr-defined]
VOTERS = Voter.__table__  # type: ignore[attr-defined]
TOKENS = IsoloirToken.__table__  # type: ignore[attr-defined]
BALLOT_CHANNELS = (VoteChannel.online, VoteChannel.paper, VoteChannel.isoloir)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def new_id() -> str:
    """A ballot's primary key: 128 random bits, never derived from the voter."""
    return secrets.token_hex(16)


def row(
    *,
    edition_id: int,
    envelope_id: int,
    choices: str,
    channel: str,
    voting_point: str | None,
    receipt_hash: str,
    slot: str | None = None,
) -> dict[str, object]:
    """The values of one ballot row, checked (the fast path inserts this same row)."""
    if channel not in BALLOT_CHANNELS:
        raise ValueError(f"not a ballot channel: {channel!r}")
    if slot is not None and channel != VoteChannel.online:
        raise ValueError("only an online ballot may keep a slot (the revote exception)")
    if not _HEX64.match(receipt_hash):
        raise ValueError("receipt_hash must be the SHA-256 of the receipt, in hex")
    point = " ".join((voting_point or "").split()) or None
    if channel != VoteChannel.online and (point is None or len(point) > 120):
        raise Invalid(
            _("Indiquez le bureau de vote (par exemple : Mairie des 13e-14e)."), field="voting_point"
        )
    return {
        "id": new_id(),
        "edition_id": edition_id,
        "envelope_id": envelope_id,
        "choices": choices,
        "receipt_hash": receipt_hash,
        "channel": str(channel),
        "voting_point": point if channel != VoteChannel.online else None,
        "slot": slot,
    }


def drop(session: Session, ballot: dict[str, object]) -> None:
    """Put one ballot (a :func:`row`) in the urn: paper ballots at the dépouillement, tablet
    ballots. The caller checked the ballot against the edition's rules; the receipt hash is
    unique (a second ballot with the same receipt fails with an integrity error)."""
    session.execute(insert(BALLOTS).values(**ballot))


def drop_at_point(
    session: Session, edition_id: int, envelope_id: int, choices: str, *, channel: str, point: str, code: str
) -> None:
    """An in-person ballot (the tablet's, or a paper counted at the dépouillement): into the urn
    with its voting point, found again by its receipt code's hash."""
    ballot = row(
        edition_id=edition_id,
        envelope_id=envelope_id,
        choices=choices,
        channel=channel,
        voting_point=point,
        receipt_hash=receipt_hash_of(code),
    )
    drop(session, ballot)


def drop_with_voter(session: Session, voter: dict[str, object], ballot: dict[str, object]) -> bool:
    """Insert the voter row and, only if it was new, the ballot (a :func:`row`); False if the person
    had voted. Online ballots, and paper sheets typed with their voter (CSV import).

    PostgreSQL does both in one statement (one round trip on the hot path): the ballot is inserted
    from the voter row that ``ON CONFLICT DO NOTHING`` returned, or not at all."""
    from sqlalchemy.dialects import postgresql

    if not is_pg(session):
        if insert_new(session, VOTERS, voter, ["edition_id", "user_id"], VOTERS.c.id) is None:
            return False
        session.execute(insert(BALLOTS).values(**ballot))
        return True
    new_voter = (
        postgresql.insert(VOTERS)
        .values(**voter)
        .on_conflict_do_nothing(index_elements=["edition_id", "user_id"])
        .returning(VOTERS.c.id)
        .cte("new_voter")
    )
    columns = list(ballot)
    from_voter = insert(BALLOTS).from_select(
        columns, select(*[literal(ballot[c], BALLOTS.c[c].type) for c in columns]).select_from(new_voter)
    )
    return bool(session.execute(from_voter.returning(BALLOTS.c.id)).first())


def mix(session: Session) -> None:
    """Shake the urn: on PostgreSQL, rewrite ``bp_ballot`` in random-id order, so that neither the
    physical order (ctid) nor the inserting transaction (xmin) follows the order of the voters.
    TRUNCATE gives the table a new file (the old one is removed at commit), the rows come back
    sorted, all inserted by this transaction. It locks the table for the time of the rewrite (ballots
    being cast wait a moment), and, as any TRUNCATE, a REPEATABLE READ transaction that started
    before would see the table empty: the app reads in READ COMMITTED. SQLite needs nothing (WITHOUT
    ROWID table)."""
    if not is_pg(session):
        return
    session.execute(text("LOCK TABLE bp_ballot IN ACCESS EXCLUSIVE MODE"))
    session.execute(text("CREATE TEMP TABLE bp_ballot_mix ON COMMIT DROP AS SELECT * FROM bp_ballot"))
    session.execute(text("TRUNCATE bp_ballot"))
    session.execute(text("INSERT INTO bp_ballot SELECT * FROM bp_ballot_mix ORDER BY id"))
    session.execute(text("DROP TABLE bp_ballot_mix"))


def token_hash(token: str) -> str:
    return hashlib.sha256(("qp/bp-isoloir/v1:" + token).encode()).hexdigest()


def burn_token(session: Session, edition_id: int, token: str) -> bool:
    """Mark a tablet token as used; False if it already was (a replayed ballot)."""
    values: dict[str, object] = {"token_hash": token_hash(token), "edition_id": edition_id}
    return insert_new(session, TOKENS, values, ["token_hash"], TOKENS.c.token_hash) is not None


def ballots_by_point(session: Session, edition_id: int) -> dict[tuple[str, str | None], int]:
    """Ballots in the urn per (channel, voting point), for the reconciliation with the émargements."""
    rows = session.execute(
        select(BALLOTS.c.channel, BALLOTS.c.voting_point, func.count())
        .where(BALLOTS.c.edition_id == edition_id)
        .group_by(BALLOTS.c.channel, BALLOTS.c.voting_point)
    ).all()
    return {(r[0], r[1]): int(r[2]) for r in rows}
