"""Paper ballots with a stub, their dépouillement and the reconciliation of each voting point.

As in French polling stations, the émargement (who came, in ``bp_voter``) is kept apart from the
ballot box (``bp_ballot``, through :func:`backend.budget.voting.urn.drop`):

* **Printing**: staff print N ballot papers for a voting point and an envelope. Each paper carries
  a random code (the receipt format of :mod:`.secrecy`) on the ballot and on a detachable stub the
  voter keeps. Only the codes' hashes are stored (``bp_paper_code``), with no person and no time.
* **Dépouillement**: after the voting point closes, its ballots are entered one by one (code and
  choices, never a name) or imported as a ``code;choix`` file, all or nothing (:mod:`.depouillement_file`). Only a printed code
  of that point counts, and once. Blank (« blanc ») and spoiled (« nul ») ballots are counted apart.
  The ballot's receipt hash is its code's hash: the voter checks the stub like an online receipt.
* **Reconciliation**: per voting point, the ballots counted against the émargements. Closing the
  point's dépouillement with a difference needs an explanation; the close is journaled with the
  counts and the explanation.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.voting import urn
from backend.budget.voting.box import insert_new, open_for, require_vote_phase
from backend.budget.voting.context import Choice, EnvelopeBallot, VoteContext, build_context
from backend.budget.voting.journal import journal
from backend.budget.voting.models import Depouillement, PaperCode, VoteChannel
from backend.budget.voting.reconciliation import PointTally, points, tally
from backend.budget.voting.secrecy import new_receipt, normalize_receipt, receipt_hash
from backend.db import utcnow
from backend.errors import Conflict, Forbidden, Invalid
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import ActorRef

__all__ = ["PointTally", "points", "tally"]  # the reconciliation's reads, imported from here too

PRINTED = "bp.paper_ballots_printed"
ENTERED = "bp.depouillement_entry"
RECONCILED = "bp.reconciliation"
MAX_PAPERS = 500
VALID, BLANK, SPOILED = "valable", "blanc", "nul"
GRADE_WORDS = {"I": 0, "INSUFFISANT": 0, "P": 1, "PASSABLE": 1, "B": 2, "BIEN": 2, "TB": 3, "TRESBIEN": 3}


def _plain(text: str) -> str:
    """Lower case, no accents: « Blanc », « BLANC » and « blanc » read the same."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def clean_point(text: str) -> str:
    """The voting point's name, spaces tidied; refused when empty or too long."""
    point = " ".join(text.split())
    if not 2 <= len(point) <= 120:
        raise Invalid(_("Indiquez le bureau de vote (par exemple : Mairie des 13e-14e)."), field="bureau")
    return point


def parse_choice(text: str, graded: bool) -> Choice:
    """Choices as copied from a paper: « 12 15 18 », or a grade per project « 12:TB 15:B 18:P »."""
    parts = [p for p in text.replace(",", " ").replace("|", " ").replace(";", " ").split() if p]
    if not graded:
        return Choice(projects=tuple(p.lstrip("nN°#") for p in parts))
    grades: dict[str, int] = {}
    for part in parts:
        pid, _sep, grade = part.partition(":")
        word = _plain(grade).upper().replace(" ", "").replace("-", "")
        grades[pid.strip().lstrip("nN°#")] = GRADE_WORDS.get(word, int(word) if word.isdigit() else -1)
    return Choice(grades=grades)


def ballot_kind(text: str) -> str:
    """« blanc », « nul », or a ballot with choices."""
    plain = _plain(text)
    return plain if plain in (BLANK, SPOILED) else VALID


# --- printing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintBatch:
    batch: str
    point: str
    envelope: EnvelopeBallot
    codes: list[str]


