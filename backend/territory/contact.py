"""The public contact of a quartier's table de quartier: who to write to, call or meet. Staff keep
it (an administrator, or an agent whose grant covers the quartier); every change is journaled."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlmodel import Session, select

from backend.accounts.models import Role
from backend.accounts.permissions import NEED_LOGIN, Principal, Refusal
from backend.accounts.security import normalize_email, normalize_phone
from backend.db import utcnow
from backend.errors import FormCheck
from backend.forms import clean_text
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef, record
from backend.territory.models import Qpv, QpvContact, QpvRef

CONTACT_EDITORS = (Role.admin, Role.agent)


def edit_contact_policy(principal: Principal, qpv: QpvRef) -> Refusal | None:
    """Administrators, and agents whose grant covers the quartier (its commune, secteur or itself)."""
    if principal.user is None:
        return NEED_LOGIN
    if principal.covers_any(CONTACT_EDITORS, qpv) is None:
        return Refusal(
            _("Seuls les agents de la collectivité en charge de ce quartier peuvent modifier ce contact.")
        )
    return None


@dataclass(frozen=True)
class ContactInput:
    """The contact form as typed."""

    name: str = ""
    email: str = ""
    phone: str = ""
    place: str = ""
    hours: str = ""

    @classmethod
    def of(cls, contact: QpvContact | None) -> ContactInput:
        if contact is None:
            return cls()
        return cls(contact.name, contact.email, contact.phone, contact.place, contact.hours)


def get_contact(session: Session, qpv: Qpv) -> QpvContact | None:
    return session.exec(select(QpvContact).where(QpvContact.qpv_id == qpv.id)).first()


def tel_uri(phone: str) -> str:
    """The `tel:` link of a stored phone number (international form, which every phone dials)."""
    return "tel:" + normalize_phone(phone)


def save_contact(session: Session, qpv: Qpv, typed: ContactInput, actor: ActorRef) -> QpvContact | None:
    """Create, change or (every field empty) remove the quartier's contact, journaled. Returns the
    contact kept, or None once removed."""
    name = clean_text(typed.name, 200)
    email = clean_text(typed.email, 254)
    phone = clean_text(typed.phone, 40)
    place = clean_text(typed.place, 300)
    hours = clean_text(typed.hours, 500, multiline=True)
    contact = get_contact(session, qpv)
    if not any((name, email, phone, place, hours)):
        if contact is not None:
            session.delete(contact)
            session.flush()
            _journal(session, qpv, actor, None)
        return None
    check = FormCheck()
    if not 2 <= len(name) <= 200:
        check.fail(
            _("Indiquez le nom de la table de quartier ou de l'association (2 à 200 caractères)."), "name"
        )
    if email:
        email = check(lambda: normalize_email(email)) or email
    if phone:
        check(lambda: normalize_phone(phone))
    if not (email or phone or place):
        check.fail(_("Indiquez au moins un moyen de joindre la table : e-mail, téléphone ou lieu."), "email")
    check.done()
    if contact is None:
        contact = QpvContact(qpv_id=qpv.id, name=name, updated_by=actor.id)
    contact.name, contact.email, contact.phone, contact.place, contact.hours = (
        name,
        email,
        phone,
        place,
        hours,
    )
    contact.updated_at = utcnow()
    contact.updated_by = actor.id
    session.add(contact)
    session.flush()
    _journal(session, qpv, actor, contact)
    return contact


def _journal(session: Session, qpv: Qpv, actor: ActorRef, kept: QpvContact | None) -> None:
    """The journal's entry for the contact as saved, or removed (None)."""
    payload: dict[str, str] = {}
    if kept is None:
        action, reason = "territory.contact_removed", f"Contact de la table de quartier de {qpv.name} retiré."
    else:
        action = "territory.contact_saved"
        reason = f"Contact de la table de quartier de {qpv.name} mis à jour : {kept.name}."
        payload = asdict(ContactInput.of(kept))
    record(
        session,
        actor=actor,
        action=action,
        process="territory",
        object_type="qpv_contact",
        object_id=qpv.code,
        territory=qpv.code,
        reason=reason,
        payload=payload,
    )
