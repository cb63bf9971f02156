"""The trust level an edition asks for each act, in plain French, as pure functions.

One rule for every channel: an act needs ``level_of(person) >= edition.level_to_<act>``
(backend.accounts.levels), on top of the residence-in-territory rule. What is missing is said
with the page where the person can get it.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.levels import Level
from backend.i18n import gettext as _

CONFIRM_URL = "/compte/confirmer"
RESIDENCE_URL = "/compte#residence"

ACTS = ("propose", "support", "vote")


def level_name(level: int) -> str:
    """Short plain name of a level (administration form, summaries)."""
    names = {
        Level.account: _("Avoir un compte"),
        Level.contact: _("Avoir confirmé son e-mail ou son téléphone"),
        Level.residence: _("Avoir une adresse vérifiée"),
    }
    return names[Level(level)]


def is_level(value: object) -> bool:
    return isinstance(value, int) and value in {int(level) for level in Level}


def requirement(act: str, level: int) -> str:
    """What an edition asks before a person starts, as one plain sentence."""
    sentences = {
        ("propose", Level.account): _("Pour proposer une idée, il suffit d'avoir un compte."),
        ("propose", Level.contact): _(
            "Pour proposer une idée, il faut avoir confirmé son e-mail ou son numéro de téléphone."
        ),
        ("propose", Level.residence): _("Pour proposer une idée, il faut que votre adresse soit vérifiée."),
        ("support", Level.account): _("Pour soutenir une idée, il suffit d'avoir un compte."),
        ("support", Level.contact): _(
            "Pour soutenir une idée, il faut avoir confirmé son e-mail ou son numéro de téléphone."
        ),
        ("support", Level.residence): _("Pour soutenir une idée, il faut que votre adresse soit vérifiée."),
        ("vote", Level.account): _("Pour voter, il suffit d'avoir un compte."),
        ("vote", Level.contact): _(
            "Pour voter, il faut avoir confirmé son e-mail ou son numéro de téléphone."
        ),
        ("vote", Level.residence): _("Pour voter, il faut que votre adresse soit vérifiée."),
    }
    return sentences[(act, Level(level))]


def status_sentence(level: int) -> str:
    """Where a person's account stands, in plain French."""
    sentences = {
        Level.account: _("Vous avez un compte. Votre e-mail ou votre téléphone n'est pas encore confirmé."),
        Level.contact: _(
            "Votre e-mail ou votre téléphone est confirmé. Votre adresse n'est pas encore vérifiée."
        ),
        Level.residence: _("Votre adresse est vérifiée."),
    }
    return sentences[Level(level)]


def how_to_verify() -> str:
    return _(
        "Pour faire vérifier votre adresse : allez à un point de vote ou à votre table de quartier avec "
        "un justificatif de domicile, ou demandez un code par courrier."
    )


@dataclass(frozen=True, slots=True)
class Missing:
    """What a person lacks for an act, and where to get it."""

    code: str  # need_contact, need_residence
    message: str
    link: str
    link_label: str


def missing(act: str, reached: int, needed: int) -> Missing | None:
    """None when ``reached`` is enough for ``act``, else what is missing in plain French."""
    if reached >= needed:
        return None
    if needed >= Level.residence:
        messages = {
            "propose": _(
                "Pour proposer une idée dans ce budget participatif, votre adresse doit être vérifiée."
            ),
            "support": _(
                "Pour soutenir une idée dans ce budget participatif, votre adresse doit être vérifiée."
            ),
            "vote": _("Pour ce vote, votre adresse doit être vérifiée."),
        }
        return Missing(
            "need_residence",
            f"{messages[act]} {how_to_verify()}",
            RESIDENCE_URL,
            _("Faire vérifier mon adresse"),
        )
    messages = {
        "propose": _(
            "Pour proposer une idée, confirmez d'abord votre e-mail ou votre numéro de téléphone. "
            "Vous recevez un lien ou un code : c'est rapide."
        ),
        "support": _(
            "Pour soutenir une idée, confirmez d'abord votre e-mail ou votre numéro de téléphone. "
            "Vous recevez un lien ou un code : c'est rapide."
        ),
        "vote": _(
            "Pour voter, confirmez d'abord votre e-mail ou votre numéro de téléphone. "
            "Vous recevez un lien ou un code : c'est rapide. Sans e-mail ni téléphone, votez à un point de vote."
        ),
    }
    return Missing("need_contact", messages[act], CONFIRM_URL, _("Confirmer mon e-mail ou mon téléphone"))
