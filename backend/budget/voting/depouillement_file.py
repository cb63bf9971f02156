"""The dépouillement of a voting point from a file: one line per ballot, ``code;choix`` (« blanc »
and « nul » for blank and spoiled ballots), never an identity column. All or nothing, line by line,
through the same checks as the entry of one ballot (:mod:`.depouillement`)."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from functools import partial

from sqlmodel import Session

from backend.budget.models import Edition
from backend.budget.voting.context import VoteContext, build_context
from backend.budget.voting.csv_import import MAX_BYTES, all_or_nothing, decode, file_problem, read_table
from backend.budget.voting.depouillement import (
    BLANK,
    SPOILED,
    ballot_kind,
    clean_point,
    count_one,
    open_count,
    open_sheet,
)
from backend.budget.voting.journal import journal
from backend.budget.voting.models import PaperBatch
from backend.budget.voting.secrecy import normalize_receipt
from backend.db import attempt
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

__all__ = ["MAX_BYTES", "import_count"]  # the views read the size limit here
IMPORTED = "bp.depouillement_imported"

COLUMNS = ("code", "choix")
# Columns that would say who voted: a dépouillement file never has them.
IDENTITY_COLUMNS = frozenset(
    {
        "identifiant",
        "nom",
        "prenom",
        "nom_prenom",
        "email",
        "e-mail",
        "mail",
        "courriel",
        "telephone",
        "tel",
        "annee_naissance",
        "date_naissance",
        "naissance",
        "adresse",
        "numero_piece",
        "piece_identite",
        "personne",
        "votant",
        "electeur",
    }
)


# --- the dépouillement file --------------------------------------------------------------------


@dataclass
class CountReport:
    """What a ``code;choix`` file holds, line by line; ``refused`` lists (line, reason)."""

    filename: str
    sha256: str
    point: str = ""
    applied: bool = False
    lines: int = 0
    ballots: int = 0
    blank: int = 0
    spoiled: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)
    problem: str | None = None

    @property
    def counted(self) -> int:
        return self.ballots + self.blank + self.spoiled


def _columns_problem(header: list[str]) -> str | None:
    identity = [h for h in header if h in IDENTITY_COLUMNS]
    if identity:
        return _(
            "Ce fichier a des colonnes qui disent qui a voté (%(cols)s). Le vote est secret : "
            "le fichier du dépouillement a seulement les colonnes code et choix. Retirez ces colonnes."
        ) % {"cols": ", ".join(identity)}
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return _("Il manque la colonne %(cols)s. Le fichier a les colonnes : code;choix.") % {
            "cols": ", ".join(missing)
        }
    other = [h for h in header if h not in COLUMNS]
    if other:
        return _("Colonnes inconnues : %(cols)s. Le fichier a seulement les colonnes : code;choix.") % {
            "cols": ", ".join(other)
        }
    return None


def import_count(
    session: Session,
    *,
    actor: ActorRef,
    edition: Edition,
    point: str,
    filename: str,
    raw: bytes,
    apply: bool,
    envelopes: Collection[int] | None = None,
    ctx: VoteContext | None = None,
) -> CountReport:
    """Check (``apply=False``) or record the ballots of one voting point from a ``code;choix``
    file. One refused line cancels it all; a file is recorded once per edition."""
    assert edition.id is not None
    digest = hashlib.sha256(raw).hexdigest()
    report = CountReport(filename=filename[:200] or "depouillement.csv", sha256=digest)
    try:
        report.point = clean_point(point)
    except Invalid as exc:
        report.problem = exc.message
        return report
    report.problem = file_problem(session, edition.id, raw, digest)
    if report.problem:
        return report
    try:
        header, rows = read_table(decode(raw))
    except csv.Error as exc:
        report.problem = _("Le fichier n'est pas un CSV lisible : %(e)s.") % {"e": str(exc)}
        return report
    report.problem = _columns_problem(header)
    if report.problem:
        return report
    if not rows:
        report.problem = _("Le fichier ne contient aucune ligne de bulletin.")
        return report
    ctx = ctx or build_context(session, edition)
    try:
        with all_or_nothing(session) as outer:
            open_count(session, edition)
            sheet = open_sheet(session, edition.id, report.point)
            seen: dict[str, int] = {}
            for number, row in enumerate(rows, start=2):  # line 1 is the header
                report.lines += 1
                code, kind = row.get("code", ""), ballot_kind(row.get("choix", ""))
                key = normalize_receipt(code) or ""
                if key and key in seen:
                    report.refused.append(
                        (number, _("Ce code est déjà à la ligne %(n)d du fichier.") % {"n": seen[key]})
                    )
                    continue
                seen.setdefault(key, number)
                choices = row.get("choix", "")
                outcome = attempt(
                    session,
                    partial(
                        count_one,
                        session,
                        ctx,
                        sheet,
                        code=code,
                        kind=kind,
                        choices=choices,
                        envelopes=envelopes,
                    ),
                )
                if isinstance(outcome, DomainError):
                    session.refresh(sheet)
                    report.refused.append((number, outcome.message))
                    continue
                if kind == BLANK:
                    report.blank += 1
                elif kind == SPOILED:
                    report.spoiled += 1
                else:
                    report.ballots += 1
            if report.refused or not apply:
                outer.rollback()
                return report
            session.add(
                PaperBatch(
                    edition_id=edition.id,
                    filename=report.filename,
                    sha256=digest,
                    ballots=report.counted,
                    per_point={report.point: report.counted},
                    imported_by=actor.id,
                )
            )
            session.flush()
            journal(
                session,
                actor,
                edition,
                IMPORTED,
                _(
                    "Dépouillement du bureau « %(point)s » importé : %(ballots)d bulletins avec des choix, "
                    "%(blank)d blancs, %(spoiled)d nuls. Fichier « %(file)s », SHA-256 %(sha)s."
                )
                % {
                    "point": report.point,
                    "ballots": report.ballots,
                    "blank": report.blank,
                    "spoiled": report.spoiled,
                    "file": report.filename,
                    "sha": digest,
                },
                {
                    "voting_point": report.point,
                    "ballots": report.ballots,
                    "blank": report.blank,
                    "spoiled": report.spoiled,
                    "file": report.filename,
                    "sha256": digest,
                },
            )
    except DomainError as exc:  # the box or the point is closed
        report.problem = exc.message
        return report
    report.applied = True
    return report
