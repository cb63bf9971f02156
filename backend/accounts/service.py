"""Accounts: sign-up, login with rate limiting, profile and residence, roles, personal data."""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from backend.accounts.codes import SLIP_ALPHABET
from backend.accounts.forms import collecting
from backend.accounts.models import (
    LoginAttempt,
    ResidenceStatus,
    Role,
    RoleGrant,
    ScopeKind,
    User,
    UserSession,
)
from backend.accounts.permissions import ROLE_LABELS, Grant, Principal
from backend.accounts.security import (
    account_key,
    check_password_strength,
    hash_password,
    parse_identifier,
    verify_password,
)
from backend.config import Settings
from backend.db import utcnow
from backend.errors import Conflict, Invalid, NotFound, TooManyRequests
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef, record
from backend.territory.models import Commune, Metropole, Qpv, Secteur
from backend.territory.service import ResidenceCheck

if TYPE_CHECKING:
    from backend.processes import Registry

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
        raise Invalid(_("Indiquez un nom ou un pseudonyme (2 à 80 caractères)."), field="display_name")
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


# --- login and rate limiting -------------------------------------------------------------

# Failures on one account from every address together, as a multiple of the per-address limit,
# beyond which only addresses that have themselves failed on that account are refused.
ACCOUNT_WIDE_FACTOR = 4


def client_key(ip: str) -> str:
    """The address the limits count. An IPv6 client gets a whole /64 (one home, one phone), so
    counting single addresses would hand a guesser billions of fresh ones."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _failures_since(session: Session, since: Any, *conditions: Any) -> int:
    return session.exec(
        select(func.count(col(LoginAttempt.id))).where(col(LoginAttempt.at) >= since, *conditions)
    ).one()


def check_rate_limit(session: Session, settings: Settings, key: str, ip: str) -> None:
    """Stop guessing without letting someone else lock the owner out.

    Refused: this account from this address after `login_max_failures_account` failures; this
    address after `login_max_failures_ip` failures on any accounts; and, when guesses on this
    account come from many addresses (ACCOUNT_WIDE_FACTOR times the per-address limit), every
    address that has itself failed on it. An address that has not been failing on the account,
    like the owner's phone, can always try its password."""
    since = utcnow() - timedelta(seconds=settings.login_window_s)
    minutes = max(1, settings.login_window_s // 60)
    for_account = TooManyRequests(
        _(
            "Trop d'essais pour ce compte. Pour votre sécurité, attendez %(minutes)s minutes avant de réessayer."
        )
        % {"minutes": minutes}
    )
    by_account = col(LoginAttempt.account_key) == key
    from_here = _failures_since(session, since, by_account, col(LoginAttempt.ip) == ip)
    if from_here >= settings.login_max_failures_account:
        raise for_account
    if _failures_since(session, since, col(LoginAttempt.ip) == ip) >= settings.login_max_failures_ip:
        raise TooManyRequests(
            _("Trop d'essais depuis cet appareil. Attendez %(minutes)s minutes avant de réessayer.")
            % {"minutes": minutes}
        )
    account_wide = ACCOUNT_WIDE_FACTOR * settings.login_max_failures_account
    if from_here and _failures_since(session, since, by_account) >= account_wide:
        raise for_account


def authenticate(
    session: Session, settings: Settings, identifier: str, password: str, ip: str
) -> User | None:
    """The user if the password matches; a failure is recorded (and counts toward the limits)."""
    key = account_key(identifier)
    ip = client_key(ip)
    check_rate_limit(session, settings, key, ip)
    try:
        user = find_by_identifier(session, identifier)
    except Invalid:
        user = None
    if user is not None and user.is_active and verify_password(password, user.password_hash):
        # Only this address's own mistakes are forgiven: a guesser elsewhere keeps their count.
        session.exec(
            delete(LoginAttempt).where(  # type: ignore[call-overload]
                col(LoginAttempt.account_key) == key, col(LoginAttempt.ip) == ip
            )
        )
        return user
    if user is None:
        verify_password(password, None)
    session.add(LoginAttempt(account_key=key, ip=ip))
    old = utcnow() - timedelta(days=1)
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.at) < old))  # type: ignore[call-overload]
    session.flush()
    return None


def change_password(session: Session, user: User, *, current: str, new: str, confirm: str) -> None:
    """Set a new password and end every session and API token of the account (the device that
    changed it starts a new session, so a copy of its old cookie ends too). Every problem is
    reported at once."""
    with collecting() as checks:
        if not verify_password(current, user.password_hash):
            checks.add(_("Le mot de passe actuel n'est pas le bon."), field="current_password")
        checks.value(check_password_strength, new)
        if new != confirm:
            checks.add(_("Les deux nouveaux mots de passe ne sont pas identiques."), field="password_confirm")
    user.password_hash = hash_password(new)
    end_sessions(session, user)


