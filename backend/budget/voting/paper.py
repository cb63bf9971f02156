"""Import of a paper register of émargements (CSV): who came to vote at a voting point, never
what they chose — the ballots went into the box apart and are counted at the dépouillement
(:mod:`.depouillement`). All or nothing, with a report.

One line per person who signed the register: ``bureau;identifiant;nom;annee_naissance;quartier;
verification_identite;verification_residence``. ``identifiant`` is the person's e-mail or phone
number; an unknown person is registered (``nom``, ``annee_naissance`` and ``quartier`` then
needed). ``verification_residence`` says how residence was checked (empty: the account's residence
stands). An optional ``numero_piece`` column holds the number of the identity document seen (kept
only as a keyed hash on the account): one document then takes part once per edition, as at the
voting point's screen. A file with a ``choix`` column is refused: a register never holds choices.

The whole file runs inside one savepoint, each line inside its own: with ``apply=False`` (the
check) or as soon as one line is refused, everything is rolled back and the report says why,
line by line. Only a file without any refused line is recorded, and only once (its SHA-256 is
unique per edition).
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from functools import partial

from sqlmodel import Session, col, select

from backend.accounts import documents
from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.voting import service
from backend.budget.voting.context import ContextCache
from backend.budget.voting.csv_import import all_or_nothing, decode, file_problem, read_table
from backend.budget.voting.journal import journal
from backend.budget.voting.models import Depouillement, PaperBatch, VoteChannel
from backend.budget.voting.service import PaperInfo
from backend.db import attempt, utcnow
from backend.errors import Conflict, DomainError, Invalid
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv, QpvRef

COLUMNS = (
    "bureau",
    "identifiant",
    "nom",
    "annee_naissance",
    "quartier",
    "verification_identite",
    "verification_residence",
    "numero_piece",
)
REQUIRED = ("bureau", "identifiant", "verification_identite")
# Columns that would put a person's choices next to their name.
CHOICE_COLUMNS = ("choix", "vote", "projets", "bulletin")


@dataclass
class PointCount:
    lines: int = 0
    recorded: int = 0
    refused: int = 0


@dataclass
class BatchReport:
    filename: str
    sha256: str
    applied: bool = False
    per_point: dict[str, PointCount] = field(default_factory=dict)
    refused: list[tuple[int, str, str]] = field(default_factory=list)  # (line, who, reason)
    problem: str | None = None  # a problem with the whole file

    @property
    def lines(self) -> int:
        return sum(c.lines for c in self.per_point.values())

    @property
    def accepted(self) -> int:
        return sum(c.recorded for c in self.per_point.values())


def _rows(text: str) -> list[dict[str, str]]:
    header, rows = read_table(text)
    choices = [c for c in CHOICE_COLUMNS if c in header]
    if choices:
        raise Invalid(
            _(
                "Ce fichier contient des choix de vote (colonne %(cols)s). Le registre d'émargement "
                "dit seulement qui est venu voter : le vote est secret. Retirez cette colonne. Les "
                "bulletins se comptent au dépouillement, sans nom."
            )
            % {"cols": ", ".join(choices)},
            field="fichier",
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Invalid(
            _("Le fichier n'a pas les colonnes attendues : il manque %(cols)s. Colonnes : %(all)s.")
            % {"cols": ", ".join(missing), "all": ";".join(COLUMNS)},
            field="fichier",
        )
    return rows


def _document_kind(text: str) -> str:
    """The kind of document from the sheet's free text (« Passeport », « CNI »…), else « autre »."""
    plain = text.strip().lower()
    for key, label in documents.DOCUMENT_KINDS.items():
        if plain in (key, label.lower()):
            return key
    return "carte_identite" if plain in ("cni", "carte d'identite") else "autre"


