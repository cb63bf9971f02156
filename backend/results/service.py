"""Following the realisation of winning projects: open a follow-up, change its status and progress,
add dated milestones, let residents subscribe. Services only flush; every change is journaled.

Journal: entries go to the *originating* process (« bp » or « fph ») on the originating object
(bp_proposal n, fph_application n), with actions « results.* ». So the journal filtered on the
budget participatif tells a project's whole story, from the idea to its delivery, and the
proposal's own history (which lists the entries of its object) shows the follow-up too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col, delete

from backend.accounts.models import User
from backend.db import utcnow
from backend.errors import Conflict, Invalid
from backend.formatting import format_date
from backend.forms import clean_text
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef, record
from backend.notifications import Param, Phrase, Translatable
from backend.notifications.service import text_of
from backend.results.followables import Followable, describe, followable
from backend.results.models import Milestone, Realisation, RealisationStatus, Source, Subscription
from backend.results.notify import tell_followers, tell_update
from backend.territory.models import Qpv

STATUS_LABELS = {
    RealisationStatus.etudes: N_("Études"),
    RealisationStatus.travaux: N_("Travaux"),
    RealisationStatus.livre: N_("Livré"),
    RealisationStatus.abandonne: N_("Abandonné"),
}
STATUS_FALC = {
    RealisationStatus.etudes: "Les services préparent le projet : plans, devis, autorisations.",
    RealisationStatus.travaux: "Le projet est en cours de réalisation.",
    RealisationStatus.livre: "Le projet est terminé.",
    RealisationStatus.abandonne: "Le projet ne sera pas réalisé. La raison est expliquée.",
}
SOURCE_LABELS = {Source.bp: "Budget participatif", Source.fph: "Fonds de participation des habitants"}
OBJECT_TYPES = {Source.bp: "bp_proposal", Source.fph: "fph_application"}


def status_label(status: str) -> str:
    return text_of(status_param(status))


def status_param(status: str) -> Param:
    """The step's label, translated where it is read (a follower's message, a page)."""
    return (
        Translatable(STATUS_LABELS[RealisationStatus(status)]) if status in set(RealisationStatus) else status
    )


def where_it_stands(realisation: Realisation) -> Param:
    """« Où en est le projet : Travaux, 45 %. », for the followers' messages."""
    return Phrase(
        N_("Où en est le projet : %(status)s, %(progress)s %%."),
        {"status": status_param(realisation.status), "progress": realisation.progress},
    )


def _qpv_code(session: Session, qpv_id: int | None) -> str | None:
    return session.scalar(select(col(Qpv.code)).where(col(Qpv.id) == qpv_id)) if qpv_id else None


def _journal(
    session: Session, actor: ActorRef, r: Realisation, action: str, reason: str, payload: dict[str, Any]
) -> None:
    record(
        session,
        actor=actor,
        action=f"results.{action}",
        process=r.source,
        object_type=OBJECT_TYPES[Source(r.source)],
        object_id=r.source_id,
        territory=_qpv_code(session, r.qpv_id),
        reason=reason,
        payload={"realisation_id": r.id, **payload},
    )


def _touched(session: Session, realisation: Realisation) -> Followable:
    """The realisation saved as changed now, described for its journal entry."""
    realisation.updated_at = utcnow()
    session.add(realisation)
    session.flush()
    return describe(session, realisation)


def open_realisation(
    session: Session, actor: ActorRef, source: str, source_id: int, service: str = ""
) -> Realisation:
    """Start following a winning project; journaled."""
    item = followable(session, source, source_id)
    if item.realisation is not None:
        raise Conflict(_("Le suivi de ce projet est déjà ouvert."))
    realisation = Realisation(
        source=source,
        source_id=source_id,
        edition_id=item.edition_id,
        qpv_id=item.qpv_id,
        service=clean_text(service, 200),
        opened_by=actor.id,
    )
    session.add(realisation)
    session.flush()
    _journal(
        session,
        actor,
        realisation,
        "realisation_opened",
        _("Suivi de la réalisation ouvert pour « %(title)s ». Les habitants peuvent suivre son avancement.")
        % {"title": item.title},
        {"status": realisation.status, "progress": 0, "service": realisation.service},
    )
    return realisation


@dataclass(frozen=True)
class Update:
    status: str
    progress: int
    service: str
    reason: str = ""


def validate_update(u: Update) -> Update:
    """The rules of a follow-up, as a pure function: known status, progress 0-100, a reason to
    abandon, 100 % when delivered."""
    if u.status not in set(RealisationStatus):
        raise Invalid(_("Choisissez l'étape du projet."), field="status")
    if not 0 <= u.progress <= 100:
        raise Invalid(_("L'avancement est un pourcentage entre 0 et 100."), field="progress")
    reason = " ".join(u.reason.split())
    if u.status == RealisationStatus.abandonne and len(reason) < 10:
        raise Invalid(
            _("Expliquez aux habitant·es pourquoi le projet est abandonné (10 caractères au moins)."),
            field="reason",
        )
    progress = 100 if u.status == RealisationStatus.livre else u.progress
    return Update(u.status, progress, clean_text(u.service, 200), reason[:2000])