# --- sessions ------------------------------------------------------------------------------

SESSION_REFRESH = timedelta(hours=1)


def _session_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(session: Session, user: User, max_age_s: int) -> str:
    """A new logged-in session; returns the random key the cookie keeps (only its hash is stored)."""
    assert user.id is not None
    expired = utcnow() - timedelta(seconds=max_age_s)
    session.exec(delete(UserSession).where(col(UserSession.last_seen_at) < expired))  # type: ignore[call-overload]
    key = secrets.token_urlsafe(32)
    session.add(UserSession(key_hash=_session_hash(key), user_id=user.id))
    session.flush()
    return key


def end_session(session: Session, key: str | None) -> None:
    """Logout: this session ends, and every copy of its cookie with it."""
    if key:
        session.exec(delete(UserSession).where(col(UserSession.key_hash) == _session_hash(key)))  # type: ignore[call-overload]
        session.flush()


def end_sessions(session: Session, user: User) -> None:
    """End every session of the account, and every API token (they carry the session version)."""
    session.exec(delete(UserSession).where(col(UserSession.user_id) == user.id))  # type: ignore[call-overload]
    user.session_version += 1
    session.add(user)
    session.flush()


# --- grants --------------------------------------------------------------------------------


def active_grants(session: Session, user_id: int) -> list[RoleGrant]:
    return list(
        session.exec(
            select(RoleGrant)
            .where(RoleGrant.user_id == user_id, col(RoleGrant.revoked_at).is_(None))
            .order_by(col(RoleGrant.id))
        ).all()
    )


def load_principal(
    session: Session, user_id: int | None, session_key: str | None, max_age_s: int
) -> Principal:
    """The person of a session cookie; anonymous when the session has ended or expired."""
    if user_id is None or not session_key:
        return Principal()
    row = session.exec(
        select(UserSession, User)
        .join(User, col(User.id) == col(UserSession.user_id))
        .where(col(UserSession.key_hash) == _session_hash(session_key))
    ).first()
    if row is None:
        return Principal()
    live, user = row
    now = utcnow()
    if user.id != user_id or user.is_deleted or not user.is_active:
        return Principal()
    if live.last_seen_at < now - timedelta(seconds=max_age_s):
        return Principal()
    if live.last_seen_at < now - SESSION_REFRESH:
        live.last_seen_at = now
        session.add(live)
    grants = tuple(Grant(g.role, g.scope_kind, g.scope_code) for g in active_grants(session, user_id))
    return Principal(user=user, grants=grants)


def _check_scope(session: Session, scope_kind: str, scope_code: str) -> str:
    """Validate a scope and return its human label."""
    if scope_kind == ScopeKind.all:
        return "tout le territoire"
    model, column, label = {
        ScopeKind.qpv: (Qpv, Qpv.code, "quartier"),
        ScopeKind.secteur: (Secteur, Secteur.slug, "secteur"),
        ScopeKind.commune: (Commune, Commune.insee, "commune"),
        ScopeKind.metropole: (Metropole, Metropole.code, "métropole"),
    }.get(ScopeKind(scope_kind), (None, None, None))
    if model is None:
        raise Invalid(_("Type de territoire inconnu."), field="scope_kind")
    obj = session.exec(select(model).where(column == scope_code)).first()  # type: ignore[arg-type]
    if obj is None:
        raise Invalid(
            _("Ce %(label)s n'existe pas : %(scope_code)s.") % {"label": label, "scope_code": scope_code},
            field="scope_code",
        )
    return f"{label} {obj.name}"


def grant_role(
    session: Session, actor: ActorRef, user: User, role: str, scope_kind: str, scope_code: str
) -> RoleGrant:
    """Give a role on a territory; journaled."""
    try:
        role = Role(role)
        scope_kind = ScopeKind(scope_kind)
    except ValueError as exc:
        raise Invalid(_("Rôle ou territoire inconnu.")) from exc
    if role == Role.resident:
        raise Invalid(_("Le rôle habitant·e est celui de tout compte : il ne s'attribue pas."))
    scope_code = "" if scope_kind == ScopeKind.all else scope_code.strip()
    where = _check_scope(session, scope_kind, scope_code)
    assert user.id is not None
    for g in active_grants(session, user.id):
        if (g.role, g.scope_kind, g.scope_code) == (role, scope_kind, scope_code):
            raise Conflict(_("Cette personne a déjà ce rôle sur ce territoire."))
    grant = RoleGrant(
        user_id=user.id, role=role, scope_kind=scope_kind, scope_code=scope_code, granted_by=actor.id
    )
    session.add(grant)
    session.flush()
    record(
        session,
        actor=actor,
        action="accounts.role_granted",
        process="accounts",
        object_type="user",
        object_id=user.public_id,
        territory=scope_code or None,
        reason=f"Rôle « {ROLE_LABELS[role]} » attribué ({where}).",
        payload={"grant_id": grant.id, "role": role, "scope_kind": scope_kind, "scope_code": scope_code},
    )
    return grant


