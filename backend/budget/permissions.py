"""Who may do what in a budget participatif, in one place.

Policies return None when allowed or a Refusal saying why; they read the phase table
(`phases.PHASES`) and the actor's grants (`Principal.covers`). The dependencies load the
edition or the proposal, answer 404 when it does not exist (or is not visible to this
person), then 403 when the policy refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.levels import level_of
from backend.accounts.models import ResidenceStatus, Role
from backend.accounts.permissions import NEED_LOGIN, Principal, Refusal, enforce
from backend.budget import phases, trust
from backend.budget.models import (
    EDITABLE_STATUSES,
    PUBLIC_STATUSES,
    Edition,
    PhaseKey,
    Proposal,
    ProposalStatus,
)
from backend.budget.phases import Act
from backend.budget.service import editions
from backend.deps import DbSession
from backend.errors import NotFound
from backend.i18n import gettext as _
from backend.ledger.service import ActorRef
from backend.territory.models import QpvRef
from backend.territory.service import qpv_ref

STAFF_ROLES = (Role.moderator, Role.agent, Role.admin)

ACT_REFUSALS = {
    Act.moderate: "Vous ne pouvez modérer que les propositions des quartiers dont vous avez la charge.",
    Act.instruct: "Vous ne pouvez étudier que les propositions des quartiers dont vous avez la charge.",
    Act.file_for: "Vous ne pouvez déposer pour un·e habitant·e que dans les quartiers dont vous avez la charge.",
    Act.configure: "Cette action est réservée aux administrateur·rices.",
}


def phase_refusal(edition: Edition, act: Act) -> Refusal | None:
    if phases.spec(edition.phase).roles_for(act):
        return None
    return Refusal(
        _("Ce n'est pas possible pendant la phase « %(phase)s » de ce budget participatif.")
        % {"phase": phases.label(edition.phase)}
    )


def acting_role(principal: Principal, edition: Edition, act: Act, qpv: QpvRef | None) -> str | None:
    """The staff role (from the phase table) in which this person may act on this QPV."""
    roles = [r for r in phases.spec(edition.phase).roles_for(act) if r != Role.resident]
    if qpv is None:
        return Role.admin if Role.admin in roles and principal.is_admin else None
    return principal.covers_any(roles, qpv)


def staff_qpvs(
    principal: Principal, edition: Edition, roles: tuple[str, ...], refs: list[QpvRef]
) -> list[QpvRef]:
    """The edition's QPV this person covers in one of these roles."""
    return [r for r in refs if principal.covers_any(roles, r)]


# --- edition-level policies -------------------------------------------------------------------


@dataclass(frozen=True)
class HelpedRefusal(Refusal):
    """A refusal that says where the person can get what is missing."""

    link: str = ""
    link_label: str = ""


def submit_policy(principal: Principal, edition: Edition, edition_qpvs: list[QpvRef]) -> Refusal | None:
    """A resident of the edition's territory (declared or verified) with the level the edition asks."""
    if principal.user is None:
        return NEED_LOGIN
    if refusal := phase_refusal(edition, Act.submit):
        return refusal
    user = principal.user
    if user.qpv_id is None or user.residence_status == ResidenceStatus.none:
        return HelpedRefusal(
            _("Pour proposer une idée, indiquez d'abord votre quartier dans « Mon compte »."),
            link=trust.RESIDENCE_URL,
            link_label=_("Indiquer mon quartier"),
        )
    if user.qpv_id not in {r.id for r in edition_qpvs}:
        return Refusal(_("Ce budget participatif concerne d'autres quartiers que le vôtre."))
    if (missing := trust.missing("propose", level_of(user), edition.level_to_propose)) is not None:
        return HelpedRefusal(missing.message, link=missing.link, link_label=missing.link_label)
    return None


def staff_policy(
    principal: Principal, edition: Edition, act: Act, edition_qpvs: list[QpvRef]
) -> Refusal | None:
    """Has a role the phase allows for this act, on at least one QPV of the edition."""
    if principal.user is None:
        return NEED_LOGIN
    if refusal := phase_refusal(edition, act):
        return refusal
    roles = tuple(r for r in phases.spec(edition.phase).roles_for(act) if r != Role.resident)
    if not staff_qpvs(principal, edition, roles, edition_qpvs):
        return Refusal(_(ACT_REFUSALS.get(act, "Cette action est réservée aux personnes qui ont ce rôle.")))
    return None


def configure_policy(principal: Principal) -> Refusal | None:
    if principal.user is None:
        return NEED_LOGIN
    if not principal.is_admin:
        return Refusal(_(ACT_REFUSALS[Act.configure]))
    return None


# --- proposal-level policies ------------------------------------------------------------------


def is_author(principal: Principal, proposal: Proposal) -> bool:
    return principal.user is not None and proposal.author_id == principal.user.id


