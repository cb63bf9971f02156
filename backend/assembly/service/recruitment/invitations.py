"""Invitation letters: addresses drawn from a list, each letter with a personal code to register."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from backend.assembly.models import Invitation, Saisine, SaisineStatus
from backend.assembly.service.common import journal
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are typed from a paper letter.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
MAX_LIST_BYTES = 5_000_000
MAX_INVITATIONS = 20_000


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str:
    return re.sub(r"[\s\-.]", "", text).upper()


def format_code(code: str) -> str:
    """ABCD-EFGH: easier to read aloud and to type."""
    return f"{code[:4]}-{code[4:]}"


def normalize_address(text: str) -> str:
    """Lower case, no accents, punctuation or repeated spaces: « 12, Av. Corot » == « 12 av corot »."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


def household_key(saisine: Saisine, address: str) -> str:
    """Keyed hash of the normalised address: same home → same key, and the key reveals no address."""
    digest = hmac.new(saisine.household_salt.encode(), normalize_address(address).encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class AddressRow:
    recipient: str | None
    address: str


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid(_("Le fichier n'est pas un texte lisible (CSV attendu)."), field="file")


def parse_address_list(data: bytes) -> list[AddressRow]:
    """Rows of an address list (CSV with a column « adresse », optional « nom », « code_postal », « ville»)."""
    if not data.strip():
        raise Invalid(_("Le fichier est vide."), field="file")
    if len(data) > MAX_LIST_BYTES:
        raise Invalid(_("Le fichier dépasse 5 Mo."), field="file")
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [normalize_address(h).replace(" ", "_") for h in next(reader, [])]
    if "adresse" not in header:
        raise Invalid(
            _(
                "La première ligne doit nommer les colonnes, dont une colonne « adresse ». Colonnes trouvées : {cols}."
            ).format(cols=", ".join(header) or "—"),
            field="file",
        )
    where: dict[str, int] = {
        name: header.index(name) for name in ("adresse", "nom", "code_postal", "ville") if name in header
    }
    rows: list[AddressRow] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(name: str, row: list[str] = row) -> str:
            index = where.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        street = cell("adresse")
        if not street:
            raise Invalid(_("Ligne {line} : l'adresse est vide.").format(line=line), field="file")
        address = " ".join(part for part in (street, cell("code_postal"), cell("ville")) if part)
        rows.append(AddressRow(cell("nom") or None, address[:300]))
    if not rows:
        raise Invalid(_("Le fichier ne contient aucune adresse."), field="file")
    return rows


def draw_invitations(
    session: Session, actor: ActorRef, saisine: Saisine, data: bytes, count: int
) -> list[Invitation]:
    """Draw `count` distinct addresses by lot from the uploaded list and give each a personal code."""
    if saisine.status != SaisineStatus.recruiting:
        raise Conflict(_("Le recrutement est terminé pour cette saisine."))
    rows = parse_address_list(data)
    unique: dict[str, AddressRow] = {}
    for row in rows:
        unique.setdefault(normalize_address(row.address), row)
    if not 1 <= count <= min(len(unique), MAX_INVITATIONS):
        raise Invalid(
            _("Choisissez un nombre de lettres entre 1 et {n} (adresses différentes dans la liste).").format(
                n=min(len(unique), MAX_INVITATIONS)
            ),
            field="count",
        )
    chosen = secrets.SystemRandom().sample(list(unique.values()), count)
    batch = (
        session.exec(select(func.max(Invitation.batch)).where(Invitation.saisine_id == saisine.id)).one() or 0
    ) + 1
    taken = set(session.exec(select(Invitation.code)).all())
    invitations = []
    for row in chosen:
        code = new_code()
        while code in taken:
            code = new_code()
        taken.add(code)
        invitation = Invitation(
            saisine_id=saisine.id, code=code, recipient=row.recipient, address=row.address, batch=batch
        )
        session.add(invitation)
        invitations.append(invitation)
    session.flush()
    journal(
        session,
        actor,
        "invitations_drawn",
        saisine,
        _("{count} lettres d'invitation tirées au sort parmi {total} adresses.").format(
            count=count, total=len(unique)
        ),
        payload={
            "batch": batch,
            "letters": count,
            "addresses": len(unique),
            "list_sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return invitations


def invitations(session: Session, saisine: Saisine, batch: int | None = None) -> list[Invitation]:
    query = select(Invitation).where(Invitation.saisine_id == saisine.id)
    if batch is not None:
        query = query.where(Invitation.batch == batch)
    return list(session.exec(query.order_by(col(Invitation.batch), col(Invitation.id))).all())


def find_invitation(session: Session, saisine: Saisine, code: str) -> Invitation:
    normalized = normalize_code(code)
    invitation = session.exec(
        select(Invitation).where(Invitation.code == normalized, Invitation.saisine_id == saisine.id)
    ).first()
    if invitation is None or invitation.address is None:
        raise Invalid(
            _("Ce code ne correspond à aucune lettre d'invitation. Vérifiez les 8 lettres et chiffres."),
            field="code",
        )
    if invitation.used_at is not None:
        raise Conflict(_("Ce code a déjà servi pour une inscription."), field="code")
    return invitation
