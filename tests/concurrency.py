"""Starting threads together, for the tests that race transactions against each other."""

from __future__ import annotations

import threading
from collections.abc import Callable


def run_together(work: Callable[[int, threading.Barrier], None], count: int, join_timeout: float) -> None:
    """Run `work(index, barrier)` in `count` threads; each waits on the shared barrier to start at once."""
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=work, args=(i, barrier)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=join_timeout)
