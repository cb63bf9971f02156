"""Funds, their committee members and their meeting calendar."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, col, select

from backend.accounts.grants import active_grants, grant_role
from backend.accounts.models import Role, ScopeKind, User
from backend.accounts.permissions import Grant
from backend.db import get_or_not_found
from backend.errors import Conflict, Invalid, NotFound
from backend.formatting import PARIS, format_datetime, format_money
from backend.fph.models import Fund, FundQpv, Meeting, Member, MemberKind
from backend.fph.service.common import all_of, fund_qpvs, journal, lock_fund
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import Qpv
from backend.territory.service import get_qpv, qpv_ref


@dataclass
class FundSettings:
    """What an administrator sets per fund and year (defaults: a realistic Marseille règlement)."""

    name: str
    year: int
    envelope_cents: int
    association_name: str
    association_contact: str = ""
    cap_cents: int = 150_000
    max_share_pct: int = 90
    advance_pct: int = 80
    bilan_deadline_days: int = 60
    max_grants_per_holder: int = 2
    quorum: int = 3

    def validate(self) -> None:
        if len(self.name.strip()) < 3:
            raise Invalid(_("Donnez un nom au fonds."), field="name")
        if not 2000 <= self.year <= 2100:
            raise Invalid(_("L'année n'est pas valide."), field="year")
        if len(self.association_name.strip()) < 2:
            raise Invalid(_("Indiquez l'association gestionnaire."), field="association_name")
        if self.cap_cents <= 0:
            raise Invalid(_("Le plafond par projet doit être plus grand que 0 €."), field="cap")
        for name, low, high, message in _RANGES:
            if not low <= getattr(self, name) <= high:
                raise Invalid(_(message), field=name)


_RANGES = (  # (setting, lowest, highest, message when outside)
    ("max_share_pct", 1, 100, N_("La part maximale du coût est un pourcentage entre 1 et 100.")),
    ("advance_pct", 0, 100, N_("L'avance est un pourcentage entre 0 et 100.")),
    ("bilan_deadline_days", 0, 365, N_("Le délai du bilan est un nombre de jours entre 0 et 365.")),
    ("max_grants_per_holder", 1, 20, N_("Le nombre d'aides par an est entre 1 et 20.")),
    ("quorum", 1, 50, N_("Le quorum est un nombre de membres entre 1 et 50.")),
)


def create_fund(session: Session, actor: ActorRef, settings: FundSettings, qpv_codes: list[str]) -> Fund:
    """A fund for one QPV or a group of QPV (the first one is the main QPV); journaled."""
    settings.validate()
    codes = list(dict.fromkeys(c.strip() for c in qpv_codes if c.strip()))
    if not codes:
        raise Invalid(_("Choisissez au moins un quartier."), field="qpv_codes")
    qpvs = [get_qpv(session, c) for c in codes]
    taken = session.exec(
        select(FundQpv.qpv_id).where(
            col(FundQpv.qpv_id).in_([q.id for q in qpvs]), FundQpv.year == settings.year
        )
    ).all()
    if taken:
        names = ", ".join(q.name for q in qpvs if q.id in taken)
        raise Conflict(
            _("Ces quartiers ont déjà un fonds en {year} : {names}.").format(year=settings.year, names=names)
        )
    fund = Fund(qpv_id=qpvs[0].id, **asdict(settings))
    session.add(fund)
    session.flush()
    for q in qpvs:
        session.add(FundQpv(fund_id=fund.id, qpv_id=q.id, year=fund.year))
    session.flush()
    journal(
        session,
        actor=actor,
        action="fund_created",
        subject=fund,
        reason=_(
            "Fonds de participation {year} ouvert pour {qpvs} : enveloppe de {envelope}, {cap} au plus par projet."
        ).format(
            year=fund.year,
            qpvs=", ".join(q.name for q in qpvs),
            envelope=format_money(fund.envelope_cents),
            cap=format_money(fund.cap_cents),
        ),
        payload={**asdict(settings), "qpv_codes": codes},
    )
    return fund


def update_fund(session: Session, actor: ActorRef, fund: Fund, settings: FundSettings) -> Fund:
    """Change the rules or the envelope; the envelope can never drop below what is committed."""
    settings.validate()
    fund = lock_fund(session, fund.id)
    committed = fund.granted_cents + fund.pending_cents
    if settings.envelope_cents < committed:
        raise Conflict(
            _(
                "L'enveloppe ne peut pas être plus petite que l'argent déjà accordé ou réservé ({committed})."
            ).format(committed=format_money(committed)),
            field="envelope",
        )
    if settings.year != fund.year:
        raise Invalid(_("L'année d'un fonds ne change pas. Créez un nouveau fonds."), field="year")
    before = {k: getattr(fund, k) for k in asdict(settings)}
    for key, value in asdict(settings).items():
        setattr(fund, key, value)
    session.add(fund)
    session.flush()
    changed = {k: [before[k], v] for k, v in asdict(settings).items() if before[k] != v}
    if changed:
        journal(
            session,
            actor=actor,
            action="fund_updated",
            subject=fund,
            reason=_("Règles du fonds modifiées : {fields}.").format(fields=", ".join(sorted(changed))),
            payload={"changed": changed},
        )
    return fund


def list_funds(session: Session, year: int | None = None) -> list[Fund]:
    query = select(Fund).order_by(col(Fund.year).desc(), Fund.name)
    if year is not None:
        query = query.where(Fund.year == year)
    return all_of(session, query)


def funds_of_qpv(session: Session, qpv_id: int) -> list[Fund]:
    return all_of(
        session,
        select(Fund)
        .join(FundQpv, col(FundQpv.fund_id) == Fund.id)
        .where(FundQpv.qpv_id == qpv_id)
        .order_by(col(Fund.year).desc()),
    )


# --- members -------------------------------------------------------------------------------


def active_members(session: Session, fund_id: int) -> list[Member]:
    return all_of(
        session,
        select(Member)
        .where(Member.fund_id == fund_id, col(Member.ended_at).is_(None))
        .order_by(col(Member.kind), col(Member.id)),
    )


def membership(session: Session, fund_id: int, user_id: int) -> Member | None:
    return session.exec(
        select(Member).where(
            Member.fund_id == fund_id, Member.user_id == user_id, col(Member.ended_at).is_(None)
        )
    ).first()


def add_member(
    session: Session, actor: ActorRef, fund: Fund, *, kind: str, user: User | None = None, label: str = ""
) -> Member:
    """Add someone to the committee. Residents vote and need the fph_committee role on the QPV
    (granted here when missing); institutions never vote; the managing association's staff run
    meetings and payments. Journaled without names."""
    try:
        kind = MemberKind(kind)
    except ValueError as exc:
        raise Invalid(_("Type de membre inconnu."), field="kind") from exc
    label = " ".join(label.split())[:200]
    if user is None and kind != MemberKind.institution:
        raise Invalid(
            _("Un membre habitant ou de l'association doit avoir un compte sur la plateforme."),
            field="identifier",
        )
    if user is None and len(label) < 2:
        raise Invalid(
            _("Indiquez le nom de l'institution (par exemple : Ville de Marseille)."), field="label"
        )
    if user is not None and membership(session, fund.id, user.id) is not None:
        raise Conflict(_("Cette personne fait déjà partie du comité."), field="identifier")
    qpv = session.get(Qpv, fund.qpv_id)
    assert qpv is not None
    if user is not None and kind in (MemberKind.resident, MemberKind.gestionnaire):
        ref = qpv_ref(session, qpv.id)
        grants = active_grants(session, user.id)
        if not any(
            g.role == Role.fph_committee and Grant(g.role, g.scope_kind, g.scope_code).covers(ref)
            for g in grants
        ):
            grant_role(session, actor, user, Role.fph_committee, ScopeKind.qpv, qpv.code)
    member = Member(
        fund_id=fund.id,
        user_id=user.id if user else None,
        kind=kind,
        voting=kind == MemberKind.resident,
        label=label,
    )
    session.add(member)
    session.flush()
    what = {
        MemberKind.resident: _("un·e habitant·e (avec droit de vote)"),
        MemberKind.institution: _("une institution sans droit de vote ({label})").format(label=label),
        MemberKind.gestionnaire: _("une personne de l'association gestionnaire (sans droit de vote)"),
    }[kind]
    journal(
        session,
        actor=actor,
        action="member_added",
        subject=fund,
        reason=_("Comité d'attribution : ajout d'{what}.").format(what=what),
        payload={
            "member_id": member.id,
            "kind": kind,
            "voting": member.voting,
            "user": user.public_id if user else None,
        },
    )
    return member


def end_member(session: Session, actor: ActorRef, fund: Fund, member: Member) -> None:
    if member.fund_id != fund.id:
        raise NotFound(_("Ce membre n'existe pas."))
    if member.ended_at is not None:
        raise Conflict(_("Ce membre a déjà quitté le comité."))
    from backend.db import utcnow

    member.ended_at = utcnow()
    session.add(member)
    session.flush()
    journal(
        session,
        actor=actor,
        action="member_removed",
        subject=fund,
        reason=_("Comité d'attribution : un membre a quitté le comité."),
        payload={"member_id": member.id, "kind": member.kind},
    )


# --- meetings ------------------------------------------------------------------------------


def schedule_meeting(
    session: Session, actor: ActorRef, fund: Fund, starts_at: datetime, place: str
) -> Meeting:
    place = " ".join(place.split())
    if len(place) < 3:
        raise Invalid(_("Indiquez le lieu du comité."), field="place")
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=PARIS)
    if starts_at.astimezone(PARIS).year not in (fund.year, fund.year + 1):
        raise Invalid(_("La date du comité doit être dans l'année du fonds."), field="starts_at")
    starts_at = starts_at.astimezone(UTC)
    meeting = Meeting(fund_id=fund.id, starts_at=starts_at, place=place[:200])
    session.add(meeting)
    session.flush()
    journal(
        session,
        actor=actor,
        action="meeting_scheduled",
        subject=meeting,
        reason=_("Comité d'attribution prévu le {date} ({place}).").format(
            date=format_datetime(starts_at), place=meeting.place
        ),
        payload={"fund_id": fund.id, "starts_at": starts_at.isoformat()},
    )
    return meeting


def meeting_day(meeting: Meeting) -> date:
    return meeting.starts.astimezone(PARIS).date()


def meetings_of(session: Session, fund_id: int) -> list[Meeting]:
    return all_of(session, select(Meeting).where(Meeting.fund_id == fund_id).order_by(col(Meeting.starts_at)))


def next_meeting(session: Session, fund_id: int, today: date) -> Meeting | None:
    """The next committee still open (today's included)."""
    for meeting in meetings_of(session, fund_id):
        if not meeting.is_closed and meeting_day(meeting) >= today:
            return meeting
    return None


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    return get_or_not_found(session, Meeting, meeting_id, _("Ce comité n'existe pas."))


def qpv_names(session: Session, fund: Fund) -> str:
    return ", ".join(q.name for q in fund_qpvs(session, fund))


def published_meetings(session: Session, fund_id: int) -> list[Meeting]:
    return all_of(
        session,
        select(Meeting)
        .where(Meeting.fund_id == fund_id, col(Meeting.minutes_published_at).is_not(None))
        .order_by(col(Meeting.starts_at).desc()),
    )


def upcoming_meetings(session: Session, fund_id: int, today: date) -> list[Meeting]:
    return [
        m
        for m in session.exec(
            select(Meeting).where(Meeting.fund_id == fund_id).order_by(col(Meeting.starts_at))
        ).all()
        if not m.is_closed and meeting_day(m) >= today
    ]


def open_meetings(session: Session, fund_id: int) -> list[Meeting]:
    return all_of(
        session,
        select(Meeting)
        .where(Meeting.fund_id == fund_id, col(Meeting.minutes_published_at).is_(None))
        .order_by(col(Meeting.starts_at)),
    )
