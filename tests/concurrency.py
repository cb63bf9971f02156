"""Starting threads together, for the tests that race transactions against each other; running a
coroutine from a synchronous test."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own. A worker that has run the browser tests keeps
    Playwright's event loop running in its main thread, where `asyncio.run` would refuse to start."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def run_together(work: Callable[[int, threading.Barrier], None], count: int, join_timeout: float) -> None:
    """Run `work(index, barrier)` in `count` threads; each waits on the shared barrier to start at once."""
    barrier = threading.Barrier(count)
    threads = [threading.Thread(target=work, args=(i, barrier)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=join_timeout)