def can_view(principal: Principal, proposal: Proposal, qpv: QpvRef | None) -> bool:
    """Public statuses for everyone; the rest for the author and the staff covering the QPV."""
    if proposal.status in PUBLIC_STATUSES:
        return True
    if is_author(principal, proposal):
        return True
    if proposal.status == ProposalStatus.draft:
        return False
    if qpv is None:
        return principal.is_admin
    return principal.covers_any(STAFF_ROLES, qpv) is not None


def can_see_hidden(principal: Principal, proposal: Proposal, qpv: QpvRef | None) -> bool:
    """Who still reads a proposal hidden by reports: its author and the staff of its QPV."""
    if is_author(principal, proposal):
        return True
    if qpv is None:
        return principal.is_admin
    return principal.covers_any(STAFF_ROLES, qpv) is not None


def report_policy(principal: Principal, edition: Edition, proposal: Proposal) -> Refusal | None:
    """Who may report a proposal: a signed-in person other than its author, while it is public and
    shown, in a phase that takes reports. The page shows the form, and the route accepts it, by this."""
    if principal.user is None:
        return NEED_LOGIN
    if is_author(principal, proposal):
        return Refusal(_("Vous ne pouvez pas signaler votre propre proposition."))
    if proposal.status not in PUBLIC_STATUSES or proposal.is_hidden:
        return Refusal(_("Cette proposition ne peut pas être signalée."))
    return phase_refusal(edition, Act.report)


def proposal_policy(
    principal: Principal, act: Act, edition: Edition, proposal: Proposal, qpv: QpvRef | None
) -> Refusal | None:
    if principal.user is None:
        return NEED_LOGIN
    if act in (Act.submit, Act.revise):
        if not is_author(principal, proposal):
            return Refusal(_("Seule la personne qui a écrit cette proposition peut la modifier."))
        if proposal.status not in EDITABLE_STATUSES:
            return Refusal(_("Cette proposition a été envoyée : elle ne peut plus être modifiée."))
        needed = Act.submit if proposal.status == ProposalStatus.draft else Act.revise
        if needed == Act.submit and phase_refusal(edition, needed):
            return Refusal(
                _(
                    "Le dépôt des idées est terminé : ce brouillon ne peut plus être envoyé. "
                    "Vous pouvez encore le lire dans « Mes propositions »."
                )
            )
        return phase_refusal(edition, needed)
    if act == Act.report:
        return report_policy(principal, edition, proposal)
    if refusal := phase_refusal(edition, act):
        return refusal
    if acting_role(principal, edition, act, qpv) is None:
        return Refusal(_(ACT_REFUSALS.get(act, "Cette action est réservée aux personnes qui ont ce rôle.")))
    return None


# --- dependencies --------------------------------------------------------------------------------


def load_edition(slug: str, session: DbSession, principal: CurrentPrincipal) -> Edition:
    """The edition; one still in preparation exists only for administrators."""
    edition = editions.get_edition(session, slug)
    if edition.phase == PhaseKey.preparation and not principal.is_admin:
        raise NotFound(_("Ce budget participatif n'existe pas."))
    return edition


EditionDep = Annotated[Edition, Depends(load_edition)]


@dataclass(frozen=True)
class ProposalAccess:
    """A proposal that this person may act on, with the role they act in."""

    proposal: Proposal
    edition: Edition
    qpv: QpvRef | None
    role: str
    principal: Principal

    @property
    def actor(self) -> ActorRef:
        return self.principal.actor(self.role)


def load_proposal(
    edition: Edition, proposal_id: int, session: DbSession, principal: Principal
) -> tuple[Proposal, QpvRef | None]:
    proposal = session.get(Proposal, proposal_id)
    qpv = qpv_ref(session, proposal.qpv_id) if proposal and proposal.qpv_id else None
    if proposal is None or proposal.edition_id != edition.id or not can_view(principal, proposal, qpv):
        raise NotFound(_("Cette proposition n'existe pas."))
    return proposal, qpv


def proposal_access(act: Act) -> Callable[..., ProposalAccess]:
    """A dependency: load the proposal of the URL (404), then check `act` is allowed (403)."""

    def dependency(
        edition: EditionDep, proposal_id: int, session: DbSession, principal: CurrentPrincipal
    ) -> ProposalAccess:
        proposal, qpv = load_proposal(edition, proposal_id, session, principal)
        if proposal.is_hidden and not can_see_hidden(principal, proposal, qpv):
            raise NotFound(_("Cette proposition n'existe pas."))
        enforce(proposal_policy(principal, act, edition, proposal, qpv))
        role = (
            acting_role(principal, edition, act, qpv)
            if act not in (Act.submit, Act.revise, Act.report)
            else None
        )
        return ProposalAccess(proposal, edition, qpv, role or Role.resident, principal)

    return dependency


Moderated = Annotated[ProposalAccess, Depends(proposal_access(Act.moderate))]
Instructed = Annotated[ProposalAccess, Depends(proposal_access(Act.instruct))]
Authored = Annotated[ProposalAccess, Depends(proposal_access(Act.submit))]
Reported = Annotated[ProposalAccess, Depends(proposal_access(Act.report))]
