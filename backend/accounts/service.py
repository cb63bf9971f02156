"""Accounts: sign-up, profile and residence, finding people.

Login and sessions are in `sessions`, roles in `grants`, export and deletion in `personal_data`."""

from __future__ import annotations

import secrets

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.codes import SLIP_ALPHABET
from backend.accounts.forms import collecting
from backend.accounts.journal import journal_user
from backend.accounts.models import ResidenceStatus, User
from backend.accounts.security import check_password_strength, hash_password, parse_identifier
from backend.db import utcnow
from backend.errors import Conflict, Invalid, NotFound
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv
from backend.territory.service import ResidenceCheck

CURRENT_YEAR_FLOOR = 1900


def validate_birth_year(value: int | None) -> int | None:
    if value is None:
        return None
    this_year = utcnow().year
    if not CURRENT_YEAR_FLOOR <= value <= this_year:
        raise Invalid(
            _("L'année de naissance doit être comprise entre %(current_year_floor)s et %(this_year)s.")
            % {"current_year_floor": CURRENT_YEAR_FLOOR, "this_year": this_year},
            field="birth_year",
        )
    return value


def find_by_identifier(session: Session, identifier: str) -> User | None:
    kind, value = parse_identifier(identifier)
    column = {"email": User.email, "phone": User.phone, "login_id": User.login_id}[kind]
    return session.exec(select(User).where(column == value, col(User.deleted_at).is_(None))).first()


def clean_display_name(display_name: str) -> str:
    name = " ".join(display_name.split())
    if not 2 <= len(name) <= 80:
        raise Invalid(_("Indiquez un nom, de 2 à 80 lettres ou signes."), field="display_name")
    return name


def register(
    session: Session,
    *,
    identifier: str,
    password: str | None,
    display_name: str,
    birth_year: int | None = None,
    registered_by: str | None = None,
) -> User:
    """Create an account from an email or phone number. For people registered in person by a
    moderator or agent, the password and the identifier are optional (many residents have no
    e-mail and no phone): they get a printed login id and code instead (see accounts.activation).
    Every problem is reported at once (`Problems`)."""
    with collecting() as checks:
        parsed: tuple[str, str] | None = ("", "")
        if registered_by is None or identifier.strip():
            parsed = checks.value(parse_identifier, identifier)
        if parsed is not None and parsed[0] == "login_id":
            checks.add(_("Indiquez une adresse e-mail ou un numéro de téléphone."), field="identifier")
        name = checks.value(clean_display_name, display_name)
        checks.value(validate_birth_year, birth_year)
        if password is not None:
            checks.value(check_password_strength, password)
        elif registered_by is None:
            checks.add(_("Choisissez un mot de passe."), field="password")
        if parsed is not None and parsed[0] in ("email", "phone"):
            kind, value = parsed
            column = User.email if kind == "email" else User.phone
            if session.exec(select(User.id).where(column == value)).first() is not None:
                what = _("adresse e-mail") if kind == "email" else _("numéro de téléphone")
                checks.errors.insert(
                    0,
                    Conflict(
                        _(
                            "Un compte existe déjà avec ce %(what)s. Connectez-vous ou choisissez « mot de passe oublié »."
                        )
                        % {"what": what},
                        field="identifier",
                    ),
                )
    assert parsed is not None and name is not None
    kind, value = parsed
    user = User(
        display_name=name,
        birth_year=birth_year,
        password_hash=hash_password(password) if password else None,
        registered_by=registered_by,
    )
    if kind:
        setattr(user, kind, value)
    else:
        user.login_id = new_login_id(session)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent sign-up with the same identifier
        raise Conflict(_("Un compte existe déjà avec cet identifiant."), field="identifier") from exc
    return user


def new_login_id(session: Session) -> str:
    """A printed login id nobody has yet (« QP » + 6 characters easy to read aloud)."""
    while True:
        login_id = "QP" + "".join(secrets.choice(SLIP_ALPHABET) for _ in range(6))
        if session.exec(select(User.id).where(User.login_id == login_id)).first() is None:
            return login_id


def update_profile(session: Session, user: User, *, display_name: str, birth_year: int | None) -> None:
    with collecting() as checks:
        name = checks.value(clean_display_name, display_name)
        checks.value(validate_birth_year, birth_year)
    assert name is not None
    user.display_name = name
    user.birth_year = birth_year
    session.add(user)
    session.flush()


