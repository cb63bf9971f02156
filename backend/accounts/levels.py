"""Trust levels: how sure the platform is that an account is one real person of the quartier.

Levels are ordered (CONSUL's verification levels, Decidim's authorizations): each edition says which one
it needs to propose, to support and to vote. A residence verified in person (identity and proof of
address seen) is the strongest: it also stands for a confirmed contact, since people with no e-mail and
no phone can reach it at a voting point.
"""

from __future__ import annotations

from enum import IntEnum

from backend.accounts.models import ResidenceStatus, User
from backend.i18n import gettext as _


class Level(IntEnum):
    account = 1
    contact = 2  # e-mail link or SMS code confirmed
    residence = 3  # residence verified (in person, table de quartier, postal code)


def contact_confirmed(user: User) -> bool:
    return user.email_confirmed_at is not None or user.phone_confirmed_at is not None


def level_of(user: User) -> Level:
    """The highest level this person has reached."""
    return level_from(user.residence_status, contact_confirmed(user))


def level_from(residence_status: str, contact_is_confirmed: bool) -> Level:
    """The level from plain facts (the ballot paths read them in one statement, without a User)."""
    if residence_status == ResidenceStatus.verified:
        return Level.residence
    if contact_is_confirmed:
        return Level.contact
    return Level.account


def meets(user: User, needed: Level | int) -> bool:
    return level_of(user) >= needed


def level_label(level: Level | int) -> str:
    """Plain French for what a level asks of a resident (shown before they start)."""
    labels = {
        Level.account: _("Il suffit d'avoir un compte."),
        Level.contact: _("Il faut avoir confirmé son e-mail ou son numéro de téléphone."),
        Level.residence: _(
            "Il faut que votre adresse soit vérifiée : à un point de vote, par votre table de quartier, "
            "ou avec le code reçu par courrier."
        ),
    }
    return labels[Level(level)]
