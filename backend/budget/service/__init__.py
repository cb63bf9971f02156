"""The rules of the budget participatif; functions take a session and only flush.

* :mod:`.editions`: settings, territory and envelopes, calendar, phase changes.
* :mod:`.proposals`: drafts, submission, in-person filing, reports, lists, ballot projects.
* :mod:`.moderation`: the tables de quartier's decisions.
* :mod:`.instruction`: the agents' eligibility decisions.
"""

from backend.budget.service import editions, instruction, moderation, proposals
from backend.budget.service.proposals import ballot_projects

__all__ = ["ballot_projects", "editions", "instruction", "moderation", "proposals"]

# Voting plugs into the phase guards and the phase changes (count at close) as soon as the
# budget's rules are loaded, whatever the entry point (app, `qp`, scripts, tests).
from backend.budget.voting.wiring import install as _install_voting  # noqa: E402

_install_voting()