def set_residence(
    session: Session,
    user: User,
    *,
    address: str | None,
    declared_qpv: Qpv | None,
    check: ResidenceCheck | None,
) -> str:
    """Record the declared address and QPV. The geocoder only suggests the quartier: an address it
    places inside a QPV is "declared (address in the quartier)", never verified; a verification needs a
    person who saw a proof of address, or the code sent by post. Returns a plain-French explanation."""
    user.address = (address or "").strip()[:300] or None
    user.address_lat = check.lat if check else None
    user.address_lon = check.lon if check else None
    if user.residence_status == ResidenceStatus.verified:
        # A new address undoes a verification made for the old one.
        user.residence_method = None
        user.residence_verified_by = None
        user.residence_verified_at = None
    if check is not None and check.status == "in_qpv":
        qpv = session.exec(select(Qpv).where(Qpv.code == check.qpv_code)).one()
        user.qpv_id = qpv.id
        user.residence_status = ResidenceStatus.declared_in_area
        user.residence_method = None
        user.residence_verified_by = None
        user.residence_verified_at = None
        message = _(
            "Votre adresse est dans le quartier %(name)s. Pour voter, il faudra peut-être la faire vérifier : "
            "à un point de vote, par votre table de quartier, ou avec un code reçu par courrier."
        ) % {"name": qpv.name}
    elif declared_qpv is not None:
        user.qpv_id = declared_qpv.id
        user.residence_status = ResidenceStatus.declared
        user.residence_method = None
        user.residence_verified_by = None
        user.residence_verified_at = None
        why = check.explanation + " " if check and check.status == "unknown" else ""
        if check is not None and check.status == "outside":
            why = "D'après le service des adresses, cette adresse n'est pas dans ce quartier. "
        message = (
            f"{why}Vous avez déclaré habiter le quartier {declared_qpv.name}. "
            "Une personne de la table de quartier ou de la mairie pourra le vérifier avec un justificatif de domicile."
        )
    elif check is not None and check.status == "outside":
        user.qpv_id = None
        user.residence_status = ResidenceStatus.none
        user.residence_method = None
        message = "Cette adresse n'est pas dans un quartier prioritaire. Si vous pensez que c'est une erreur, choisissez votre quartier dans la liste."
    else:
        raise Invalid(
            (check.explanation + " " if check else "") + "Choisissez votre quartier dans la liste.",
            field="qpv_code",
        )
    session.add(user)
    session.flush()
    return message


def verify_residence(session: Session, actor: ActorRef, user: User, qpv: Qpv, method: str) -> None:
    """An agent or moderator saw a proof of address in person; journaled (pseudonymous)."""
    method = " ".join(method.split())
    if len(method) < 3:
        raise Invalid(
            _("Indiquez comment la résidence a été vérifiée (par exemple : facture, bail, attestation)."),
            field="method",
        )
    mark_residence_verified(
        session,
        user,
        qpv,
        method=method[:200],
        verified_by=actor.id,
        actor=actor,
        reason=f"Résidence dans le quartier {qpv.name} vérifiée en personne.",
    )


def mark_residence_verified(
    session: Session,
    user: User,
    qpv: Qpv,
    *,
    method: str,
    verified_by: str | None,
    actor: ActorRef | None,
    reason: str,
) -> None:
    """Record that ``user`` lives in ``qpv``, checked by ``verified_by`` with ``method``; journaled."""
    user.qpv_id = qpv.id
    user.residence_status = ResidenceStatus.verified
    user.residence_method = method
    user.residence_verified_by = verified_by
    user.residence_verified_at = utcnow()
    session.add(user)
    session.flush()
    journal_user(
        session,
        user,
        actor=actor,
        action="accounts.residence_verified",
        territory=qpv.code,
        reason=reason,
        payload={"method": method},
    )


def residents_to_verify(session: Session, qpv_ids: list[int], status: str | None = None) -> list[User]:
    query = select(User).where(col(User.qpv_id).in_(qpv_ids), col(User.deleted_at).is_(None))
    if status == ResidenceStatus.declared:
        # A geocoder hint is not a verification: those addresses wait for one too.
        query = query.where(col(User.residence_status).in_([status, ResidenceStatus.declared_in_area]))
    elif status:
        query = query.where(User.residence_status == status)
    return list(session.exec(query.order_by(User.residence_status, User.display_name)).all())


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or user.is_deleted:
        raise NotFound(_("Cette personne n'existe pas."))
    return user


def search_users(session: Session, query: str = "", limit: int = 50) -> list[User]:
    stmt = select(User).where(col(User.deleted_at).is_(None))
    q = query.strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(
            func.lower(User.display_name).like(like)
            | func.lower(User.email).like(like)
            | col(User.phone).like(like)
        )
    return list(session.exec(stmt.order_by(User.display_name).limit(limit)).all())
