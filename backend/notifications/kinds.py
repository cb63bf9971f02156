"""The kinds of notices and their texts (French message ids, translated for each recipient).

Domains name a kind by its key when they call `notify`; this catalogue only holds words, so the
foundation names no domain's code. `{placeholders}` are filled with the call's params."""

from __future__ import annotations

from dataclasses import dataclass


def N_(message: str) -> str:
    """Marks a message id for extraction; translated later, in each recipient's language."""
    return message


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # on the preferences page
    title: str  # in-app title and e-mail subject
    body: str  # in-app text and e-mail body
    sms: str  # short and plain: 160 characters when possible


KINDS: tuple[Kind, ...] = (
    Kind(
        "proposal_status",
        N_("Ma proposition au budget participatif change d'étape"),
        N_("{status}"),
        N_("{status}. Proposition : « {title} »."),
        N_("Quartiers Participatifs : {status}. « {title} »"),
    ),
    Kind(
        "vote_open",
        N_("Le vote du budget participatif commence"),
        N_("Le vote est ouvert : {edition}"),
        N_("Vous pouvez voter pour les projets de votre quartier. Le vote « {edition} » est ouvert."),
        N_("Quartiers Participatifs : le vote « {edition} » est ouvert. Vous pouvez voter."),
    ),
    Kind(
        "vote_reminder",
        N_("Rappel : le vote finit bientôt"),
        N_("Le vote finit le {end}"),
        N_("Vous n'avez pas encore voté pour « {edition} ». Le vote finit le {end}."),
        N_("Quartiers Participatifs : le vote « {edition} » finit le {end}. Vous n'avez pas encore voté."),
    ),
    Kind(
        "fph_decision",
        N_("Ma demande au fonds de participation des habitants"),
        N_("Votre demande « {title} » : {outcome}"),
        N_("Le comité a décidé pour votre demande « {title} » : {outcome}. Raison : {reason}"),
        N_("Quartiers Participatifs : votre demande « {title} » : {outcome}."),
    ),
    Kind(
        "fph_invitation",
        N_("Invitation au comité du fonds de participation des habitants"),
        N_("Invitation au comité du {date}"),
        N_(
            "Votre demande « {title} » passe au comité du {when}, {place}.\n"
            "Venez présenter votre projet en quelques minutes. Si vous ne pouvez pas venir, prévenez "
            "l'association gestionnaire."
        ),
        N_("Quartiers Participatifs : votre demande « {title} » passe au comité du {when}, {place}."),
    ),
    Kind(
        "fph_payment",
        N_("L'argent versé pour mon projet du fonds de participation des habitants"),
        N_("Versement de {amount} pour votre projet"),
        N_("L'association gestionnaire a versé {amount} pour « {title} » (référence : {ref})."),
        N_("Quartiers Participatifs : l'association gestionnaire a versé {amount} pour « {title} »."),
    ),
    Kind(
        "fph_bilan",
        N_("Le bilan de mon projet du fonds de participation des habitants"),
        N_("{outcome}"),
        N_("{outcome}. Projet : « {title} »."),
        N_("Quartiers Participatifs : {outcome}. Projet : « {title} »."),
    ),
    Kind(
        "milestone",
        N_("Un projet que je suis avance"),
        N_("« {project} » : {step}"),
        N_("Le projet « {project} » avance. Étape du {day} : {step}."),
        N_("Quartiers Participatifs : « {project} » avance. Étape du {day} : {step}."),
    ),
    Kind(
        "project_update",
        N_("Un projet que je suis change d'étape ou d'avancement"),
        N_("Du nouveau pour le projet « {project} »"),
        N_("Le projet « {project} » avance :"),
        N_("Quartiers Participatifs : du nouveau pour le projet « {project} »."),
    ),
    Kind(
        "convocation",
        N_("Les séances de l'assemblée citoyenne"),
        N_("Séance de l'assemblée : {title}"),
        N_("Nous vous invitons à la séance « {title} », le {when}, {place}."),
        N_("Quartiers Participatifs : séance de l'assemblée le {when}, {place}."),
    ),
)
BY_KEY: dict[str, Kind] = {k.key: k for k in KINDS}
