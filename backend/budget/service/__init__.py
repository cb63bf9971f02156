"""The rules of the budget participatif; functions take a session and only flush.

* :mod:`.editions`: settings, territory and envelopes, calendar, phase changes.
* :mod:`.proposals`: drafts, submission, in-person filing, reports (the lists and ballot projects
  in :mod:`.proposal_lists`, also named there).
* :mod:`.moderation`: the tables de quartier's decisions.
* :mod:`.instruction`: the agents' eligibility decisions.
"""

from backend.budget.service import editions, instruction, moderation, proposals
from backend.budget.service.proposal_lists import ballot_projects

__all__ = ["ballot_projects", "editions", "instruction", "moderation", "proposals"]
