"""Closing the vote: count each envelope with the rules of :mod:`backend.counting`, publish the
anonymised ballots (pabulib ``.pb`` per envelope, one CSV for the edition) and journal the
results with each file's SHA-256.

The count is made *from the published file*: the ``.pb`` text is written first, parsed back
and counted with :func:`backend.counting.tally.tally`, exactly what ``qp tally FILE.pb`` does.
So anyone recounting the published file gets the published result.

Projects are listed by increasing proposal number (the tie-break of :mod:`backend.counting.rules`
uses that order). Choices of a project no longer on the ballot at close (hidden by moderation
during the vote) are left out of the file; a majority-judgment ballot that did not grade a
project (restored during the vote) gives it the lowest grade, as pabulib files do.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from backend.budget import phases
from backend.budget.models import BallotRule, CountingRule, Edition, Envelope, PhaseKey
from backend.budget.service import editions
from backend.budget.voting import urn
from backend.budget.voting.context import GRADES, Choice, EnvelopeBallot, VoteContext, build_context
from backend.budget.voting.journal import journal
from backend.budget.voting.models import Ballot, EnvelopeResult, Publication, VoteChannel, Voter
from backend.budget.voting.secrecy import fingerprint
from backend.budget.voting.service import lock_box
from backend.counting.pabulib import PbInstance, PbProject, PbVote, parse_pb, write_pb_rows
from backend.counting.profile import project_scores
from backend.counting.tally import tally
from backend.errors import Conflict, NotFound
from backend.formatting import format_euros as fmt_eur
from backend.formatting import format_number as fmt_int
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv

CSV_MEDIA = "text/csv; charset=utf-8"
PB_MEDIA = "text/plain; charset=utf-8"


def sha256_text(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def pb_name(edition: Edition | VoteContext, code: str) -> str:
    return f"{edition.slug}_{code}.pb"


def csv_name(edition: Edition | VoteContext) -> str:
    return f"{edition.slug}_bulletins.csv"


@dataclass(frozen=True)
class EnvelopeCount:
    envelope: EnvelopeBallot
    text: str  # the .pb file as published
    instance: PbInstance
    selected: tuple[str, ...]
    spent: Decimal
    scores: dict[str, Any]
    details: dict[str, Any]


def _meta(ctx: VoteContext, envelope: EnvelopeBallot, dates: tuple[str, str]) -> dict[str, str]:
    meta = {
        "description": f"{ctx.name} — {envelope.label}",
        "country": "France",
        "unit": ctx.name,
        "instance": ctx.slug,
        "subunit": envelope.label,
        "budget": str(envelope.amount),
        "vote_type": "scoring" if ctx.graded else "approval",
        "rule": ctx.counting_rule,
        "currency": "EUR",
        "language": "fr",
    }
    if dates[0]:
        meta["date_begin"], meta["date_end"] = dates
    if ctx.ballot_rule == BallotRule.approval:
        meta["min_length"] = str(ctx.ballot_min)
        if ctx.ballot_max:
            meta["max_length"] = str(ctx.ballot_max)
    elif ctx.ballot_rule == BallotRule.knapsack:
        meta["max_sum_cost"] = str(envelope.amount)
    else:
        meta["scoring_levels"] = ",".join(str(g) for g in range(len(GRADES)))
        meta["comment"] = "grades: " + ", ".join(f"{i}={g}" for i, g in enumerate(GRADES))
    if ctx.counting_rule == CountingRule.greedy_threshold and ctx.counting_threshold is not None:
        meta["min_project_score_threshold"] = f"{ctx.counting_threshold:g}"
    return meta


def _votes(ctx: VoteContext, envelope: EnvelopeBallot, rows: list[tuple[str, str]]) -> list[PbVote]:
    on_ballot = [p.id for p in envelope.projects]
    known = set(on_ballot)
    votes = []
    for digest, text in rows:
        choice = Choice.decode(text, ctx.graded)
        if ctx.graded:
            grades = choice.grades or {}
            ids = tuple(pid for pid in on_ballot if pid in grades)
            votes.append(PbVote(fingerprint(digest), ids, tuple(float(grades[pid]) for pid in ids)))
        else:
            chosen = set(choice.projects) & known
            votes.append(PbVote(fingerprint(digest), tuple(pid for pid in on_ballot if pid in chosen)))
    return votes


def count_envelope(
    ctx: VoteContext, envelope: EnvelopeBallot, rows: list[tuple[str, str]], dates: tuple[str, str] = ("", "")
) -> EnvelopeCount:
    """Write the envelope's .pb file, count it and return both (pure: no database)."""
    meta = _meta(ctx, envelope, dates)
    votes = sorted(_votes(ctx, envelope, rows), key=lambda v: v.voter_id)
    bare = [PbProject(p.id, p.cost, {"name": p.title}) for p in envelope.projects]
    instance = PbInstance.from_votes(meta, bare, votes)
    _rule, outcome = tally(instance)
    n = len(envelope.projects)
    scores: dict[str, Any] = {}
    if ctx.graded:
        counts = np.zeros((n, len(GRADES)), dtype=np.int64)
        points = instance.ballots.points if instance.ballots.points is not None else np.zeros(0)
        np.add.at(counts, (instance.ballots.indices, points.astype(np.int64)), 1)
        graded = np.bincount(instance.ballots.indices, minlength=n)
        counts[:, 0] += instance.ballots.n_voters - graded
        for i, p in enumerate(envelope.projects):
            scores[p.id] = {
                "grades": counts[i].tolist(),
                "majority": int(outcome.details.get(f"grade:{p.id}", 0)),
            }
    else:
        votes_per = project_scores(instance.kind, instance.ballots, n)
        scores = {p.id: {"votes": int(votes_per[i])} for i, p in enumerate(envelope.projects)}
    chosen = set(outcome.selected)
    final = [
        PbProject(
            p.id,
            p.cost,
            {
                "name": p.title,
                **({"votes": str(scores[p.id]["votes"])} if not ctx.graded else {}),
                "selected": "1" if p.id in chosen else "0",
            },
        )
        for p in envelope.projects
    ]
    text = write_pb_rows(meta, final, votes)
    published = parse_pb(text)
    _rule, check = tally(published)
    if check.selected != outcome.selected:  # pragma: no cover - the file is the count
        raise RuntimeError("the published file does not recount to the same result")
    details = {k: v for k, v in outcome.details.items() if not str(k).startswith("grade:")}
    return EnvelopeCount(envelope, text, published, outcome.selected, outcome.spent, scores, details)


