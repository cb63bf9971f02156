"""How the browser tests and `bench/page_weight.py` launch Debian's chromium (never a downloaded browser),
and the phone they emulate. Plain constants: the bench imports them without pytest or the app."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("QP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
