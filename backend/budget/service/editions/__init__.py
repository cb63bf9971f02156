"""Editions: settings, territory and envelopes, calendar, phase changes.

One module per workflow (`settings`, `envelopes`, `phase_changes`) and the lookups they share
(`common`). The names below are the package's API, so that callers write `editions.change_phase(...)`
whichever module holds the rule."""

from backend.budget.service.editions.common import (
    PROCESS,
    calendar,
    get_edition,
    list_editions,
    participation_pending,
    public_edition,
    require_configurable,
    status_counts,
)
from backend.budget.service.editions.envelopes import (
    edition_qpvs,
    envelope_code,
    envelope_for,
    envelope_targets,
    envelopes,
    qpv_in_edition,
    set_envelope_amounts,
)
from backend.budget.service.editions.phase_changes import change_phase, edition_facts, phase_problems
from backend.budget.service.editions.settings import (
    EditionSettings,
    create_edition,
    update_edition,
    validate_settings,
)
from backend.db import utcnow  # the clock the phase changes read; tests date their data with it

__all__ = [
    "PROCESS",
    "EditionSettings",
    "calendar",
    "change_phase",
    "create_edition",
    "edition_facts",
    "edition_qpvs",
    "envelope_code",
    "envelope_for",
    "envelope_targets",
    "envelopes",
    "get_edition",
    "list_editions",
    "participation_pending",
    "phase_problems",
    "public_edition",
    "qpv_in_edition",
    "require_configurable",
    "set_envelope_amounts",
    "status_counts",
    "update_edition",
    "utcnow",
    "validate_settings",
]
