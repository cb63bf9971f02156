"""Messages to the people who hold an application.

Every message — the invitation to the committee, the decision, each payment and the review of
the bilan — goes through `backend.notifications`: in-app, and e-mail or SMS as each holder chose,
in their language, written in the transaction of the change (the worker sends after the commit,
so a refused change sends nothing)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from backend.fph.models import Application, Decision, Meeting, Outcome, Payment
from backend.fph.service.applications import applicants_of
from backend.fph.service.funds import meeting_day
from backend.i18n import N_
from backend.notifications import Money, Param, Phrase, Translatable, notify

# Short words for a notice's title (« Votre demande « … » : aide accordée »).
OUTCOME_WORDS = {
    Outcome.granted: N_("aide accordée"),
    Outcome.refused: N_("pas d'aide"),
    Outcome.postponed: N_("décision reportée au prochain comité"),
}


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


# The review of a bilan, as the notice's title.
BILAN_WORDS = {True: N_("Votre bilan est accepté"), False: N_("Votre bilan est à compléter")}


def _tell_holders(
    session: Session, application: Application, kind: str, details: Sequence[Param] = (), **params: Param
) -> None:
    """Every holder of the application hears of it, with a link to its page; ``params`` fill the
    message, and the application's title is the `{title}` of every FPH message."""
    notify(
        session,
        [u.id for _a, u in applicants_of(session, application.id)],
        kind,
        params={"title": application.title, **params},
        url=application_path(application),
        details=details,
    )


def tell_invitation(session: Session, application: Application, meeting: Meeting) -> None:
    """The holders are invited to present their project (called when it is put on the agenda)."""
    _tell_holders(
        session,
        application,
        "fph_invitation",
        date=meeting_day(meeting),
        when=meeting.starts,
        place=meeting.place,
    )


def tell_payment(session: Session, application: Application, payment: Payment) -> None:
    """The holders hear of each payment (called when it is recorded)."""
    _tell_holders(
        session, application, "fph_payment", amount=Money(payment.amount_cents), ref=payment.reference
    )


def tell_bilan_review(session: Session, application: Application, *, accepted: bool, reason: str) -> None:
    """The holders hear that their bilan is accepted or must be completed, with the association's
    message if it wrote one (called at the end of the review)."""
    message = Phrase(N_("Message de l'association gestionnaire : {reason}"), {"reason": reason})
    outcome = Translatable(BILAN_WORDS[accepted])
    _tell_holders(session, application, "fph_bilan", [message] if reason else [], outcome=outcome)


def tell_decision(session: Session, application: Application, decision: Decision) -> None:
    """The holders hear of the committee's decision (called at the end of the decision)."""
    outcome = Translatable(OUTCOME_WORDS[Outcome(decision.outcome)])
    details = decision_details(decision)
    _tell_holders(session, application, "fph_decision", details, outcome=outcome, reason=decision.reason)
