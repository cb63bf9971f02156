"""Messages to the people who hold an application.

The committee's decision goes through `backend.notifications` (`tell_decision`: in-app, and e-mail
or SMS as each holder chose, in their language) in the decision's own transaction. The other
messages (invitation to the committee, payments, bilan) have no notification kind yet: they are
e-mailed as background tasks, which run after the response — so after the request's transaction
has committed: a refused change never sends a message."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from backend.formatting import format_date, format_datetime
from backend.fph.models import Application, Decision, Meeting, Outcome
from backend.fph.service.applications import applicants_of
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.mail import Mail
from backend.notifications import Money, Param, Phrase, Translatable, notify

if TYPE_CHECKING:
    from fastapi import BackgroundTasks, Request

# Short words for a notice's title (« Votre demande « … » : aide accordée »).
OUTCOME_WORDS = {
    Outcome.granted: N_("aide accordée"),
    Outcome.refused: N_("pas d'aide"),
    Outcome.postponed: N_("décision reportée au prochain comité"),
}


def _holders_with_email(session: Session, application: Application) -> list[str]:
    return [u.email for _a, u in applicants_of(session, application.id) if u.email and u.deleted_at is None]


def send_to_holders(
    request: Request,
    background: BackgroundTasks,
    session: Session,
    application: Application,
    subject: str,
    body: str,
) -> int:
    """Queue one message per holder with an e-mail address; returns how many were queued.
    People without e-mail are told by the association (the application page says so)."""
    link = request.app.state.settings.base_url.rstrip("/") + application_path(application)
    text = f"{body}\n\n{_('Voir votre demande :')} {link}\n\n{_('— Fonds de participation des habitants')}"
    mailer = request.app.state.mailer
    addresses = _holders_with_email(session, application)
    for to in addresses:
        background.add_task(mailer.send, Mail(to=to, subject=subject, body=text))
    return len(addresses)


def invitation_message(application: Application, meeting: Meeting) -> tuple[str, str]:
    return (
        _("Invitation au comité du {date}").format(date=format_date(meeting.starts)),
        _(
            "Votre demande « {title} » passe au comité du {when}, {place}.\n"
            "Venez présenter votre projet en quelques minutes. Si vous ne pouvez pas venir, prévenez "
            "l'association gestionnaire."
        ).format(title=application.title, when=format_datetime(meeting.starts), place=meeting.place),
    )


def application_path(application: Application) -> str:
    return f"/fph/demandes/{application.id}"


def decision_details(decision: Decision) -> list[Param]:
    """The amount and what comes next, besides the outcome and its reason."""
    if decision.outcome == Outcome.granted:
        return [
            Phrase(N_("Votre projet est aidé : {amount}"), {"amount": Money(decision.amount_cents or 0)}),
            Phrase(
                N_(
                    "L'association gestionnaire va vous verser une avance. Après l'action, envoyez le bilan "
                    "avec les factures."
                )
            ),
        ]
    if decision.outcome == Outcome.postponed:
        return [Phrase(N_("Complétez votre demande : elle repassera au prochain comité."))]
    return []


def tell_decision(session: Session, application: Application, decision: Decision) -> None:
    """The holders hear of the committee's decision (called at the end of the decision)."""
    holders = [u.id for _a, u in applicants_of(session, application.id)]
    notify(
        session,
        holders,
        "fph_decision",
        params={
            "title": application.title,
            "outcome": Translatable(OUTCOME_WORDS[Outcome(decision.outcome)]),
            "reason": decision.reason,
        },
        url=application_path(application),
        details=decision_details(decision),
    )
