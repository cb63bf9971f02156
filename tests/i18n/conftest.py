"""The browser fixtures (a live demo server, Debian's chromium) for the right-to-left checks."""

from tests.browser.conftest import browser, live_server, sms_outbox

__all__ = ["browser", "live_server", "sms_outbox"]
