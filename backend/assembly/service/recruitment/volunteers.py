"""Volunteers: registration (by letter code, in the open call, or by an agent), withdrawal, the pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.accounts.security import parse_identifier
from backend.assembly.models import (
    CategoryKind,
    RegistrationMode,
    Saisine,
    SaisineStatus,
    Volunteer,
    VolunteerStatus,
)
from backend.assembly.service.common import CategoryQuotas, add_once, quota_categories, territory_qpvs
from backend.assembly.service.recruitment.invitations import find_invitation, household_key, normalize_address
from backend.db import utcnow
from backend.errors import Conflict, FormCheck, Invalid
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv, Secteur


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


def _identifier(text: str, kind: str, refusal: str) -> str | None:
    """The phone number or e-mail typed in the field named ``kind``, normalised; None when left blank."""
    if not text.strip():
        return None
    try:
        found, value = parse_identifier(text)
    except Invalid:
        found = ""
    if found != kind:
        raise Invalid(refusal, field=kind)
    return value


def _contact(form: VolunteerForm, assisted: bool) -> tuple[str | None, str | None]:
    phone = _identifier(
        form.phone, "phone", _("Le numéro de téléphone n'est pas valide. Exemple : 06 12 34 56 78")
    )
    email = _identifier(form.email, "email", _("L'adresse e-mail n'est pas valide. Exemple : nom@exemple.fr"))
    if phone is None and email is None and not assisted:
        raise Invalid(
            _(
                "Indiquez un numéro de téléphone ou un e-mail. Nous vous prévenons si le tirage au sort vous choisit."
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
        values[category.key] = value
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
            raise Conflict(_("Vous êtes déjà sur la liste des volontaires de cette assemblée."))
    volunteer = Volunteer(
        saisine_id=saisine.id,
        user_id=user.id if user else None,
        invitation_id=invitation.id if invitation else None,
        name=name,
        phone=phone,
        email=email,
        address=address[:300],
        household_key=household_key(saisine, address),
        household_size=household_size,
        qpv_id=qpv.id,
        characteristics=answers,
        needs=form.needs.strip()[:1000],
        retention_until=saisine.retention_until,
        registered_by=registered_by.id if registered_by else None,
    )
    add_once(session, volunteer, _("Cette inscription existe déjà."))
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