def print_papers(
    session: Session, *, actor: ActorRef, edition: Edition, envelope: EnvelopeBallot, point: str, count: int
) -> PrintBatch:
    """Draw ``count`` codes for papers of this point and envelope; store only their hashes."""
    assert edition.id is not None
    require_vote_phase(edition.phase, phases.Act.record_paper_ballot)
    point = clean_point(point)
    if not 1 <= count <= MAX_PAPERS:
        raise Invalid(
            _("Indiquez un nombre de bulletins entre 1 et %(max)d.") % {"max": MAX_PAPERS}, field="nombre"
        )
    open_sheet(session, edition.id, point)
    batch = secrets.token_hex(4)
    codes = [new_receipt() for _n in range(count)]
    session.add_all(
        PaperCode(
            edition_id=edition.id,
            envelope_id=envelope.id,
            voting_point=point,
            code_hash=receipt_hash(code),
            print_batch=batch,
        )
        for code in codes
    )
    session.flush()
    journal(
        session,
        actor,
        edition,
        PRINTED,
        ngettext(
            "%(n)d bulletin papier imprimé pour le bureau « %(point)s » (enveloppe %(env)s, lot %(batch)s).",
            "%(n)d bulletins papier imprimés pour le bureau « %(point)s » (enveloppe %(env)s, lot %(batch)s).",
            count,
        )
        % {"n": count, "point": point, "env": envelope.label, "batch": batch},
        {"voting_point": point, "envelope": envelope.code, "papers": count, "batch": batch},
        territory=envelope.code,
    )
    return PrintBatch(batch, point, envelope, codes)


# --- the dépouillement of one voting point -----------------------------------------------------


