"""Committee meetings: agenda, conflicts of interest, votes, decisions and the public minutes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from backend.db import get_or_not_found, utcnow
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.formatting import format_date, format_money
from backend.fph.models import (
    WAITING,
    AgendaItem,
    Applicant,
    Application,
    ApplicationStatus,
    Decision,
    Fund,
    Meeting,
    Member,
    MemberConflict,
    Outcome,
    Vote,
    VoteChoice,
)
from backend.fph.notify import tell_decision, tell_invitation
from backend.fph.service.common import all_of, journal, lock_fund, move_money
from backend.fph.service.funds import active_members, meeting_day
from backend.fph.votes import Tally, may_vote, outcome_refusal, tally
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef


def get_item(session: Session, item_id: int) -> AgendaItem:
    return get_or_not_found(session, AgendaItem, item_id, _("Ce point de l'ordre du jour n'existe pas."))


def agenda(session: Session, meeting_id: int) -> list[tuple[AgendaItem, Application]]:
    return all_of(
        session,
        select(AgendaItem, Application)
        .join(Application, col(Application.id) == AgendaItem.application_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(col(AgendaItem.position), col(AgendaItem.id)),
    )


def ensure_open(meeting: Meeting) -> None:
    if meeting.is_closed:
        raise Conflict(_("Le relevé de décisions de ce comité est publié : il ne peut plus changer."))


def decision_for(session: Session, application_id: int, meeting_id: int) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.application_id == application_id, Decision.meeting_id == meeting_id)
    ).first()


def add_to_agenda(
    session: Session, actor: ActorRef, meeting: Meeting, application: Application, *, invited: bool
) -> AgendaItem:
    """Put a waiting application on a meeting's agenda, possibly inviting its holders to present it."""
    ensure_open(meeting)
    if application.fund_id != meeting.fund_id:
        raise NotFound(_("Cette demande n'existe pas."))
    if application.status not in WAITING:
        raise Conflict(_("Seules les demandes envoyées ou reportées vont à l'ordre du jour."))
    existing = session.exec(
        select(AgendaItem, Meeting)
        .join(Meeting, col(Meeting.id) == AgendaItem.meeting_id)
        .where(AgendaItem.application_id == application.id, col(Meeting.minutes_published_at).is_(None))
    ).all()
    for _item, other in existing:
        if decision_for(session, application.id, other.id) is None:
            raise Conflict(
                _("Cette demande est déjà à l'ordre du jour du comité du {date}.").format(
                    date=format_date(other.starts)
                )
            )
    if application.action_date is not None and application.action_date <= meeting_day(meeting):
        raise Invalid(
            _("L'action a lieu avant ce comité : choisissez un comité plus tôt, ou une autre date d'action.")
        )
    position = len(agenda(session, meeting.id)) + 1
    item = AgendaItem(
        meeting_id=meeting.id, application_id=application.id, position=position, invited=invited
    )
    session.add(item)
    session.flush()
    journal(
        session,
        actor=actor,
        action="agenda_added",
        subject=application,
        reason=_("Demande « {title} » inscrite au comité du {date}.").format(
            title=application.title, date=format_date(meeting.starts)
        ),
        payload={"meeting_id": meeting.id, "invited": invited},
    )
    if invited:
        tell_invitation(session, application, meeting)
    return item


# --- conflicts and votes ---------------------------------------------------------------------


def conflicted_member_ids(session: Session, application: Application) -> set[int]:
    """Declared conflicts, plus members who hold the application themselves."""
    declared = set(
        session.exec(
            select(MemberConflict.member_id).where(MemberConflict.application_id == application.id)
        ).all()
    )
    holders = session.exec(
        select(Member.id)
        .join(Applicant, col(Applicant.user_id) == Member.user_id)
        .where(Applicant.application_id == application.id, Member.fund_id == application.fund_id)
    ).all()
    return declared | {m for m in holders if m is not None}


