"""Who may act at a voting point, and the tablet's pass: the one dependency of the voting point's
routes (:mod:`.bureau_views`, :mod:`.emargement_views`, :mod:`.isoloir_views`,
:mod:`.depouillement_views`). It loads the edition (404), checks the person's role over the
edition's QPV (403), and reads the pass that the émargement left in the tablet's session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from backend.accounts.deps import CurrentPrincipal
from backend.accounts.permissions import Principal, enforce
from backend.budget import phases
from backend.budget.models import Edition
from backend.budget.permissions import EditionDep, acting_role, staff_policy, staff_qpvs
from backend.budget.phases import Act
from backend.budget.service import editions
from backend.budget.voting import isoloir
from backend.deps import DbSession
from backend.territory.models import QpvRef

POINT_KEY = "bp_voting_point"
GRANT_KEY = "bp_isoloir_grant"
RECEIPT_KEY = "bp_isoloir_receipt"


def point_base(edition: Edition) -> str:
    return f"/budget-participatif/{edition.slug}/bureau"


def covered_qpvs(session: DbSession, principal: Principal, edition: Edition) -> list[QpvRef]:
    """The edition's QPV where this person may record paper ballots (403 otherwise)."""
    refs = editions.edition_qpvs(session, edition)
    enforce(staff_policy(principal, edition, Act.record_paper_ballot, refs))
    roles = tuple(phases.spec(edition.phase).roles_for(Act.record_paper_ballot))
    return staff_qpvs(principal, edition, roles, refs)


def pending(request: Request, edition: Edition) -> isoloir.Pass | None:
    """The tablet's pass, if a person signed in here has not voted yet."""
    data = request.session.get(GRANT_KEY)
    if not isinstance(data, dict) or data.get("slug") != edition.slug:
        return None
    return isoloir.Pass(str(data["token"]), int(data["envelope"]), str(data["point"]))


@dataclass(frozen=True)
class VotingPoint:
    """The voting point as its agent acts on it: the edition, the QPV in their charge, and the
    tablet's waiting pass (None when nobody signed in is waiting to vote)."""

    edition: Edition
    principal: Principal
    covered: list[QpvRef]
    grant: isoloir.Pass | None

    @property
    def base(self) -> str:
        return point_base(self.edition)

    def ref(self, code: str) -> QpvRef | None:
        """The QPV in their charge with this code."""
        return next((r for r in self.covered if r.code == code), None)

    def role(self, ref: QpvRef | None = None) -> str | None:
        """The role in which they record paper ballots for this QPV (by default the first in
        their charge); None when they have none there."""
        where = ref or (self.covered[0] if self.covered else None)
        return acting_role(self.principal, self.edition, Act.record_paper_ballot, where)


def voting_point(
    request: Request, session: DbSession, principal: CurrentPrincipal, edition: EditionDep
) -> VotingPoint:
    return VotingPoint(
        edition, principal, covered_qpvs(session, principal, edition), pending(request, edition)
    )


PointDep = Annotated[VotingPoint, Depends(voting_point)]
