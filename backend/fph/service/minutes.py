"""The relevé de décisions of a meeting: built from its decisions, without personal data, and
published once every application on the agenda has an outcome (then the meeting is closed)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from backend.db import utcnow
from backend.errors import Conflict
from backend.formatting import format_date, format_money
from backend.fph.models import Applicant, Application, Fund, HolderKind, Meeting, Outcome
from backend.fph.service.committee import agenda, decision_for, ensure_open, votes_of
from backend.fph.service.common import get_fund, journal
from backend.fph.service.funds import qpv_names
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


@dataclass(frozen=True)
class MinutesItem:
    application_id: int
    title: str
    holder: str  # an association's name, or "a group of N residents": never a person's name
    asked_cents: int
    outcome: str | None
    amount_cents: int | None
    reason: str
    votes_for: int
    votes_against: int
    votes_abstain: int
    ledger_seq: int | None


@dataclass(frozen=True)
class Minutes:
    fund: Fund
    meeting: Meeting
    qpv_names: str
    voters: int  # voting members who voted on at least one application
    items: list[MinutesItem]

    @property
    def granted_cents(self) -> int:
        return sum(i.amount_cents or 0 for i in self.items if i.outcome == Outcome.granted)

    @property
    def undecided(self) -> list[MinutesItem]:
        return [i for i in self.items if i.outcome is None]


def holder_label(session: Session, application: Application) -> str:
    if application.holder_kind == HolderKind.association:
        return application.association_name or _("Association")
    count = len(session.exec(select(Applicant.id).where(Applicant.application_id == application.id)).all())
    return _("Groupe de {n} habitant·es").format(n=count)


def minutes(session: Session, meeting: Meeting) -> Minutes:
    """The relevé de décisions, built from the meeting's decisions, without personal data."""
    fund = get_fund(session, meeting.fund_id)
    items = []
    voter_ids: set[int] = set()
    for item, application in agenda(session, meeting.id):
        voter_ids.update(votes_of(session, item.id).keys())
        decision = decision_for(session, application.id, meeting.id)
        items.append(
            MinutesItem(
                application_id=application.id,
                title=application.title,
                holder=holder_label(session, application),
                asked_cents=application.amount_asked_cents,
                outcome=decision.outcome if decision else None,
                amount_cents=decision.amount_cents if decision else None,
                reason=decision.reason if decision else "",
                votes_for=decision.votes_for if decision else 0,
                votes_against=decision.votes_against if decision else 0,
                votes_abstain=decision.votes_abstain if decision else 0,
                ledger_seq=decision.ledger_seq if decision else None,
            )
        )
    return Minutes(
        fund=fund, meeting=meeting, qpv_names=qpv_names(session, fund), voters=len(voter_ids), items=items
    )


def publish_minutes(session: Session, actor: ActorRef, meeting: Meeting) -> Minutes:
    """Close the meeting and publish its relevé de décisions; every agenda item needs a decision."""
    ensure_open(meeting)
    current = minutes(session, meeting)
    if not current.items:
        raise Conflict(_("L'ordre du jour est vide : il n'y a rien à publier."))
    if current.undecided:
        raise Conflict(
            _("Il reste des demandes sans décision : {titles}. Décidez-les ou reportez-les d'abord.").format(
                titles=", ".join(f"« {i.title} »" for i in current.undecided)
            )
        )
    meeting.minutes_published_at = utcnow()
    session.add(meeting)
    session.flush()
    counts = {o: sum(1 for i in current.items if i.outcome == o) for o in Outcome}
    journal(
        session,
        actor=actor,
        action="minutes_published",
        subject=meeting,
        reason=_(
            "Relevé de décisions du comité du {date} publié : {granted} aide(s) accordée(s) pour {total}, "
            "{refused} refus, {postponed} report(s)."
        ).format(
            date=format_date(meeting.starts),
            granted=counts[Outcome.granted],
            total=format_money(current.granted_cents),
            refused=counts[Outcome.refused],
            postponed=counts[Outcome.postponed],
        ),
        payload={"fund_id": current.fund.id, "decisions": [i.application_id for i in current.items]},
    )
    return current