def revoke_grant(session: Session, actor: ActorRef, grant: RoleGrant) -> None:
    if grant.revoked_at is not None:
        raise Conflict(_("Ce rôle a déjà été retiré."))
    user = session.get(User, grant.user_id)
    assert user is not None
    grant.revoked_at = utcnow()
    session.add(grant)
    session.flush()
    record(
        session,
        actor=actor,
        action="accounts.role_revoked",
        process="accounts",
        object_type="user",
        object_id=user.public_id,
        territory=grant.scope_code or None,
        reason=f"Rôle « {ROLE_LABELS[Role(grant.role)]} » retiré.",
        payload={
            "grant_id": grant.id,
            "role": grant.role,
            "scope_kind": grant.scope_kind,
            "scope_code": grant.scope_code,
        },
    )


# --- profile and residence -----------------------------------------------------------------


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
    user.qpv_id = qpv.id
    user.residence_status = ResidenceStatus.verified
    user.residence_method = method[:200]
    user.residence_verified_by = actor.id
    user.residence_verified_at = utcnow()
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="accounts.residence_verified",
        process="accounts",
        object_type="user",
        object_id=user.public_id,
        territory=qpv.code,
        reason=f"Résidence dans le quartier {qpv.name} vérifiée en personne.",
        payload={"method": user.residence_method},
    )


def residents_to_verify(session: Session, qpv_ids: list[int], status: str | None = None) -> list[User]:
    query = select(User).where(col(User.qpv_id).in_(qpv_ids), col(User.deleted_at).is_(None))
    if status == ResidenceStatus.declared:
        # A geocoder hint is not a verification: those addresses wait for one too.
        query = query.where(col(User.residence_status).in_([status, ResidenceStatus.declared_in_area]))
    elif status:
        query = query.where(User.residence_status == status)
    return list(session.exec(query.order_by(User.residence_status, User.display_name)).all())


# --- personal data -------------------------------------------------------------------------


def export_personal_data(session: Session, user: User, registry: Registry) -> dict[str, Any]:
    """Everything the platform holds about a person (RGPD right of access); each process of the
    registry adds what it holds."""
    qpv = session.get(Qpv, user.qpv_id) if user.qpv_id else None
    data: dict[str, Any] = {
        "compte": {
            "identifiant_public_journal": user.public_id,
            "email": user.email,
            "telephone": user.phone,
            "identifiant_imprime": user.login_id,
            "piece_identite_vue": (
                {"type": user.id_document_kind, "le": user.id_document_seen_at.isoformat()}
                if user.id_document_seen_at
                else None
            ),
            "nom_affiche": user.display_name,
            "annee_naissance": user.birth_year,
            "adresse": user.address,
            "coordonnees_adresse": [user.address_lat, user.address_lon] if user.address_lat else None,
            "quartier": {"code": qpv.code, "nom": qpv.name} if qpv else None,
            "residence": {
                "statut": user.residence_status,
                "comment": user.residence_method,
                "verifiee_par": user.residence_verified_by,
                "verifiee_le": user.residence_verified_at.isoformat() if user.residence_verified_at else None,
            },
            "cree_le": user.created_at.isoformat(),
            "inscrit_en_personne_par": user.registered_by,
        },
        "roles": [
            {
                "role": g.role,
                "territoire": g.scope_kind,
                "code": g.scope_code,
                "depuis": g.granted_at.isoformat(),
            }
            for g in active_grants(session, user.id)  # type: ignore[arg-type]
        ],
    }
    for name, exporter in registry.personal_data_exporters():
        data[name] = exporter(session, user)
    return data


def delete_account(session: Session, user: User, registry: Registry) -> None:
    """Erase personal data (each process of the registry erases its own) but keep the row's
    pseudonymous id, so the journal stays intact: its entries name `public_id`, which no longer
    leads to anybody."""
    for erase in registry.account_erasers():
        erase(session, user)
    for grant in active_grants(session, user.id):  # type: ignore[arg-type]
        grant.revoked_at = utcnow()
        session.add(grant)
    user.email = None
    user.phone = None
    user.login_id = None
    # id_document_hash stays until the retention purge: one document still votes once per edition.
    user.password_hash = None
    user.display_name = "Compte supprimé"
    user.birth_year = None
    user.address = None
    user.address_lat = None
    user.address_lon = None
    user.residence_method = None
    user.is_active = False
    user.deleted_at = utcnow()
    session.add(user)
    end_sessions(session, user)
    record(
        session,
        actor=ActorRef(role=Role.resident, id=user.public_id),
        action="accounts.account_deleted",
        process="accounts",
        object_type="user",
        object_id=user.public_id,
        reason="Compte supprimé à la demande de la personne ; ses données personnelles ont été effacées.",
    )


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
