"""Voting in the budget participatif: online and in person, secret ballots, counting and results.

* :mod:`.models`: who voted (``bp_voter``) apart from what was chosen (``bp_ballot``), results
  and published files.
* :mod:`.urn`: where every ballot is stored, under a random key; mixed at the close of a voting
  point and of the vote (``docs/secret-ballot.md`` says what links and what does not).
* :mod:`.isoloir`: the voting point — émargement apart from the urn, the tablet's single-use pass.
* :mod:`.secrecy`: the slot key of the revote exception (HMAC), receipt codes and fingerprints.
* :mod:`.eligibility`: who may vote (age, residence, territory, envelope), as pure functions.
* :mod:`.context`: what a ballot needs to know about an edition, cached per app for a few seconds.
* :mod:`.box`: the box's fresh read under the edition's lock, and its rules (shared with :mod:`.fastpath`).
* :mod:`.service`: casting a ballot (online or on paper), one per person by construction.
* :mod:`.turnout`: who voted, read back (never what they chose), counts per voting point.
* :mod:`.journal`: the journal entries of the ballot box (counts and file hashes, never a person).
* :mod:`.paper`: import of a paper register of émargements (CSV: who came, never the choices).
* :mod:`.urn`: the ballot box — the one way an in-person ballot is stored, named by nobody.
* :mod:`.depouillement`: ballot papers with a stub code, the count of each voting point, and its
  close; :mod:`.reconciliation` reads the counts against the émargements.
* Screens: :mod:`.vote_views` (online), :mod:`.voting_point` (the voting point's dependency),
  :mod:`.bureau_views`, :mod:`.emargement_views`, :mod:`.isoloir_views` (the tablet),
  :mod:`.depouillement_views`, :mod:`.results_views`; :mod:`.api` (JSON).
* :mod:`.results`: counting at close with :mod:`backend.counting`, publication, journal.

The counting rules themselves are pure functions in :mod:`backend.counting`.
"""