def open_sheet(session: Session, edition_id: int, point: str) -> Depouillement:
    """The point's count, created if needed and locked (PostgreSQL) until the end of the
    transaction; refused once the point's dépouillement is closed."""
    table = Depouillement.__table__  # type: ignore[attr-defined]
    values: dict[str, object] = {"edition_id": edition_id, "voting_point": point, "blank": 0, "spoiled": 0}
    insert_new(session, table, values, ["edition_id", "voting_point"])
    sheet = session.exec(
        select(Depouillement)
        .where(Depouillement.edition_id == edition_id, Depouillement.voting_point == point)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    if sheet.closed_at is not None:
        raise Conflict(
            _("Le dépouillement du bureau « %(point)s » est clos : on ne peut plus rien y ajouter.")
            % {"point": point},
            field="bureau",
        )
    return sheet


def open_count(session: Session, edition: Edition) -> None:
    """Ballots share the edition's lock with online ones: none is added once the count started."""
    assert edition.id is not None
    open_for(session, edition.id, phases.Act.record_paper_ballot)


def _find_code(
    session: Session, edition_id: int, point: str, code: str, envelopes: Collection[int] | None
) -> PaperCode:
    """The printed paper of this code; refused if unknown, of another point or already counted."""
    if normalize_receipt(code) is None:
        raise Invalid(
            _("Le code n'a pas la bonne forme : il a 12 caractères, par exemple 7K3M-Q9XD-2HRA."),
            field="code",
        )
    paper = session.exec(
        select(PaperCode).where(PaperCode.edition_id == edition_id, PaperCode.code_hash == receipt_hash(code))
    ).first()
    if paper is None:
        raise Invalid(
            _(
                "Ce code ne correspond à aucun bulletin imprimé pour ce vote. Relisez le code sur le bulletin."
            ),
            field="code",
        )
    if paper.voting_point != point:
        raise Invalid(
            _("Ce bulletin a été imprimé pour le bureau « %(other)s », pas pour celui-ci.")
            % {"other": paper.voting_point},
            field="code",
        )
    if envelopes is not None and paper.envelope_id not in envelopes:
        raise Forbidden(_("Ce bulletin est pour une enveloppe dont vous n'avez pas la charge."), field="code")
    if paper.used:
        raise _counted()
    return paper


def _counted() -> Conflict:
    return Conflict(_("Ce bulletin est déjà compté : un code ne compte qu'une fois."), field="code")


def _cross_out(session: Session, paper: PaperCode) -> None:
    """Mark the paper as counted; the condition on ``used`` settles two entries of one code."""
    changed = session.execute(
        update(PaperCode)
        .where(col(PaperCode.id) == paper.id, col(PaperCode.used).is_(False))
        .values(used=True)
    ).rowcount  # type: ignore[attr-defined]
    if changed != 1:
        raise _counted()


def count_one(
    session: Session,
    ctx: VoteContext,
    sheet: Depouillement,
    *,
    code: str,
    kind: str,
    choices: str,
    envelopes: Collection[int] | None,
) -> None:
    """Check and count one ballot of the sheet's voting point (the caller holds a savepoint)."""
    if kind in (BLANK, SPOILED):
        if code:  # a readable code is crossed out, so that it cannot count again
            _cross_out(session, _find_code(session, ctx.edition_id, sheet.voting_point, code, envelopes))
        if kind == BLANK:
            sheet.blank += 1
        else:
            sheet.spoiled += 1
        session.add(sheet)
        session.flush()
        return
    if not code:
        raise Invalid(_("Recopiez le code imprimé sur le bulletin."), field="code")
    paper = _find_code(session, ctx.edition_id, sheet.voting_point, code, envelopes)
    envelope = ctx.envelopes.get(paper.envelope_id)
    if envelope is None:
        raise Invalid(_("L'enveloppe de ce bulletin n'existe plus."), field="code")
    choice = parse_choice(choices, ctx.graded)
    problems = ctx.problems(envelope, choice)
    if problems:
        raise Invalid(
            " ".join([*(p.message for p in problems), _("Si le bulletin ne suit pas la règle, il est nul.")]),
            field="choix",
        )
    _cross_out(session, paper)
    urn.drop_at_point(
        session,
        ctx.edition_id,
        envelope.id,
        choice.encode(),
        channel=VoteChannel.paper,
        point=sheet.voting_point,
        code=code,
    )


def enter_ballot(
    session: Session,
    *,
    actor: ActorRef,
    edition: Edition,
    point: str,
    code: str,
    kind: str,
    choices: str = "",
    envelopes: Collection[int] | None = None,
    ctx: VoteContext | None = None,
) -> PointTally:
    """Count one paper ballot of a voting point (``kind``: valable, blanc or nul); journaled
    with the point's counts, never with the code or the choices."""
    assert edition.id is not None
    point = clean_point(point)
    open_count(session, edition)
    sheet = open_sheet(session, edition.id, point)
    count_one(
        session,
        ctx or build_context(session, edition),
        sheet,
        code=code.strip(),
        kind=kind if kind in (BLANK, SPOILED) else VALID,
        choices=choices,
        envelopes=envelopes,
    )
    now = tally(session, edition.id, point)[0]
    journal(
        session,
        actor,
        edition,
        ENTERED,
        _(
            "Dépouillement du bureau « %(point)s » : un bulletin saisi. "
            "Le bureau compte %(ballots)d bulletins avec des choix, %(blank)d blancs et %(spoiled)d nuls."
        )
        % {"point": point, "ballots": now.ballots, "blank": now.blank, "spoiled": now.spoiled},
        {"voting_point": point, "ballots": now.ballots, "blank": now.blank, "spoiled": now.spoiled},
    )
    return now


# --- reconciliation ----------------------------------------------------------------------------


def close_point(
    session: Session, *, actor: ActorRef, edition: Edition, point: str, explanation: str = ""
) -> PointTally:
    """Close a voting point's dépouillement: ballots counted against émargements. A difference
    needs an explanation; the counts and the explanation are journaled."""
    assert edition.id is not None
    point = clean_point(point)
    open_count(session, edition)
    sheet = open_sheet(session, edition.id, point)
    now = tally(session, edition.id, point)[0]
    text = " ".join(explanation.split())[:2000]
    if now.difference != 0 and len(text) < 10:
        raise Invalid(
            _(
                "Il y a une différence : %(status)s. Expliquez-la en une phrase au moins "
                "(par exemple : une personne est repartie avec son bulletin)."
            )
            % {"status": now.status.lower()},
            field="explication",
        )
    sheet.closed_at = utcnow()
    sheet.closed_by = actor.id
    sheet.emargements = now.emargements
    sheet.ballots = now.counted
    sheet.explanation = text or None
    session.add(sheet)
    session.flush()
    facts = {
        "point": point,
        "emargements": now.emargements,
        "counted": now.counted,
        "blank": now.blank,
        "spoiled": now.spoiled,
        "status": now.status,
    }
    reason = (
        _(
            "Dépouillement du bureau « %(point)s » clos : %(emargements)d émargements, %(counted)d bulletins "
            "(dont %(blank)d blancs et %(spoiled)d nuls). %(status)s."
        )
        % facts
    )
    if text:
        reason += " " + _("Explication : %(text)s") % {"text": text}
    journal(
        session,
        actor,
        edition,
        RECONCILED,
        reason,
        {
            "voting_point": point,
            "emargements": now.emargements,
            "ballots": now.ballots,
            "blank": now.blank,
            "spoiled": now.spoiled,
            "counted": now.counted,
            "difference": now.difference,
            "explanation": text,
        },
    )
    return tally(session, edition.id, point)[0]
