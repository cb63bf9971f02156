"""Committee rules as pure functions: who may vote on an application, quorum, and which outcomes
the votes allow. A tie or a majority against means the grant is not adopted."""

from __future__ import annotations

from dataclasses import dataclass

from backend.i18n import gettext as _


@dataclass(frozen=True)
class Tally:
    pour: int
    contre: int
    abstention: int
    quorum: int

    @property
    def voters(self) -> int:
        return self.pour + self.contre + self.abstention

    @property
    def has_quorum(self) -> bool:
        return self.voters >= self.quorum

    @property
    def adopted(self) -> bool:
        return self.pour > self.contre


def tally(choices: list[str], quorum: int) -> Tally:
    """Count the votes of the members allowed to vote (conflicted members are filtered before)."""
    return Tally(
        pour=choices.count("pour"),
        contre=choices.count("contre"),
        abstention=choices.count("abstention"),
        quorum=quorum,
    )


def may_vote(*, is_voting_member: bool, has_committee_role: bool, conflicted: bool) -> str | None:
    """None when the member may vote on this application, else why not (French)."""
    if not is_voting_member:
        return _("Seuls les membres habitant·es du comité votent. Les membres institutionnels ne votent pas.")
    if not has_committee_role:
        return _("Vous ne faites pas partie du comité de ce quartier.")
    if conflicted:
        return _("Vous êtes lié·e à ce dossier : vous ne votez pas sur cette demande.")
    return None


def outcome_refusal(outcome: str, t: Tally) -> str | None:
    """None when the votes allow this outcome, else the reason (French).

    Postponing never needs a vote: without quorum, postponing is the only possible outcome."""
    if outcome == "postponed":
        return None
    if not t.has_quorum:
        return _(
            "Le quorum n'est pas atteint : {voters} membre(s) ont voté, il en faut au moins {quorum}. "
            "Vous pouvez seulement reporter la demande."
        ).format(voters=t.voters, quorum=t.quorum)
    if outcome == "granted" and not t.adopted:
        return _(
            "La majorité n'a pas voté pour ({pour} pour, {contre} contre) : l'aide ne peut pas être accordée."
        ).format(pour=t.pour, contre=t.contre)
    if outcome == "refused" and t.adopted:
        return _(
            "La majorité a voté pour ({pour} pour, {contre} contre) : la demande ne peut pas être refusée."
        ).format(pour=t.pour, contre=t.contre)
    return None
