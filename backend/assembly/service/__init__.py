"""The assembly's rules, one module per stage: saisines and quotas, recruitment, the draw, the
assembly's work (sessions, groups, documents), recommendations, the avis and the COPIL's answers.
Every function takes a session and only flushes; every decision is journaled in the same transaction."""
