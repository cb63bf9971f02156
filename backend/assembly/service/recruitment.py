"""Recruitment: invitation letters drawn from an address list, volunteers' registration, their data."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.accounts.security import parse_identifier
from backend.assembly.models import (
    CategoryKind,
    Invitation,
    Member,
    RegistrationMode,
    Saisine,
    SaisineStatus,
    Volunteer,
    VolunteerStatus,
)
from backend.assembly.service.common import (
    CategoryQuotas,
    journal,
    quota_categories,
    territory_qpvs,
)
from backend.db import utcnow
from backend.errors import Conflict, FormCheck, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv, Secteur

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are typed from a paper letter.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 8
MAX_LIST_BYTES = 5_000_000
MAX_INVITATIONS = 20_000


# --- invitation letters ------------------------------------------------------------------------


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
            saisine_id=saisine.id,  # type: ignore[arg-type]
            code=code,
            recipient=row.recipient,
            address=row.address,
            batch=batch,
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


# --- registration ------------------------------------------------------------------------------


@dataclass
class VolunteerForm:
    """What a volunteer types (kept as typed, so a refused form is shown again unchanged)."""

    name: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    qpv_code: str = ""
    code: str = ""
    household_size: str = ""
    needs: str = ""
    consent: bool = False
    answers: dict[str, str] = field(default_factory=dict)


def registration_open(saisine: Saisine, today: date | None = None) -> bool:
    today = today or date.today()
    if saisine.status != SaisineStatus.recruiting:
        return False
    return saisine.registration_deadline is None or today <= saisine.registration_deadline


def _contact(form: VolunteerForm, assisted: bool) -> tuple[str | None, str | None]:
    phone = email = None
    if form.phone.strip():
        try:
            kind, phone = parse_identifier(form.phone)
        except Invalid:
            kind = ""
        if kind != "phone":
            raise Invalid(
                _("Le numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78"), field="phone"
            )
    if form.email.strip():
        try:
            kind, email = parse_identifier(form.email)
        except Invalid:
            kind = ""
        if kind != "email":
            raise Invalid(_("L'adresse e-mail n'est pas valide. Exemple : nom@exemple.fr"), field="email")
    if phone is None and email is None and not assisted:
        raise Invalid(
            _(
                "Indiquez un numéro de téléphone ou un e-mail : nous vous prévenons si vous êtes tiré·e au sort."
            ),
            field="phone",
        )
    return phone, email


def _characteristics(
    session: Session, groups: list[CategoryQuotas], form: VolunteerForm, qpv: Qpv | None
) -> dict[str, str]:
    """The volunteer's answer to each quota category; every unanswered question is a problem.
    Without a valid `qpv`, only the questions are checked (the quartier is reported on its own)."""
    values: dict[str, str] = {}
    check = FormCheck()
    for group in groups:
        category = group.category
        keys = {f.key for f in group.features}
        if category.kind in (CategoryKind.qpv, CategoryKind.secteur):
            if qpv is None:
                continue
            if category.kind == CategoryKind.qpv:
                value: str | None = qpv.code
            else:
                secteur = session.get(Secteur, qpv.secteur_id) if qpv.secteur_id else None
                value = secteur.slug if secteur else None
            if value not in keys:
                check.fail(_("Ce quartier ne fait pas partie de ceux de l'assemblée."), "qpv_code")
                continue
        else:
            value = form.answers.get(category.key, "")
            if value not in keys:
                check.fail(
                    _("Répondez à la question « {q} »")
                    .format(q=category.question or category.label)
                    .rstrip(" :")
                    + ".",
                    f"c_{category.key}",
                )
                continue
        values[category.key] = value  # type: ignore[assignment]
    check.done()
    return values


def register_volunteer(
    session: Session,
    saisine: Saisine,
    form: VolunteerForm,
    *,
    user: User | None = None,
    registered_by: ActorRef | None = None,
    today: date | None = None,
) -> Volunteer:
    """Add a volunteer to the pool. With a code, the address is the letter's; one registration per
    account and per code. Consent to the use of the data, until `retention_until`, is required."""
    if not registration_open(saisine, today):
        raise Conflict(_("Les inscriptions sont closes pour cette assemblée."))
    # Every field is checked, in the order of the form, so the form lists all its problems at once.
    check = FormCheck()
    invitation = check(lambda: find_invitation(session, saisine, form.code)) if form.code.strip() else None
    if not form.code.strip() and saisine.registration_mode == RegistrationMode.code:
        check.fail(
            _("Pour cette assemblée, il faut le code reçu par courrier (8 lettres et chiffres)."), "code"
        )
    name = " ".join(form.name.split())
    if not 2 <= len(name) <= 120:
        check.fail(_("Indiquez votre prénom et votre nom."), "name")
    phone, email = check(lambda: _contact(form, assisted=registered_by is not None)) or (None, None)
    address = invitation.address if invitation is not None else " ".join(form.address.split())
    # With a code the letter's address is used: only the code is reported then.
    needs_address = invitation is None and saisine.registration_mode != RegistrationMode.code
    if needs_address and (not address or len(normalize_address(address)) < 5):
        check.fail(_("Indiquez votre adresse : numéro, rue et ville."), "address")
    qpv = next((q for q in territory_qpvs(session, saisine.commune_insee) if q.code == form.qpv_code), None)
    if qpv is None:
        check.fail(_("Choisissez votre quartier dans la liste."), "qpv_code")
    groups = quota_categories(session, saisine.id or 0)
    answers = check(lambda: _characteristics(session, groups, form, qpv)) or {}
    household_size = None
    if form.household_size.strip():
        if not form.household_size.strip().isdigit() or not 1 <= int(form.household_size) <= 20:
            check.fail(_("Le nombre de personnes du foyer est un nombre entre 1 et 20."), "household_size")
        else:
            household_size = int(form.household_size)
    if not form.consent:
        check.fail(_("Cochez la case pour accepter l'utilisation de vos informations."), "consent")
    check.done()
    assert qpv is not None and address
    if user is not None:
        existing = session.exec(
            select(Volunteer.id).where(Volunteer.saisine_id == saisine.id, Volunteer.user_id == user.id)
        ).first()
        if existing is not None:
            raise Conflict(_("Vous êtes déjà inscrit·e comme volontaire pour cette assemblée."))
    volunteer = Volunteer(
        saisine_id=saisine.id,  # type: ignore[arg-type]
        user_id=user.id if user else None,
        invitation_id=invitation.id if invitation else None,
        name=name,
        phone=phone,
        email=email,
        address=address[:300],
        household_key=household_key(saisine, address),
        household_size=household_size,
        qpv_id=qpv.id,  # type: ignore[arg-type]
        characteristics=answers,
        needs=form.needs.strip()[:1000],
        retention_until=saisine.retention_until,
        registered_by=registered_by.id if registered_by else None,
    )
    try:
        with session.begin_nested():
            session.add(volunteer)
            session.flush()
    except IntegrityError as exc:  # the same account or code, at the same moment
        raise Conflict(_("Cette inscription existe déjà.")) from exc
    if invitation is not None:
        invitation.used_at = utcnow()
        session.add(invitation)
        session.flush()
    return volunteer


def withdraw_volunteer(session: Session, saisine: Saisine, volunteer: Volunteer) -> None:
    """Leave the pool before the seed is fixed (afterwards the pool is frozen and public)."""
    if saisine.status != SaisineStatus.recruiting:
        raise Conflict(
            _(
                "Le tirage est préparé : la liste des volontaires est figée. Pour quitter le panel, un remplacement est fait."
            )
        )
    volunteer.status = VolunteerStatus.withdrawn
    session.add(volunteer)
    session.flush()


def volunteers(session: Session, saisine: Saisine, *, only_registered: bool = True) -> list[Volunteer]:
    query = select(Volunteer).where(Volunteer.saisine_id == saisine.id)
    if only_registered:
        query = query.where(
            Volunteer.status == VolunteerStatus.registered, col(Volunteer.erased_at).is_(None)
        )
    return list(session.exec(query.order_by(col(Volunteer.id))).all())


def volunteer_for(session: Session, saisine: Saisine, user: User | None) -> Volunteer | None:
    if user is None:
        return None
    return session.exec(
        select(Volunteer).where(Volunteer.saisine_id == saisine.id, Volunteer.user_id == user.id)
    ).first()


@dataclass(frozen=True)
class FeatureCount:
    category: str
    feature: str
    label: str
    volunteers: int
    households: int
    min: int
    max: int

    @property
    def short(self) -> bool:
        """Too few volunteers (in distinct households) to reach the minimum."""
        return self.households < self.min


def pool_counts(session: Session, saisine: Saisine) -> list[FeatureCount]:
    """Volunteers (and distinct households) per feature, against the quotas: who is still missing."""
    people = volunteers(session, saisine)
    result = []
    for group in quota_categories(session, saisine.id or 0):
        for feature in group.features:
            having = [v for v in people if v.characteristics.get(group.category.key) == feature.key]
            result.append(
                FeatureCount(
                    group.category.label,
                    feature.key,
                    feature.label,
                    len(having),
                    len({v.household_key for v in having}),
                    feature.min,
                    feature.max,
                )
            )
    return result


# --- personal data -----------------------------------------------------------------------------


def erase_volunteer(session: Session, volunteer: Volunteer) -> None:
    """Erase name, contact, address and answers. The pseudonymous row of the frozen public pool file
    (characteristics and hashed household only) stays, so the draw can still be checked."""
    volunteer.name = ""
    volunteer.phone = None
    volunteer.email = None
    volunteer.address = ""
    volunteer.needs = ""
    volunteer.household_size = None
    volunteer.characteristics = {}
    volunteer.erased_at = utcnow()
    if volunteer.pool_id is None:
        volunteer.status = VolunteerStatus.withdrawn
    session.add(volunteer)


def erase_expired(session: Session, today: date | None = None) -> int:
    """Erase the volunteers whose retention date has passed; returns how many."""
    today = today or date.today()
    expired = session.exec(
        select(Volunteer).where(col(Volunteer.retention_until) < today, col(Volunteer.erased_at).is_(None))
    ).all()
    for volunteer in expired:
        erase_volunteer(session, volunteer)
    session.flush()
    return len(expired)


def export_for_user(session: Session, user: User) -> list[dict[str, Any]]:
    """What the assembly holds about this account (RGPD right of access)."""
    rows = session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).all()
    data = []
    for v in rows:
        saisine = session.get(Saisine, v.saisine_id)
        member = session.exec(select(Member).where(Member.volunteer_id == v.id)).first()
        data.append(
            {
                "saisine": saisine.title if saisine else v.saisine_id,
                "nom": v.name,
                "telephone": v.phone,
                "email": v.email,
                "adresse": v.address,
                "personnes_du_foyer": v.household_size,
                "caracteristiques": v.characteristics,
                "besoins": v.needs,
                "consentement_le": v.consent_at.isoformat(),
                "conservation_jusqu_au": v.retention_until.isoformat(),
                "identifiant_dans_le_fichier_public": v.pool_id,
                "membre_du_panel": member is not None and member.status == "active",
            }
        )
    return data


def erase_for_user(session: Session, user: User) -> None:
    for volunteer in session.exec(select(Volunteer).where(Volunteer.user_id == user.id)).all():
        erase_volunteer(session, volunteer)
    session.flush()