def ballots_csv(ctx: VoteContext, per_envelope: Mapping[int, list[tuple[str, str]]]) -> str:
    """Every ballot of the edition, anonymised: envelope, receipt fingerprint, choices, and the
    receipt's full SHA-256 (as stored), so that anyone checks a receipt offline (`qp receipt check`)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["enveloppe", "empreinte_recu", "choix", "recu_sha256"])
    for envelope_id in sorted(per_envelope, key=lambda e: ctx.envelopes[e].code):
        envelope = ctx.envelopes[envelope_id]
        for digest, text in sorted(per_envelope[envelope_id], key=lambda r: fingerprint(r[0])):
            writer.writerow([envelope.code, fingerprint(digest), text, digest])
    return out.getvalue()


def _dates(session: Session, edition: Edition) -> tuple[str, str]:
    row = next((r for r in editions.calendar(session, edition) if r.phase == PhaseKey.vote), None)
    if row is None:
        return ("", "")
    return (row.starts_on.strftime("%d.%m.%Y"), row.ends_on.strftime("%d.%m.%Y") if row.ends_on else "")


def populations(session: Session, edition: Edition, ctx: VoteContext) -> dict[int, int | None]:
    """Residents per envelope (sum of its QPV's populations; None if one is unknown)."""
    pops: dict[int, int | None] = dict(session.exec(sm_select(Qpv.id, Qpv.population)).all())
    totals: dict[int, int | None] = dict.fromkeys(ctx.envelopes, 0)
    for qpv_id, envelope_id in ctx.envelope_by_qpv.items():
        value = pops.get(qpv_id)
        current = totals.get(envelope_id)
        totals[envelope_id] = None if value is None or current is None else current + int(value)
    return totals


def close_vote(session: Session, actor: ActorRef, edition: Edition) -> list[EnvelopeResult]:
    """Count, publish and journal (called when the edition enters « Résultats »)."""
    assert edition.id is not None
    lock_box(session, edition.id, exclusive=True)  # waits for ballots being cast, then blocks new ones
    urn.mix(session)  # the urn's physical order no longer follows the voters' order
    if session.exec(sm_select(EnvelopeResult.id).where(EnvelopeResult.edition_id == edition.id)).first():
        raise Conflict(_("Les résultats de cette édition sont déjà publiés."))
    ctx = build_context(session, edition)
    voters: dict[tuple[int, str], int] = {
        (r[0], r[1]): int(r[2])
        for r in session.execute(
            select(Voter.envelope_id, Voter.channel, func.count())  # type: ignore[call-overload]
            .where(Voter.edition_id == edition.id)
            .group_by(Voter.envelope_id, Voter.channel)
        ).all()
    }
    rows: dict[int, list[tuple[str, str]]] = {e: [] for e in ctx.envelopes}
    online: dict[int, int] = {}
    for envelope_id, digest, text, channel in session.execute(
        select(Ballot.envelope_id, Ballot.receipt_hash, Ballot.choices, Ballot.channel).where(  # type: ignore[call-overload]
            Ballot.edition_id == edition.id
        )
    ).all():
        rows.setdefault(envelope_id, []).append((digest, text))
        if channel in (VoteChannel.online, VoteChannel.unknown):
            online[envelope_id] = online.get(envelope_id, 0) + 1
    for envelope_id, envelope in ctx.envelopes.items():
        # An online ballot is stored with its voter: as many of both. At a voting point, a person
        # may sign the list and leave without voting (fewer ballots), never the other way round.
        signed = sum(n for (e, _c), n in voters.items() if e == envelope_id)
        if len(rows.get(envelope_id, [])) > signed or online.get(envelope_id, 0) < voters.get(
            (envelope_id, VoteChannel.online), 0
        ):
            raise Conflict(
                _(
                    "Le nombre de bulletins de l'enveloppe %(label)s ne correspond pas au nombre de votants : comptage arrêté."
                )
                % {"label": envelope.label}
            )
    dates = _dates(session, edition)
    pops = populations(session, edition, ctx)
    results = []
    files: dict[str, str] = {}
    for envelope_id, envelope in sorted(ctx.envelopes.items(), key=lambda kv: kv[1].code):
        if not envelope.projects:
            continue
        count = count_envelope(ctx, envelope, rows.get(envelope_id, []), dates)
        name = pb_name(edition, envelope.code)
        digest = sha256_text(count.text)
        files[name] = digest
        session.add(
            Publication(
                edition_id=edition.id, name=name, media_type=PB_MEDIA, content=count.text, sha256=digest
            )
        )
        result = EnvelopeResult(
            edition_id=edition.id,
            envelope_id=envelope_id,
            ballot_rule=ctx.ballot_rule,
            counting_rule=ctx.counting_rule,
            voters=count.instance.ballots.n_voters,
            population=pops.get(envelope_id),
            amount=envelope.amount,
            spent=int(count.spent),
            selected=list(count.selected),
            scores=count.scores,
            details=dict(count.details),
            file_name=name,
            file_sha256=digest,
        )
        session.add(result)
        results.append(result)
        titles = {p.id: p.title for p in envelope.projects}
        journal(
            session,
            actor,
            edition,
            "bp.envelope_counted",
            _(
                "Enveloppe %(label)s : %(voters)s personnes ont voté, %(n)d projet(s) retenu(s) pour %(spent)s sur %(amount)s "
                "(règle « %(rule)s »). Fichier %(file)s, SHA-256 %(sha)s."
            )
            % {
                "label": envelope.label,
                "voters": fmt_int(result.voters),
                "n": len(result.selected),
                "spent": fmt_eur(result.spent),
                "amount": fmt_eur(result.amount),
                "rule": ctx.counting_rule,
                "file": name,
                "sha": digest,
            },
            payload={
                "envelope": envelope.code,
                "rule": ctx.counting_rule,
                "voters": result.voters,
                "selected": [{"id": pid, "title": titles.get(pid, "")} for pid in result.selected],
                "spent": result.spent,
                "amount": result.amount,
                "file": name,
                "sha256": digest,
            },
            territory=envelope.code,
        )
    table = ballots_csv(ctx, rows)
    name = csv_name(edition)
    digest = sha256_text(table)
    files[name] = digest
    session.add(
        Publication(edition_id=edition.id, name=name, media_type=CSV_MEDIA, content=table, sha256=digest)
    )
    channels: dict[str, int] = dict(
        session.execute(
            select(Voter.channel, func.count()).where(Voter.edition_id == edition.id).group_by(Voter.channel)  # type: ignore[call-overload]
        ).all()
    )
    total = sum(len(r) for r in rows.values())
    session.flush()
    journal(
        session,
        actor,
        edition,
        "bp.ballots_published",
        ngettext(
            "Vote clos : %(n)s bulletin anonyme publié (%(online)s en ligne, %(paper)s sur papier). "
            "Empreinte SHA-256 du fichier %(file)s : %(sha)s.",
            "Vote clos : %(n)s bulletins anonymes publiés (%(online)s en ligne, %(paper)s sur papier). "
            "Empreinte SHA-256 du fichier %(file)s : %(sha)s.",
            total,
        )
        % {
            "n": fmt_int(total),
            "online": fmt_int(channels.get(VoteChannel.online, 0)),
            "paper": fmt_int(channels.get(VoteChannel.paper, 0) + channels.get(VoteChannel.in_person, 0)),
            "file": name,
            "sha": digest,
        },
        payload={"ballots": total, "channels": channels, "files": files},
    )
    return results


def on_phase_changed(session: Session, actor: ActorRef, edition: Edition, before: str, after: str) -> None:
    """The budget's phase hook: entering « Résultats » from the vote closes and counts it."""
    if before == PhaseKey.vote and after == PhaseKey.resultats:
        close_vote(session, actor, edition)


# --- reading ---------------------------------------------------------------------------------


def results_of(session: Session, edition: Edition) -> list[EnvelopeResult]:
    return list(session.exec(sm_select(EnvelopeResult).where(EnvelopeResult.edition_id == edition.id)).all())


def publications(session: Session, edition: Edition) -> list[Publication]:
    return list(
        session.exec(
            sm_select(Publication).where(Publication.edition_id == edition.id).order_by(col(Publication.name))
        ).all()
    )


def publication(session: Session, edition: Edition, name: str) -> Publication:
    found = session.exec(
        sm_select(Publication).where(Publication.edition_id == edition.id, Publication.name == name)
    ).first()
    if found is None:
        raise NotFound(_("Ce fichier n'existe pas."))
    return found


def export_pb(session: Session, slug: str) -> dict[str, str]:
    """The published .pb files of a closed edition, by file name (byte for byte as journaled)."""
    edition = editions.get_edition(session, slug)
    if phases.ORDER.index(edition.phase) < phases.ORDER.index(PhaseKey.resultats):
        raise Conflict(_("Le vote de cette édition n'est pas clos : ses bulletins ne sont pas publiés."))
    return {p.name: p.content for p in publications(session, edition) if p.name.endswith(".pb")}


@dataclass(frozen=True)
class ReceiptCheck:
    """What the published ballots say about a receipt."""

    found: bool
    envelope: str | None = None
    fingerprint: str | None = None
    choices: str | None = None
    file_name: str | None = None


def check_published_receipt(session: Session, edition: Edition, digest: str) -> ReceiptCheck:
    """Look the receipt's fingerprint up in the published CSV (not in the live tables)."""
    table = next((p for p in publications(session, edition) if p.name.endswith(".csv")), None)
    if table is None:
        return ReceiptCheck(False)
    fp = fingerprint(digest)
    for row in csv.DictReader(io.StringIO(table.content), delimiter=";"):
        if row["empreinte_recu"] == fp:
            return ReceiptCheck(True, row["enveloppe"], fp, row["choix"], table.name)
    return ReceiptCheck(False, fingerprint=fp, file_name=table.name)


def envelope_labels(session: Session, edition: Edition) -> dict[int, Envelope]:
    return {e.id: e for e in editions.envelopes(session, edition) if e.id is not None}
