"""Budget participatif: editions, phases, proposals, moderation, eligibility instruction.

The voting issue builds ballots on top of :class:`~backend.budget.models.Edition` (ballot and
counting rules), :class:`~backend.budget.models.Envelope` (one per QPV or secteur) and the
eligible proposals returned by :func:`backend.budget.service.ballot_projects`.
"""