def declare_conflict(session: Session, actor: ActorRef, member: Member, item: AgendaItem) -> None:
    """A member says they are linked to an application: they will not vote on it, and any vote
    they already gave stops counting. Journaled without their name."""
    meeting = session.get(Meeting, item.meeting_id)
    application = session.get(Application, item.application_id)
    assert meeting is not None and application is not None
    ensure_open(meeting)
    if member.fund_id != application.fund_id or member.ended_at is not None:
        raise Forbidden(_("Vous ne faites pas partie de ce comité."))
    if member.id in conflicted_member_ids(session, application):
        raise Conflict(_("Ce lien avec le dossier est déjà noté."))
    session.add(MemberConflict(application_id=application.id, member_id=member.id))
    for vote in session.exec(select(Vote).where(Vote.item_id == item.id, Vote.member_id == member.id)).all():
        session.delete(vote)
    session.flush()
    journal(
        session,
        actor=actor,
        action="conflict_declared",
        subject=application,
        reason=_(
            "Un membre du comité est lié à la demande « {title} » : il ne vote pas sur cette demande."
        ).format(title=application.title),
        payload={"member_id": member.id, "meeting_id": meeting.id},
    )


def record_vote(
    session: Session,
    *,
    recorded_by: ActorRef,
    item: AgendaItem,
    member: Member,
    choice: str,
    has_committee_role: bool,
) -> Vote:
    """A voting member's pour / contre / abstention (or the secretary's record of a show of hands)."""
    try:
        choice = VoteChoice(choice)
    except ValueError as exc:
        raise Invalid(_("Choisissez pour, contre ou abstention."), field="choice") from exc
    meeting = session.get(Meeting, item.meeting_id)
    application = session.get(Application, item.application_id)
    assert meeting is not None and application is not None
    ensure_open(meeting)
    if decision_for(session, application.id, meeting.id) is not None:
        raise Conflict(_("La décision est déjà prise pour cette demande : le vote est terminé."))
    if member.fund_id != meeting.fund_id or member.ended_at is not None:
        raise Forbidden(_("Vous ne faites pas partie de ce comité."))
    refusal = may_vote(
        is_voting_member=member.voting,
        has_committee_role=has_committee_role,
        conflicted=member.id in conflicted_member_ids(session, application),
    )
    if refusal:
        raise Forbidden(refusal)
    vote = session.exec(select(Vote).where(Vote.item_id == item.id, Vote.member_id == member.id)).first()
    if vote is None:
        vote = Vote(item_id=item.id, member_id=member.id, choice=choice, recorded_by=recorded_by.id)
    vote.choice = choice
    vote.recorded_by = recorded_by.id
    vote.recorded_at = utcnow()
    session.add(vote)
    session.flush()
    return vote


def votes_of(session: Session, item_id: int) -> dict[int, str]:
    """member id → choice."""
    return {v.member_id: v.choice for v in session.exec(select(Vote).where(Vote.item_id == item_id)).all()}


def item_tally(session: Session, item: AgendaItem, fund: Fund) -> Tally:
    """Votes of active voting members not linked to the application."""
    application = session.get(Application, item.application_id)
    assert application is not None
    conflicted = conflicted_member_ids(session, application)
    allowed = {m.id for m in active_members(session, fund.id) if m.voting and m.id not in conflicted}
    choices = [choice for member_id, choice in votes_of(session, item.id).items() if member_id in allowed]
    return tally(choices, fund.quorum)


# --- decisions -------------------------------------------------------------------------------