def update_realisation(session: Session, actor: ActorRef, realisation: Realisation, u: Update) -> list[str]:
    """Change status, progress or service; journaled. Returns what changed, in plain French."""
    u = validate_update(u)
    changed: list[Param] = []
    if u.status != realisation.status:
        changed.append(
            Phrase(
                N_("Étape : %(before)s → %(after)s."),
                {"before": status_param(realisation.status), "after": status_param(u.status)},
            )
        )
    if u.progress != realisation.progress:
        changed.append(Phrase(N_("Avancement : %(n)s %%."), {"n": u.progress}))
    if u.service != realisation.service:
        changed.append(Phrase(N_("Service responsable : %(service)s."), {"service": u.service or "—"}))
    if u.status == RealisationStatus.abandonne and u.reason != realisation.reason:
        changed.append(Phrase(N_("Raison de l'abandon : %(reason)s"), {"reason": u.reason}))
    changes = [text_of(c) for c in changed]
    if not changes:
        raise Invalid(_("Rien n'a changé : modifiez l'étape, l'avancement ou le service."))
    before = {"status": realisation.status, "progress": realisation.progress}
    realisation.status, realisation.progress, realisation.service = u.status, u.progress, u.service
    realisation.reason = u.reason if u.status == RealisationStatus.abandonne else ""
    item = _touched(session, realisation)
    _journal(
        session,
        actor,
        realisation,
        "status_changed" if before["status"] != u.status else "realisation_updated",
        f"« {item.title} » — " + " ".join(changes),
        {
            "from": before,
            "status": u.status,
            "progress": u.progress,
            "service": u.service,
            "reason": realisation.reason,
        },
    )
    tell_update(session, realisation, item.title, changed, where_it_stands(realisation))
    return changes


def add_milestone(
    session: Session,
    actor: ActorRef,
    realisation: Realisation,
    *,
    happened_on: date | None,
    title: str,
    text: str = "",
    photo: str | None = None,
) -> Milestone:
    """A dated step with an optional photo (already cleaned and stored); journaled."""
    title = clean_text(title, 160)
    if len(title) < 3:
        raise Invalid(
            _("Donnez un titre à cette étape (par exemple : « Début des travaux »)."), field="title"
        )
    if happened_on is None:
        raise Invalid(_("Indiquez la date de cette étape."), field="happened_on")
    if happened_on > date.today().replace(year=date.today().year + 5):
        raise Invalid(_("Cette date est trop lointaine."), field="happened_on")
    milestone = Milestone(
        realisation_id=realisation.id or 0,
        happened_on=happened_on,
        title=title,
        text=(text or "").strip()[:4000],
        photo=photo,
        status=realisation.status,
        progress=realisation.progress,
        recorded_by=actor.id,
    )
    session.add(milestone)
    item = _touched(session, realisation)
    _journal(
        session,
        actor,
        realisation,
        "milestone_added",
        _("« %(project)s » — étape du %(day)s : %(title)s.")
        % {"project": item.title, "day": format_date(happened_on), "title": title},
        {
            "milestone_id": milestone.id,
            "happened_on": happened_on.isoformat(),
            "title": title,
            "photo": bool(photo),
        },
    )
    tell_followers(session, realisation, item.title, milestone, where_it_stands(realisation))
    return milestone


def milestones(session: Session, realisation_ids: list[int]) -> dict[int, list[Milestone]]:
    out: dict[int, list[Milestone]] = {i: [] for i in realisation_ids}
    for m in session.scalars(
        select(Milestone)
        .where(col(Milestone.realisation_id).in_(realisation_ids))
        .order_by(col(Milestone.happened_on).desc(), col(Milestone.id).desc())
    ):
        out[m.realisation_id].append(m)
    return out


# --- subscriptions -------------------------------------------------------------------------------


def is_subscribed(session: Session, realisation: Realisation, user: User | None) -> bool:
    if user is None:
        return False
    return (
        session.scalar(
            select(col(Subscription.id)).where(
                col(Subscription.realisation_id) == realisation.id, col(Subscription.user_id) == user.id
            )
        )
        is not None
    )


def subscribe(session: Session, realisation: Realisation, user: User) -> None:
    """Any signed-in account may follow: the news reach it in the notification centre, and by
    e-mail or SMS as the person chose (a phone-only account gets them by SMS)."""
    if not is_subscribed(session, realisation, user):
        session.add(Subscription(realisation_id=realisation.id or 0, user_id=user.id or 0))
        session.flush()


def unsubscribe(session: Session, realisation: Realisation, user: User) -> None:
    session.execute(
        delete(Subscription).where(
            col(Subscription.realisation_id) == realisation.id, col(Subscription.user_id) == user.id
        )
    )
    session.flush()


def subscriber_count(session: Session, realisation: Realisation) -> int:
    return int(
        session.scalar(select(func.count()).where(col(Subscription.realisation_id) == realisation.id)) or 0
    )
