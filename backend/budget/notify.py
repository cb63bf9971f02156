"""Telling people what happened: authors about their proposal, residents about the vote.

`status_mails` builds the messages (pure given the data); `send_after_response` hands them to
the app's mailer (console, file or SMTP) in a background task, which runs after the request's
transaction has committed: nobody is told about a change that was rolled back.
`tell_authors`, `tell_vote_opened` and `remind_voters` go through `backend.notifications`
(in-app, and e-mail or SMS as each person chose), in the change's own transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from backend.accounts.models import User
from backend.budget.models import Edition, EditionPhase, PhaseKey, Proposal, ProposalCoauthor, ProposalStatus
from backend.formatting import PARIS, format_euros
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.mail import Mail, Mailer
from backend.notifications import Translatable, notify

if TYPE_CHECKING:
    from fastapi import BackgroundTasks, Request

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


def author_ids(session: Session, proposal: Proposal) -> set[int]:
    """The author and the co-authors."""
    ids = {proposal.author_id} if proposal.author_id else set()
    ids |= set(
        session.exec(
            select(ProposalCoauthor.user_id).where(ProposalCoauthor.proposal_id == proposal.id)
        ).all()
    )
    return ids


def recipients(session: Session, proposal: Proposal) -> list[User]:
    """The author and co-authors who have an e-mail address and an active account."""
    ids = author_ids(session, proposal)
    if not ids:
        return []
    users = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return [u for u in users if u.email and u.is_active and not u.is_deleted]


def _body(edition: Edition, proposal: Proposal, event: str) -> list[str]:
    status = proposal.status
    lines: list[str] = []
    if event == "hidden":
        lines.append(_("Plusieurs personnes ont signalé votre proposition. Elle est masquée pour le moment."))
        lines.append(_("La table de quartier va la relire, puis l'afficher de nouveau ou la refuser."))
    elif event == "restored":
        lines.append(_("La table de quartier a relu votre proposition. Elle est de nouveau visible."))
    elif status == ProposalStatus.submitted:
        lines.append(_("Merci ! La table de quartier va relire votre proposition, puis la publier."))
    elif status == ProposalStatus.changes_requested:
        lines.append(_("La table de quartier vous demande de changer votre proposition :"))
        lines.append(f"« {proposal.moderation_message} »")
        lines.append(_("Modifiez-la, puis envoyez-la de nouveau."))
    elif status == ProposalStatus.published:
        lines.append(_("Tout le monde peut maintenant lire votre proposition."))
        lines.append(_("Ensuite, la mairie vérifie si elle est possible et combien elle coûte."))
    elif status == ProposalStatus.rejected:
        lines.append(_("La table de quartier a refusé votre proposition. Voici pourquoi :"))
        lines.append(f"« {proposal.public_reason} »")
    elif status == ProposalStatus.merged:
        lines.append(_("Une autre proposition disait la même chose. Les deux sont regroupées."))
        lines.append(_("Votre nom apparaît sur la proposition gardée."))
    elif status in (ProposalStatus.eligible, ProposalStatus.eligible_after_changes):
        lines.append(_("La mairie a étudié votre proposition : elle est recevable."))
        if proposal.services_cost:
            lines.append(
                _("Coût estimé par les services : %(cost)s.") % {"cost": format_euros(proposal.services_cost)}
            )
        if proposal.eligibility_changes:
            lines.append(_("Ce qui change : %(changes)s") % {"changes": proposal.eligibility_changes})
        lines.append(_("Elle pourra être choisie pendant le vote."))
    elif status == ProposalStatus.ineligible:
        lines.append(_("La mairie a étudié votre proposition : elle n'est pas recevable. Voici pourquoi :"))
        lines.append(f"« {proposal.public_reason} »")
    return lines


def status_mails(
    session: Session, edition: Edition, proposal: Proposal, base_url: str, event: str = "status"
) -> list[Mail]:
    """One message per recipient about the proposal's new status (or `event`: hidden, restored)."""
    if event == "hidden":
        subject = _("Votre proposition est masquée après des signalements")
    elif event == "restored":
        subject = _("Votre proposition est de nouveau visible")
    elif proposal.status in SUBJECTS:
        subject = _(SUBJECTS[ProposalStatus(proposal.status)])
    else:
        return []
    link = base_url.rstrip("/") + proposal_path(edition, proposal)
    mails = []
    for user in recipients(session, proposal):
        body = [
            _("Bonjour %(name)s,") % {"name": user.display_name},
            "",
            _("Votre proposition « %(title)s » (%(edition)s) :")
            % {"title": proposal.title, "edition": edition.name},
            *_body(edition, proposal, event),
            "",
            _("Voir votre proposition et son historique : %(link)s") % {"link": link},
            "",
            _("Quartiers Participatifs"),
        ]
        mails.append(Mail(to=user.email or "", subject=subject, body="\n".join(body)))
    return mails


def _send_all(mailer: Mailer, mails: list[Mail]) -> None:
    for mail in mails:
        mailer.send(mail)


def send_after_response(
    request: Request,
    background: BackgroundTasks,
    session: Session,
    edition: Edition,
    proposal: Proposal,
    event: str = "status",
) -> None:
    """Queue the messages; they leave once the response (and so the commit) is done."""
    settings = request.app.state.settings
    mails = status_mails(session, edition, proposal, settings.base_url, event)
    if mails:
        background.add_task(_send_all, request.app.state.mailer, mails)


def proposal_path(edition: Edition, proposal: Proposal) -> str:
    return f"/budget-participatif/{edition.slug}/propositions/{proposal.id}"


def tell_authors(session: Session, proposal: Proposal) -> None:
    """The authors hear of their proposal's new status (called at the end of each status change)."""
    edition = session.get(Edition, proposal.edition_id)
    if edition is None or proposal.status not in SUBJECTS:
        return
    notify(
        session,
        author_ids(session, proposal),
        "proposal_status",
        params={"title": proposal.title, "status": Translatable(SUBJECTS[ProposalStatus(proposal.status)])},
        url=proposal_path(edition, proposal),
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
