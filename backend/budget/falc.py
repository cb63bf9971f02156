"""An edition's rules in plain French (FALC: short sentences, plain words), from its settings."""

from __future__ import annotations

from typing import Any

from backend.accounts.levels import Level, level_of
from backend.accounts.models import User
from backend.budget import trust
from backend.budget.models import BallotRule, CountingRule, Edition, EnvelopeScope
from backend.formatting import format_euros, format_number, format_percent
from backend.i18n import gettext as _
from backend.i18n import ngettext


def proposal_rules(edition: Edition) -> list[str]:
    return [
        _("Vous habitez un quartier de ce budget participatif. Vous pouvez proposer une idée."),
        *level_rules("propose", edition.level_to_propose),
        _("Une idée coûte %(cap)s au plus.") % {"cap": format_euros(edition.cost_cap)},
        _("L'argent sert à acheter ou à construire : du matériel, des travaux, des aménagements."),
        _(
            "Les frais pour faire vivre le projet (entretien, salaires) doivent rester petits : moins de %(share)s du coût."
        )
        % {"share": format_percent(edition.operating_share_max, 0)},
        _("La table de quartier relit chaque idée avant de la publier."),
        _("Ensuite, la mairie vérifie si l'idée est possible. Elle explique toujours sa réponse."),
        ngettext(
            "Si %(n)s personne signale une idée, elle est cachée jusqu'à ce que la table de quartier la relise.",
            "Si %(n)s personnes signalent une idée, elle est cachée jusqu'à ce que la table de quartier la relise.",
            edition.report_threshold,
        )
        % {"n": format_number(edition.report_threshold)},
    ]


def vote_rules(edition: Edition) -> list[str]:
    where = (
        _("de votre secteur") if edition.envelope_scope == EnvelopeScope.secteur else _("de votre quartier")
    )
    rules = [
        _("Vous pouvez voter à partir de %(age)d ans. La nationalité ne compte pas.")
        % {"age": edition.min_voting_age},
        _("Vous votez pour les projets %(where)s.") % {"where": where},
    ]
    rules.append(_("Pour voter, vous indiquez votre quartier dans « Mon compte »."))
    rules += level_rules("vote", edition.level_to_vote)
    if edition.ballot_rule == BallotRule.approval:
        if edition.ballot_max and edition.ballot_max != edition.ballot_min:
            rules.append(
                _("Vous choisissez entre %(min)d et %(max)d projets.")
                % {"min": edition.ballot_min, "max": edition.ballot_max}
            )
        elif edition.ballot_max:
            rules.append(
                ngettext(
                    "Vous choisissez %(n)d projet.", "Vous choisissez %(n)d projets.", edition.ballot_max
                )
                % {"n": edition.ballot_max}
            )
        else:
            rules.append(_("Vous choisissez autant de projets que vous voulez."))
    elif edition.ballot_rule == BallotRule.knapsack:
        rules.append(
            _("Vous choisissez des projets. Ensemble, ils ne doivent pas coûter plus que l'enveloppe.")
        )
    else:
        rules.append(_("Vous donnez une mention à chaque projet : Insuffisant, Passable, Bien ou Très bien."))
    rules.append(counting_rule(edition))
    rules.append(_("Une personne vote une seule fois, en ligne ou en personne. Un seul vote compte."))
    if edition.revote_allowed:
        rules.append(_("Vous pouvez changer votre vote jusqu'à la fin du vote."))
    rules.append(_("Les résultats et le détail du comptage sont publics."))
    return [r for r in rules if r]


def levels_summary(edition: Edition, user: User | None) -> dict[str, Any]:
    """Shown on the edition page before anyone starts: what each act asks, and where the person is."""
    acts = [("propose", edition.level_to_propose), ("vote", edition.level_to_vote)]
    lines = [trust.requirement(act, level) for act, level in acts]
    mine = level_of(user) if user is not None else None
    missing = None
    if mine is not None:
        missing = next((m for act, level in acts if (m := trust.missing(act, mine, level))), None)
    return {
        "lines": lines,
        "mine": trust.status_sentence(mine) if mine is not None else "",
        "missing": missing,
    }


def level_rules(act: str, level: int) -> list[str]:
    """What an act asks of a person's account, and how to get it."""
    rules = [trust.requirement(act, level)]
    if level >= Level.residence:
        rules.append(trust.how_to_verify())
    elif level == Level.contact and act == "vote":
        rules.append(
            _("Sans e-mail ni téléphone, vous pouvez voter à un point de vote, avec une pièce d'identité.")
        )
    return rules


def counting_rule(edition: Edition) -> str:
    """How the votes are counted, in one plain sentence (also on the results page)."""
    counting = {
        CountingRule.greedy: _("On compte les voix. Les projets qui ont le plus de voix sont réalisés, tant qu'il reste de l'argent dans l'enveloppe."),
        CountingRule.greedy_no_skip: _("On compte les voix. Les projets sont réalisés dans l'ordre des voix, jusqu'au premier projet trop cher pour l'argent qui reste."),
        CountingRule.greedy_threshold: _("On compte les voix. Un projet doit avoir au moins %(n)s voix. Puis les projets qui ont le plus de voix sont réalisés, tant qu'il reste de l'argent.")
        % {"n": format_number(edition.counting_threshold or 0)},
        CountingRule.equal_shares: _("L'argent est partagé à parts égales entre les votants. Ainsi, chaque groupe d'habitants obtient des projets, selon sa taille."),
        CountingRule.majority_judgment: _("Pour chaque projet, on regarde la mention donnée par la moitié des votants. Les projets avec les meilleures mentions sont réalisés, tant qu'il reste de l'argent."),
    }  # fmt: skip
    return counting.get(CountingRule(edition.counting_rule), "")


def lines(text: str) -> list[str]:
    """A textarea of the administration as a list of sentences."""
    return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]
