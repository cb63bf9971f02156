"""Who may vote in an edition, as pure functions: territory, residence, trust level, age, envelope.

Age is counted in years reached during the year of the vote (the platform knows only the year
of birth): with a minimum of 16, a person born in 2010 votes in 2026.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from backend.accounts.levels import level_from
from backend.accounts.models import ResidenceStatus
from backend.budget import trust
from backend.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class VoterFacts:
    """What eligibility needs to know about a person (read fresh when the ballot is cast)."""

    birth_year: int | None
    qpv_id: int | None
    residence_status: str  # none, declared and declared_in_area count the same: not verified
    contact_confirmed: bool = False  # e-mail or phone confirmed


def voter_facts(
    birth_year: int | None,
    qpv_id: int | None,
    residence_status: str,
    email_confirmed_at: datetime | None,
    phone_confirmed_at: datetime | None,
) -> VoterFacts:
    """The facts from the user's columns, as every online path reads them (one rule for the contact)."""
    contact = email_confirmed_at is not None or phone_confirmed_at is not None
    return VoterFacts(birth_year, qpv_id, residence_status, contact)


@dataclass(frozen=True, slots=True)
class Refusal:
    # no_residence, other_territory, need_contact, need_residence, no_birth_year, too_young, no_envelope
    code: str
    message: str
    link: str = ""  # where the person can get what is missing
    link_label: str = ""


def check_voter(
    facts: VoterFacts,
    *,
    min_age: int,
    level: int,
    envelope_by_qpv: Mapping[int, int],
    year: int,
    staff: bool = False,
) -> tuple[int | None, Refusal | None]:
    """(envelope id, None) when this person may vote, else (None, why). ``staff`` words the
    reason for the agent at a voting point (« Cette personne… ») instead of the voter. At a voting
    point the identity is seen in person: that stands for a confirmed contact, not for a residence."""
    if facts.qpv_id is None or facts.residence_status == ResidenceStatus.none:
        return None, Refusal(
            "no_residence",
            _("Cette personne n'a pas indiqué son quartier : vérifiez son adresse pour l'enregistrer.")
            if staff
            else _("Pour voter, indiquez d'abord votre quartier dans « Mon compte »."),
        )
    if facts.qpv_id not in envelope_by_qpv:
        return None, Refusal(
            "other_territory",
            _("Cette personne habite un quartier qui ne fait pas partie de ce budget participatif.")
            if staff
            else _(
                "Ce budget participatif concerne d'autres quartiers que le vôtre : vous ne pouvez pas y voter."
            ),
        )
    reached = level_from(facts.residence_status, facts.contact_confirmed or staff)
    if staff and reached < level:
        return None, Refusal(
            "need_residence",
            _("Pour ce vote, la résidence doit être vérifiée : demandez un justificatif de domicile."),
        )
    if (missing := trust.missing("vote", reached, level)) is not None:
        return None, Refusal(missing.code, missing.message, missing.link, missing.link_label)
    if facts.birth_year is None:
        return None, Refusal(
            "no_birth_year",
            (
                _(
                    "Indiquez l'année de naissance de cette personne : il faut avoir au moins %(age)d ans pour voter."
                )
                if staff
                else _(
                    "Indiquez votre année de naissance dans « Mon compte » : il faut avoir au moins %(age)d ans pour voter."
                )
            )
            % {"age": min_age},
        )
    if year - facts.birth_year < min_age:
        return None, Refusal(
            "too_young",
            (
                _(
                    "Il faut avoir au moins %(age)d ans dans l'année pour voter : cette personne est trop jeune."
                )
                if staff
                else _(
                    "Il faut avoir au moins %(age)d ans dans l'année pour voter. Vous pourrez voter à une prochaine édition !"
                )
            )
            % {"age": min_age},
        )
    return envelope_by_qpv[facts.qpv_id], None
