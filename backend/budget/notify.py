"""Telling people what happened: authors about their proposal, residents about the vote.

`tell_authors`, `tell_vote_opened` and `remind_voters` go through `backend.notifications`
(in-app, and e-mail or SMS as each person chose, in their language), in the change's own
transaction: the outbox is sent after the commit, so nobody hears of a change that was rolled back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget.models import Edition, EditionPhase, PhaseKey, Proposal, ProposalCoauthor, ProposalStatus
from backend.formatting import PARIS
from backend.i18n import N_
from backend.notifications import Money, Param, Phrase, Translatable, notify

# The vote's last days: residents who have not voted yet get one reminder.
REMINDER_DAYS = 3

SUBJECTS = {
    ProposalStatus.submitted: N_("Votre proposition est bien reçue"),
    ProposalStatus.changes_requested: N_("Votre proposition : des modifications sont demandées"),
    ProposalStatus.published: N_("Votre proposition est publiée"),
    ProposalStatus.rejected: N_("Votre proposition n'a pas été acceptée"),
    ProposalStatus.merged: N_("Votre proposition a été regroupée avec une autre"),
    ProposalStatus.eligible: N_("Votre proposition est recevable"),
    ProposalStatus.eligible_after_changes: N_("Votre proposition est recevable, avec des modifications"),
    ProposalStatus.ineligible: N_("Votre proposition n'est pas recevable"),
}
EVENT_SUBJECTS = {
    "hidden": N_("Votre proposition est masquée après des signalements"),
    "restored": N_("Votre proposition est de nouveau visible"),
}


def author_ids(session: Session, proposal: Proposal) -> set[int]:
    """The author and the co-authors."""
    ids = {proposal.author_id} if proposal.author_id else set()
    ids |= set(
        session.exec(
            select(ProposalCoauthor.user_id).where(ProposalCoauthor.proposal_id == proposal.id)
        ).all()
    )
    return ids


def details(proposal: Proposal, event: str = "status") -> list[Param]:
    """What the authors need to know besides the new status: the reason, the cost, what to do next
    (each line translated for each author)."""
    status = proposal.status
    lines: list[Param] = []
    if event == "hidden":
        lines.append(
            Phrase(N_("Plusieurs personnes ont signalé votre proposition. Elle est masquée pour le moment."))
        )
        lines.append(
            Phrase(N_("La table de quartier va la relire, puis l'afficher de nouveau ou la refuser."))
        )
    elif event == "restored":
        lines.append(
            Phrase(N_("La table de quartier a relu votre proposition. Elle est de nouveau visible."))
        )
    elif status == ProposalStatus.submitted:
        lines.append(Phrase(N_("Merci ! La table de quartier va relire votre proposition, puis la publier.")))
    elif status == ProposalStatus.changes_requested:
        lines.append(Phrase(N_("La table de quartier vous demande de changer votre proposition :")))
        lines.append(f"« {proposal.moderation_message} »")
        lines.append(Phrase(N_("Modifiez-la, puis envoyez-la de nouveau.")))
    elif status == ProposalStatus.published:
        lines.append(Phrase(N_("Tout le monde peut maintenant lire votre proposition.")))
        lines.append(Phrase(N_("Ensuite, la mairie vérifie si elle est possible et combien elle coûte.")))
    elif status == ProposalStatus.rejected:
        lines.append(Phrase(N_("La table de quartier a refusé votre proposition. Voici pourquoi :")))
        lines.append(f"« {proposal.public_reason} »")
    elif status == ProposalStatus.merged:
        lines.append(Phrase(N_("Une autre proposition disait la même chose. Les deux sont regroupées.")))
        lines.append(Phrase(N_("Votre nom apparaît sur la proposition gardée.")))
    elif status in (ProposalStatus.eligible, ProposalStatus.eligible_after_changes):
        lines.append(Phrase(N_("La mairie a étudié votre proposition : elle est recevable.")))
        if proposal.services_cost:
            cost = Money(proposal.services_cost * 100)
            lines.append(Phrase(N_("Coût estimé par les services : %(cost)s."), {"cost": cost}))
        if proposal.eligibility_changes:
            changes = proposal.eligibility_changes
            lines.append(Phrase(N_("Ce qui change : %(changes)s"), {"changes": changes}))
        lines.append(Phrase(N_("Elle pourra être choisie pendant le vote.")))
    elif status == ProposalStatus.ineligible:
        lines.append(
            Phrase(N_("La mairie a étudié votre proposition : elle n'est pas recevable. Voici pourquoi :"))
        )
        lines.append(f"« {proposal.public_reason} »")
    return lines


def proposal_path(edition: Edition, proposal: Proposal) -> str:
    return f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"


def tell_authors(session: Session, proposal: Proposal, event: str = "status") -> None:
    """The authors hear of their proposal's new status, or of `event` (hidden after reports,
    restored): called at the end of each change, in its transaction."""
    edition = session.get(Edition, proposal.edition_id)
    subject = EVENT_SUBJECTS.get(event) or SUBJECTS.get(ProposalStatus(proposal.status))
    if edition is None or subject is None:
        return
    notify(
        session,
        author_ids(session, proposal),
        "proposal_status",
        params={"title": proposal.title, "status": Translatable(subject)},
        url=proposal_path(edition, proposal),
        details=details(proposal, event),
    )


def residents(session: Session, edition: Edition) -> list[int]:
    """Active accounts whose quartier is in the edition's territory: the people the vote is for
    (their age and trust level are checked when they vote, not here)."""
    from backend.budget.service.editions.envelopes import edition_qpvs

    qpv_ids = [ref.id for ref in edition_qpvs(session, edition)]
    if not qpv_ids:
        return []
    return list(
        session.exec(
            select(User.id).where(
                col(User.qpv_id).in_(qpv_ids), col(User.is_active).is_(True), col(User.deleted_at).is_(None)
            )
        ).all()
    )


def tell_vote_opened(session: Session, edition: Edition, before: str, after: str) -> None:
    """When an edition enters the vote, its residents hear that they can vote."""
    if after != PhaseKey.vote or before == PhaseKey.vote:
        return
    notify(
        session,
        residents(session, edition),
        "vote_open",
        params={"edition": edition.name},
        url=f"/budget-participatif/{edition.slug}",
    )


def remind_voters(session: Session, now: datetime) -> int:
    """The registry's reminder: in the vote's last days, residents who have not voted yet (who
    voted is known, never what) get one reminder per edition."""
    from backend.budget.voting.models import Voter

    today = now.astimezone(PARIS).date()
    rows = session.exec(
        select(Edition, EditionPhase)
        .join(EditionPhase, col(EditionPhase.edition_id) == Edition.id)
        .where(Edition.phase == PhaseKey.vote, EditionPhase.phase == PhaseKey.vote)
    ).all()
    told = 0
    for edition, phase in rows:
        if phase.ends_on is None or not today <= phase.ends_on <= today + timedelta(days=REMINDER_DAYS):
            continue
        voted = set(session.exec(select(Voter.user_id).where(Voter.edition_id == edition.id)).all())
        told += notify(
            session,
            [i for i in residents(session, edition) if i not in voted],
            "vote_reminder",
            params={"edition": edition.name, "end": phase.ends_on},
            url=f"/budget-participatif/{edition.slug}",
            dedupe_key=f"vote_reminder:{edition.id}",
        )
    return told
