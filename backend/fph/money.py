"""Money is integer cents everywhere in the FPH. Amounts are read by `backend.forms`
(`parse_euros_to_cents`, `euros_input`) and written by `backend.formatting.format_money`."""

from __future__ import annotations


def share(cents: int, pct: int) -> int:
    """pct % of an amount, rounded down to the cent (never more than the rule allows)."""
    return cents * pct // 100
