"""The accountability journal (append-only, hash-chained) and its verifier."""