def _person(session: Session, actor: ActorRef, row: dict[str, str], covered: dict[str, QpvRef]) -> User:
    """The person of a line: found by identifier, or registered (in person, no password)."""
    identifier = row.get("identifiant", "")
    try:
        user = accounts.find_by_identifier(session, identifier)
    except Invalid as exc:
        raise Invalid(
            _("Identifiant illisible : donnez une adresse e-mail ou un numéro de téléphone."),
            field="identifiant",
        ) from exc
    code = row.get("quartier", "").upper()
    if user is None:
        if not row.get("nom"):
            raise Invalid(
                _(
                    "Personne inconnue : indiquez son nom, son année de naissance et son quartier pour l'inscrire."
                )
            )
        year = row.get("annee_naissance", "")
        if not year.isdigit():
            raise Invalid(_("Indiquez l'année de naissance de la personne (4 chiffres)."))
        user = accounts.register(
            session,
            identifier=identifier,
            password=None,
            display_name=row["nom"],
            birth_year=int(year),
            registered_by=actor.id,
        )
    if code:
        if code not in covered:
            raise Invalid(
                _("Le quartier %(code)s n'est pas dans votre périmètre pour ce vote.") % {"code": code}
            )
        qpv_id = covered[code].id
        if user.qpv_id not in (None, qpv_id) and not row.get("verification_residence"):
            raise Invalid(
                _("La personne a déclaré un autre quartier : indiquez comment sa résidence a été vérifiée.")
            )
    elif user.qpv_id is not None and user.qpv_id not in {r.id for r in covered.values()}:
        raise Invalid(_("Cette personne habite un quartier dont vous n'avez pas la charge."))
    return user


def _residence(
    session: Session, actor: ActorRef, user: User, row: dict[str, str], covered: dict[str, QpvRef]
) -> str:
    method = row.get("verification_residence", "")
    code = row.get("quartier", "").upper()
    if method:
        qpv_id = covered[code].id if code else user.qpv_id
        qpv = session.get(Qpv, qpv_id) if qpv_id else None
        if qpv is None:
            raise Invalid(_("Indiquez le quartier de la personne (code QPV) pour vérifier sa résidence."))
        accounts.verify_residence(session, actor, user, qpv, method)
        return method
    if user.residence_status == ResidenceStatus.verified:
        return _("résidence déjà vérifiée")
    if user.residence_status == ResidenceStatus.declared:
        return _("quartier déclaré")
    if code:
        qpv = session.get(Qpv, covered[code].id)
        assert qpv is not None
        user.qpv_id = qpv.id
        user.residence_status = ResidenceStatus.declared
        session.add(user)
        session.flush()
        return _("quartier déclaré au bureau de vote")
    raise Invalid(_("Indiquez le quartier de la personne et comment sa résidence a été vérifiée."))


def sign_register(
    session: Session, *, edition: Edition, user: User, paper: PaperInfo, cache: ContextCache | None = None
) -> None:
    """One émargement: this person voted at this voting point (their ballot is in the box, apart).
    The same checks as a ballot: vote phase, eligibility, one ballot per person and per document."""
    assert edition.id is not None and user.id is not None
    point = " ".join(paper.voting_point.split())
    if not 2 <= len(point) <= 120:
        raise Invalid(_("Indiquez le bureau de vote (par exemple : Mairie des 13e-14e)."), field="bureau")
    identity = " ".join(paper.identity_check.split())
    if len(identity) < 3:
        raise Invalid(
            _("Indiquez comment l'identité a été vérifiée (par exemple : carte d'identité)."),
            field="verification_identite",
        )
    closed = session.exec(
        select(Depouillement.id).where(
            Depouillement.edition_id == edition.id,
            Depouillement.voting_point == point,
            col(Depouillement.closed_at).is_not(None),
        )
    ).first()
    if closed is not None:
        raise Conflict(
            _("Le dépouillement du bureau « %(point)s » est clos : on ne peut plus y ajouter d'émargement.")
            % {"point": point}
        )
    state = service.open_box(session, edition.id, edition.slug, user.id, act=phases.Act.record_paper_ballot)
    ctx = service.context_for(session, edition.id, edition.slug, state, cache)
    envelope = service.eligible_envelope(ctx, state.facts, staff=True)
    if state.document_hash and service.document_took_part(session, edition.id, user.id, state.document_hash):
        raise service._document_used(True)
    values: dict[str, object] = {
        "edition_id": edition.id,
        "user_id": user.id,
        "envelope_id": envelope.id,
        "channel": VoteChannel.paper,
        "voting_point": point,
        "identity_check": identity[:200],
        "residence_check": (paper.residence_check or "")[:200] or None,
        "recorded_by": paper.recorded_by,
        "batch_id": paper.batch_id,
        "voted_at": utcnow(),
    }
    if service.insert_voter(session, values) is None:
        existing = service.voter_row(session, edition.id, user.id)
        raise Conflict(service._already_voted(VoteChannel.paper, existing, staff=True), field="deja_vote")
    if state.document_hash and not service._mark_document(session, edition.id, state.document_hash):
        raise service._document_used(True)


