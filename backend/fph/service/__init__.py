"""FPH rules, split by subject; each function takes a session and only flushes."""

from backend.fph.service.common import PROCESS, get_fund, lock_fund, move_money, paris_today

__all__ = ["PROCESS", "get_fund", "lock_fund", "move_money", "paris_today"]
