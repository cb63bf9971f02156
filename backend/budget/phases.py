"""The phase machine of an edition, declared as data: what each role may do in each phase,
which phase changes are possible and what they need. Pure: no database, no request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from backend.accounts.models import Role
from backend.budget.models import PhaseKey
from backend.i18n import N_
from backend.i18n import gettext as _
from backend.processes import Phase


class Act(StrEnum):
    """Things people do in a budget participatif; each phase says who may do which."""

    configure = "configure"  # change the edition's settings
    submit = "submit"  # write, save and send one's own proposal
    revise = "revise"  # change one's proposal after a request for changes
    file_for = "file_for"  # file a proposal for a resident met in person
    report = "report"  # report a public proposal (abusive, duplicate, off-topic)
    moderate = "moderate"  # publish, ask for changes, reject, merge, review reports
    instruct = "instruct"  # answer the eligibility checklist and decide
    vote = "vote"  # used by the voting module
    record_paper_ballot = "record_paper_ballot"  # used by the voting module
    follow_up = "follow_up"  # follow the realisation of winning projects


RESIDENT = Role.resident
MODERATOR = Role.moderator
AGENT = Role.agent
ADMIN = Role.admin


@dataclass(frozen=True)
class PhaseSpec:
    key: PhaseKey
    label: str
    falc: str  # one short sentence for residents
    public: bool = True
    allowed: Mapping[Act, tuple[str, ...]] = field(default_factory=dict)

    def roles_for(self, act: Act) -> tuple[str, ...]:
        return self.allowed.get(act, ())


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        PhaseKey.preparation,
        N_("Préparation"),
        N_("L'équipe prépare le budget participatif."),
        public=False,
        allowed={Act.configure: (ADMIN,)},
    ),
    PhaseSpec(
        PhaseKey.depot,
        N_("Dépôt des idées"),
        N_("Vous proposez vos idées pour le quartier."),
        allowed={
            Act.configure: (ADMIN,),
            Act.submit: (RESIDENT,),
            Act.revise: (RESIDENT,),
            Act.file_for: (MODERATOR, AGENT),
            Act.report: (RESIDENT,),
            Act.moderate: (MODERATOR, ADMIN),
        },
    ),
    PhaseSpec(
        PhaseKey.instruction,
        N_("Étude des idées"),
        N_("La mairie vérifie si chaque idée est possible et combien elle coûte."),
        allowed={
            Act.configure: (ADMIN,),
            Act.revise: (RESIDENT,),
            Act.report: (RESIDENT,),
            Act.moderate: (MODERATOR, ADMIN),
            Act.instruct: (AGENT, ADMIN),
        },
    ),
    PhaseSpec(
        PhaseKey.vote,
        N_("Vote"),
        N_("Vous votez pour les projets de votre secteur ou de votre quartier."),
        allowed={
            Act.vote: (RESIDENT,),
            Act.record_paper_ballot: (AGENT, MODERATOR),
            Act.report: (RESIDENT,),
            Act.moderate: (MODERATOR, ADMIN),
        },
    ),
    PhaseSpec(
        PhaseKey.resultats,
        N_("Résultats"),
        N_("Les résultats du vote sont publiés, avec le détail du comptage."),
    ),
    PhaseSpec(
        PhaseKey.realisation,
        N_("Réalisation"),
        N_("La mairie réalise les projets gagnants. Vous suivez l'avancement."),
        allowed={Act.follow_up: (AGENT, ADMIN)},
    ),
)
BY_KEY: dict[str, PhaseSpec] = {p.key: p for p in PHASES}
ORDER: list[str] = [p.key for p in PHASES]


def spec(phase: str) -> PhaseSpec:
    return BY_KEY[phase]


def label(phase: str) -> str:
    return _(BY_KEY[phase].label) if phase in BY_KEY else phase


def allows(phase: str, act: Act, role: str) -> bool:
    return role in spec(phase).roles_for(act)


def registry_phases() -> tuple[Phase, ...]:
    """The phases as the process registry lists them."""
    return tuple(Phase(p.key, p.label) for p in PHASES)


# --- phase changes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionFacts:
    """What the guards need to know about an edition, gathered by the service."""

    envelopes: int
    themes: int
    criteria: int
    envelopes_without_projects: tuple[str, ...] = ()
    awaiting_instruction: int = 0
    ballots: int = 0


def _guard_depot(facts: EditionFacts) -> list[str]:
    problems = []
    if facts.envelopes == 0:
        problems.append(_("Ajoutez au moins une enveloppe avant d'ouvrir le dépôt des idées."))
    if facts.themes == 0:
        problems.append(_("Ajoutez au moins un thème avant d'ouvrir le dépôt des idées."))
    if facts.criteria == 0:
        problems.append(_("Ajoutez au moins un critère de recevabilité avant d'ouvrir le dépôt des idées."))
    return problems


def _guard_vote(facts: EditionFacts) -> list[str]:
    problems = []
    if facts.envelopes_without_projects:
        problems.append(
            _("Le vote ne peut pas ouvrir : aucun projet recevable dans %(names)s.")
            % {"names": ", ".join(facts.envelopes_without_projects)}
        )
    if facts.awaiting_instruction:
        problems.append(
            _(
                "Le vote ne peut pas ouvrir : %(n)d proposition(s) publiée(s) attendent encore l'étude de recevabilité."
            )
            % {"n": facts.awaiting_instruction}
        )
    return problems


# What entering a phase needs (going forward).
ENTRY_GUARDS = {PhaseKey.depot: _guard_depot, PhaseKey.vote: _guard_vote}


def transition_problems(current: str, target: str, facts: EditionFacts) -> list[str]:
    """Why this phase change is refused (empty: allowed). Forward one phase at a time;
    backward only while no ballot exists."""
    if target not in BY_KEY:
        return [_("Cette phase n'existe pas.")]
    if target == current:
        return [_("L'édition est déjà dans cette phase.")]
    here, there = ORDER.index(current), ORDER.index(target)
    if there < here:
        if facts.ballots > 0:
            return [
                _("Des votes sont déjà enregistrés : l'édition ne peut plus revenir à une phase précédente.")
            ]
        return []
    if there > here + 1:
        return [
            _("Les phases se suivent dans l'ordre : passez d'abord par « %(phase)s ».")
            % {"phase": label(ORDER[here + 1])}
        ]
    guard = ENTRY_GUARDS.get(PhaseKey(target))
    return guard(facts) if guard else []


def next_phase(current: str) -> str | None:
    index = ORDER.index(current)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def previous_phase(current: str) -> str | None:
    index = ORDER.index(current)
    return ORDER[index - 1] if index > 0 else None


def permission_table() -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """(phase label, [(act, roles)]) for documentation screens and the report."""
    return [(p.label, [(a.value, list(roles)) for a, roles in p.allowed.items()]) for p in PHASES]