@dataclass(frozen=True, slots=True)
class _Line:
    point: str
    row: dict[str, str]
    batch_id: int


def _sign_line(
    session: Session,
    actor: ActorRef,
    edition: Edition,
    line: _Line,
    by_code: dict[str, QpvRef],
    cache: ContextCache | None,
    document_key: str | None,
) -> None:
    """One line of the register: the person (found or registered), their residence, their
    identity document, then their émargement."""
    row = line.row
    if not row.get("bureau"):
        raise Invalid(_("Indiquez le bureau de vote."))
    user = _person(session, actor, row, by_code)
    residence = _residence(session, actor, user, row, by_code)
    if row.get("numero_piece") and document_key:
        documents.record_document(
            session,
            user,
            key=document_key,
            kind=_document_kind(row.get("verification_identite", "")),
            number=row["numero_piece"],
        )
    identity = row.get("verification_identite", "")
    paper = PaperInfo(line.point, identity, residence, actor.id, line.batch_id)
    sign_register(session, edition=edition, user=user, paper=paper, cache=cache)


def import_batch(
    session: Session,
    *,
    actor: ActorRef,
    secret: str,
    edition: Edition,
    covered: list[QpvRef],
    filename: str,
    raw: bytes,
    apply: bool,
    cache: ContextCache | None = None,
    document_key: str | None = None,
) -> BatchReport:
    """Check (``apply=False``) or record a paper register of émargements; refused lines cancel it all."""
    assert edition.id is not None
    del secret  # a register holds no ballot: no slot to derive (kept for the voting point's caller)
    digest = hashlib.sha256(raw).hexdigest()
    report = BatchReport(filename=filename[:200] or "emargements.csv", sha256=digest)
    report.problem = file_problem(session, edition.id, raw, digest)
    if report.problem:
        return report
    try:
        rows = _rows(decode(raw))
    except Invalid as exc:
        report.problem = exc.message
        return report
    except csv.Error as exc:
        report.problem = _("Le fichier n'est pas un CSV lisible : %(e)s.") % {"e": str(exc)}
        return report
    if not rows:
        report.problem = _("Le fichier ne contient aucune ligne d'émargement.")
        return report
    by_code = {r.code: r for r in covered}
    seen: dict[str, int] = {}
    with all_or_nothing(session) as outer:
        batch = PaperBatch(
            edition_id=edition.id,
            filename=report.filename,
            sha256=digest,
            ballots=0,
            per_point={},
            imported_by=actor.id,
        )
        session.add(batch)
        session.flush()
        for number, row in enumerate(rows, start=2):  # line 1 is the header
            point = " ".join(row.get("bureau", "").split()) or _("(bureau non indiqué)")
            count = report.per_point.setdefault(point, PointCount())
            count.lines += 1
            who = row.get("identifiant", "") or row.get("nom", "")
            key = who.strip().lower().replace(" ", "")
            if key in seen:
                count.refused += 1
                report.refused.append(
                    (
                        number,
                        who,
                        _("Cette personne figure déjà à la ligne %(n)d du fichier.") % {"n": seen[key]},
                    )
                )
                continue
            seen[key] = number
            line = _Line(point, row, batch.id)
            outcome = attempt(
                session, partial(_sign_line, session, actor, edition, line, by_code, cache, document_key)
            )
            if isinstance(outcome, DomainError):
                count.refused += 1
                report.refused.append((number, who, outcome.message))
            else:
                count.recorded += 1
        if report.refused or not apply:
            outer.rollback()
            return report
        batch.ballots = report.accepted
        batch.per_point = {p: c.recorded for p, c in report.per_point.items()}
        session.add(batch)
        session.flush()
        summary = ", ".join(f"{p} : {c.recorded}" for p, c in sorted(report.per_point.items()))
        journal(
            session,
            actor,
            edition,
            "bp.emargements_imported",
            ngettext(
                "%(n)d émargement importé (%(summary)s). Fichier « %(file)s », SHA-256 %(sha)s.",
                "%(n)d émargements importés (%(summary)s). Fichier « %(file)s », SHA-256 %(sha)s.",
                report.accepted,
            )
            % {"n": report.accepted, "summary": summary, "file": report.filename, "sha": digest},
            {
                "emargements": report.accepted,
                "per_point": batch.per_point,
                "file": report.filename,
                "sha256": digest,
            },
        )
    report.applied = True
    return report
