"""Batch entry of paper ballot sheets (CSV) with a reconciliation report; all or nothing.

One line per voter met at a voting point (the emargement and the ballot, as the agent copied
them): ``bureau;identifiant;nom;annee_naissance;quartier;verification_identite;
verification_residence;choix``. ``identifiant`` is the person's e-mail or phone number; an
unknown person is registered (``nom``, ``annee_naissance`` and ``quartier`` then needed).
``verification_residence`` says how residence was checked (empty: the account's residence
stands). ``choix``: project numbers (« 12 15 18 »), or for majority judgment a grade per
project (« 12:TB 15:B 18:P 21:I » or « 12:3 15:2 … »). An optional ``numero_piece`` column holds the
number of the identity document seen (kept only as a keyed hash on the account): one document then
votes once per edition, as at the voting point's screen.

The whole file runs inside one savepoint, each line inside its own: with ``apply=False`` (the
check) or as soon as one line is refused, everything is rolled back and the report says why,
line by line. Only a file without any refused line is recorded, and only once (its SHA-256 is
unique per edition).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from sqlmodel import Session, select

from backend.accounts import documents
from backend.accounts import service as accounts
from backend.accounts.models import ResidenceStatus, User
from backend.budget.models import Edition
from backend.budget.voting.context import Choice, ContextCache
from backend.budget.voting.models import PaperBatch
from backend.budget.voting.service import PaperInfo, record_paper
from backend.errors import DomainError, Invalid
from backend.i18n import gettext as _
from backend.i18n import ngettext
from backend.ledger.service import ActorRef, record
from backend.territory.models import Qpv, QpvRef

COLUMNS = (
    "bureau",
    "identifiant",
    "nom",
    "annee_naissance",
    "quartier",
    "verification_identite",
    "verification_residence",
    "choix",
    "numero_piece",
)
REQUIRED = ("bureau", "identifiant", "verification_identite", "choix")
GRADE_WORDS = {
    "I": 0,
    "INSUFFISANT": 0,
    "P": 1,
    "PASSABLE": 1,
    "B": 2,
    "BIEN": 2,
    "TB": 3,
    "TRESBIEN": 3,
    "TRÈSBIEN": 3,
}
MAX_BYTES = 2_000_000


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


def decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # Excel's French default


def parse_choice(text: str, graded: bool) -> Choice:
    parts = [p for p in text.replace(",", " ").replace("|", " ").replace(";", " ").split() if p]
    if not graded:
        return Choice(projects=tuple(p.lstrip("nN°#") for p in parts))
    grades: dict[str, int] = {}
    for part in parts:
        pid, _sep, grade = part.partition(":")
        word = grade.strip().upper().replace(" ", "").replace("-", "")
        value = GRADE_WORDS.get(word, int(word) if word.isdigit() else -1)
        grades[pid.strip().lstrip("nN°#")] = value
    return Choice(grades=grades)


def _rows(text: str) -> list[dict[str, str]]:
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Invalid(
            _("Le fichier n'a pas les colonnes attendues : il manque %(cols)s. Colonnes : %(all)s.")
            % {"cols": ", ".join(missing), "all": ";".join(COLUMNS)},
            field="fichier",
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


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
    """Check (``apply=False``) or record a file of paper ballots; refused lines cancel it all."""
    assert edition.id is not None
    digest = hashlib.sha256(raw).hexdigest()
    report = BatchReport(filename=filename[:200] or "bulletins.csv", sha256=digest)
    if len(raw) > MAX_BYTES:
        report.problem = _("Le fichier est trop gros (2 Mo au plus). Coupez-le en plusieurs fichiers.")
        return report
    if session.exec(
        select(PaperBatch.id).where(PaperBatch.edition_id == edition.id, PaperBatch.sha256 == digest)
    ).first():
        report.problem = _("Ce fichier a déjà été importé : ses bulletins sont déjà comptés.")
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
        report.problem = _("Le fichier ne contient aucune ligne de bulletin.")
        return report
    by_code = {r.code: r for r in covered}
    graded = edition.ballot_rule == "majority_judgment"
    seen: dict[str, int] = {}
    outer = session.begin_nested()
    try:
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
            try:
                with session.begin_nested():
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
                    record_paper(
                        session,
                        secret=secret,
                        edition=edition,
                        user=user,
                        choice=parse_choice(row.get("choix", ""), graded),
                        paper=PaperInfo(
                            point, row.get("verification_identite", ""), residence, actor.id, batch.id
                        ),
                        cache=cache,
                    )
                count.recorded += 1
            except DomainError as exc:
                count.refused += 1
                report.refused.append((number, who, exc.message))
        if report.refused or not apply:
            outer.rollback()
            return report
        batch.ballots = report.accepted
        batch.per_point = {p: c.recorded for p, c in report.per_point.items()}
        session.add(batch)
        session.flush()
        summary = ", ".join(f"{p} : {c.recorded}" for p, c in sorted(report.per_point.items()))
        record(
            session,
            actor=actor,
            action="bp.paper_batch_imported",
            process="bp",
            object_type="bp_edition",
            object_id=edition.slug,
            reason=ngettext(
                "%(n)d bulletin papier enregistré (%(summary)s). Fichier « %(file)s », SHA-256 %(sha)s.",
                "%(n)d bulletins papier enregistrés (%(summary)s). Fichier « %(file)s », SHA-256 %(sha)s.",
                report.accepted,
            )
            % {"n": report.accepted, "summary": summary, "file": report.filename, "sha": digest},
            payload={
                "ballots": report.accepted,
                "per_point": batch.per_point,
                "file": report.filename,
                "sha256": digest,
            },
        )
        outer.commit()
    except BaseException:
        if outer.is_active:
            outer.rollback()
        raise
    report.applied = True
    return report
