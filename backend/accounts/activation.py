"""Recovery and first access in person: a printed one-time activation code.

An agent, or the table de quartier of the person's QPV, checks the person's identity and prints a slip
with a one-time code (journaled with pseudonymous ids, never the code). At ``/compte/activer`` the
person types the code and chooses a password, and may give a phone number or an e-mail to log in with.

People with no e-mail and no phone log in with a short printed login id (``User.login_id``, « QP-XXXXXX »)
that the slip shows: requiring a phone or an e-mail at activation would shut out exactly the residents
the voting point registers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from backend.accounts import codes
from backend.accounts.journal import journal_user
from backend.accounts.models import CodePurpose, OneTimeCode, User
from backend.accounts.security import check_password_strength, hash_password, parse_identifier
from backend.accounts.service import new_login_id
from backend.accounts.sessions import end_sessions
from backend.errors import Conflict, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv

ACTIVATE_PATH = "/compte/activer"


@dataclass(frozen=True, slots=True)
class Slip:
    """What the printed slip shows; the code exists nowhere else (only its hash is stored)."""

    name: str
    code: str
    login_id: str | None
    expires_at: datetime

    def as_dict(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "code": self.code,
            "login_id": self.login_id,
            "expires_at": self.expires_at.isoformat(),
        }


def activate_url(base_url: str) -> str:
    return base_url.rstrip("/") + ACTIVATE_PATH


def format_code(code: str) -> str:
    """« ABCDE-FGHJK »: two groups are easier to copy from paper."""
    return f"{code[:5]}-{code[5:]}"


def format_login_id(login_id: str | None) -> str | None:
    return f"{login_id[:2]}-{login_id[2:]}" if login_id else None


def issue_activation(
    session: Session, secret_key: str, actor: ActorRef, user: User, qpv: Qpv | None, *, context: str
) -> Slip:
    """A fresh activation code for a person whose identity was checked in person (earlier unused
    codes stop working). A person with no e-mail and no phone also gets a login id. Journaled."""
    if user.email is None and user.phone is None and user.login_id is None:
        user.login_id = new_login_id(session)
        session.add(user)
        session.flush()
    code = codes.issue(session, secret_key, user, CodePurpose.activation, issued_by=actor.id)
    row = session.exec(
        select(OneTimeCode).where(
            OneTimeCode.code_hash == codes.code_hash(secret_key, CodePurpose.activation, code)
        )
    ).one()
    journal_user(
        session,
        user,
        actor=actor,
        action="account.activation_code_issued",
        territory=qpv.code if qpv else None,
        reason=_("Identité vérifiée en personne ; code d'activation imprimé (%(context)s).")
        % {"context": context},
        payload={"purpose": CodePurpose.activation, "expires_at": row.expires_at.isoformat()},
    )
    return Slip(user.display_name, format_code(code), format_login_id(user.login_id), row.expires_at)


def _contact(session: Session, user: User, contact: str) -> None:
    """Add an e-mail or a phone number to log in with (not confirmed yet)."""
    kind, value = parse_identifier(contact)
    if kind == "login_id":
        raise Invalid(_("Indiquez une adresse e-mail ou un numéro de téléphone."), field="contact")
    column = User.email if kind == "email" else User.phone
    if session.exec(select(User.id).where(column == value, User.id != user.id)).first() is not None:
        raise Conflict(
            _("Un autre compte utilise déjà ce contact. Laissez cette case vide ou donnez-en un autre."),
            field="contact",
        )
    if kind == "email" and value != user.email:
        user.email, user.email_confirmed_at = value, None
    if kind == "phone" and value != user.phone:
        user.phone, user.phone_confirmed_at = value, None


def activate(session: Session, secret_key: str, *, code: str, password: str, contact: str = "") -> User:
    """Use a printed code once: set the password (and maybe a contact). Other devices are logged out.

    Run it in a savepoint: a refusal (weak password, contact taken) must not spend the code."""
    check_password_strength(password)
    if not "".join(code.split()):
        raise Invalid(_("Tapez le code écrit sur votre fiche."), field="code")
    row = codes.consume(session, secret_key, CodePurpose.activation, code)
    user = session.get(User, row.user_id)
    if user is None or user.is_deleted or not user.is_active:
        raise Invalid(
            _("Ce code n'est pas bon ou n'est plus valable. Demandez un nouveau code."), field="code"
        )
    if contact.strip():
        try:
            _contact(session, user, contact)
        except Invalid as exc:
            raise Invalid(exc.message, field="contact") from exc
    user.password_hash = hash_password(password)
    end_sessions(session, user)  # every other device is logged out, API tokens too
    return user