def decide(
    session: Session,
    actor: ActorRef,
    item: AgendaItem,
    *,
    outcome: str,
    amount_cents: int | None,
    reason: str,
) -> Decision:
    """Record the committee's outcome. Granting moves the reservation to the granted total under
    the fund's lock (never beyond the envelope); refusing releases it; postponing keeps it.
    Journaled with the public reason, in the same transaction."""
    try:
        outcome = Outcome(outcome)
    except ValueError as exc:
        raise Invalid(_("Choisissez la décision : accordée, refusée ou reportée."), field="outcome") from exc
    reason = " ".join(reason.split())
    if len(reason) < 5:
        what = (
            _("ce qui manque au dossier") if outcome == Outcome.postponed else _("la raison de la décision")
        )
        raise Invalid(
            _("Écrivez {what}, en une phrase : elle sera publique.").format(what=what), field="reason"
        )
    meeting = session.get(Meeting, item.meeting_id)
    assert meeting is not None
    ensure_open(meeting)
    # Lock the fund first: concurrent decisions on this fund are handled one after the other,
    # each one seeing the application and the totals as the previous one left them.
    fund = lock_fund(session, meeting.fund_id)
    application = session.exec(
        select(Application)
        .where(Application.id == item.application_id)
        .execution_options(populate_existing=True)
    ).one()
    if application.status not in WAITING or decision_for(session, application.id, meeting.id) is not None:
        raise Conflict(_("Une décision a déjà été prise pour cette demande."))
    t = item_tally(session, item, fund)
    refusal = outcome_refusal(outcome, t)
    if refusal:
        raise Invalid(refusal, field="outcome")
    asked = application.amount_asked_cents
    if outcome == Outcome.granted:
        if amount_cents is None or amount_cents <= 0:
            raise Invalid(_("Indiquez le montant accordé."), field="amount")
        if amount_cents > asked:
            raise Invalid(
                _("Le comité ne peut pas accorder plus que le montant demandé ({asked}).").format(
                    asked=format_money(asked)
                ),
                field="amount",
            )
        if amount_cents > fund.cap_cents:
            raise Invalid(
                _("Le plafond du fonds est de {cap} par projet.").format(cap=format_money(fund.cap_cents)),
                field="amount",
            )
        if application.action_date is not None and application.action_date <= meeting_day(meeting):
            raise Invalid(
                _("L'action a déjà eu lieu : le comité ne peut plus l'aider. Reportez ou refusez."),
                field="outcome",
            )
        fund = move_money(session, fund.id, pending=-application.reserved_cents, granted=amount_cents)
        application.reserved_cents = 0
        application.status = ApplicationStatus.granted
        application.granted_cents = amount_cents
        end = application.action_end_date or application.action_date
        if end is not None:
            application.bilan_due_on = end + timedelta(days=fund.bilan_deadline_days)
        text = _("Aide de {amount} accordée à « {title} » ({asked} demandés). {votes}. Motif : {reason}")
    elif outcome == Outcome.refused:
        amount_cents = None
        fund = move_money(session, fund.id, pending=-application.reserved_cents)
        application.reserved_cents = 0
        application.status = ApplicationStatus.refused
        text = _("Demande « {title} » refusée ({asked} demandés). {votes}. Motif : {reason}")
    else:
        amount_cents = None
        application.status = ApplicationStatus.postponed
        text = _("Demande « {title} » reportée à un prochain comité. {votes}. Il manque : {reason}")
    application.decided_at = utcnow()
    application.updated_at = application.decided_at
    session.add(application)
    decision = Decision(
        application_id=application.id,
        meeting_id=meeting.id,
        outcome=outcome,
        amount_cents=amount_cents,
        reason=reason[:2000],
        votes_for=t.pour,
        votes_against=t.contre,
        votes_abstain=t.abstention,
        quorum=t.quorum,
        decided_by=actor.id,
    )
    session.add(decision)
    session.flush()
    votes = _("Votes : {pour} pour, {contre} contre, {abst} abstention(s)").format(
        pour=t.pour, contre=t.contre, abst=t.abstention
    )
    entry = journal(
        session,
        actor=actor,
        action=f"application_{outcome}",
        subject=application,
        reason=text.format(
            amount=format_money(amount_cents),
            title=application.title,
            asked=format_money(asked),
            votes=votes,
            reason=reason,
        ),
        payload={
            "decision_id": decision.id,
            "meeting_id": meeting.id,
            "fund_id": fund.id,
            "outcome": outcome,
            "amount_cents": amount_cents,
            "amount_asked_cents": asked,
            "votes": {"pour": t.pour, "contre": t.contre, "abstention": t.abstention},
            "quorum": t.quorum,
            "fund_balance_cents": fund.balance_cents,
        },
    )
    decision.ledger_seq = entry.seq
    session.add(decision)
    session.flush()
    tell_decision(session, application, decision)
    return decision


def decisions_of(session: Session, application_id: int) -> list[tuple[Decision, Meeting]]:
    return all_of(
        session,
        select(Decision, Meeting)
        .join(Meeting, col(Meeting.id) == Decision.meeting_id)
        .where(Decision.application_id == application_id)
        .order_by(col(Decision.decided_at)),
    )
