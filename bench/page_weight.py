"""Weight of the resident pages on a slow phone network (issue 15): what a first visit transfers.

Drives Debian's chromium (``/usr/bin/chromium``, never a downloaded browser) with Playwright over
the pages a resident opens — home, QPV list and page, a BP edition and proposal, the proposal form
and the ballot (logged in), the receipt check, an FPH fund and its application form, the assembly
volunteer form, sign-up, login, account — in French, Arabic and English (the ``lang`` cookie, and
the matching Accept-Language). Each page opens in a fresh browser context with the cache disabled
and the network throttled through CDP (``Network.emulateNetworkConditions``: 400 ms latency,
400 kbit/s down and up, the "slow 3G" of the issue). It prints, per page and language:

* bytes transferred (headers + encoded bodies, CDP ``Network.loadingFinished.encodedDataLength``);
* the number of requests;
* first contentful paint and load time (Performance API, ms from navigation start);
* the number of axe-core violations (the axe script vendored by axe-playwright-python).

Each page is opened once, unthrottled, before it is measured (see ``warm_up``). Unless ``--url``
names a running server, it starts its own (``qp serve`` on a free port) over a fresh SQLite
database loaded with ``qp migrate`` and ``qp demo``.

    .venv/bin/python bench/page_weight.py                   # table
    .venv/bin/python bench/page_weight.py --json out.json   # and every figure as JSON
    .venv/bin/python bench/page_weight.py --lang fr --page home --page login --no-axe

Figures are printed, never asserted (targets of the issue: 30 KB, first paint 1.5 s).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE  # noqa: E402

ACCEPT_LANGUAGE = {"fr": "fr-FR,fr;q=0.9", "ar": "ar,fr;q=0.5", "en": "en-GB,en;q=0.9"}
# 400 kbit/s = 50,000 bytes/s each way; the latency is added to every request.
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
TARGET_BYTES = 30 * 1024
TARGET_FCP_MS = 1500
DEMO_PASSWORD = "quartiers2026"  # noqa: S105 - the demo's published password


@dataclass(frozen=True)
class Page:
    name: str
    path: str | Callable[[Any], str]  # a path, or a function finding it on the (logged-in) site
    login: str | None = None  # the demo account to log in with first


@dataclass
class Result:
    page: str
    lang: str
    url: str
    status: int
    bytes: int
    requests: int
    fcp_ms: float | None
    load_ms: float | None
    axe: int | None
    axe_ids: list[str] = field(default_factory=list)
    resources: list[tuple[str, int]] = field(default_factory=list)


def _first_link(prefix: str, listing: str) -> Callable[[Any], str]:
    """The first link under ``prefix`` on ``listing`` (ids and codes change with the demo)."""

    def find(page: Any) -> str:
        page.goto(listing)
        href = page.locator(f'main a[href^="{prefix}"]').first.get_attribute("href")
        if not href:
            raise RuntimeError(f"no link to {prefix}… on {listing}")
        return str(href)

    return find


def _fph_apply(page: Any) -> str:
    return _first_link("/fph/fonds/", "/fph")(page).split("/demander")[0] + "/demander"


def _assembly_form(page: Any) -> str:
    page.goto("/assemblee")
    href = page.locator('main a[href$="/participer"]').first.get_attribute("href")
    if not href:
        raise RuntimeError("no open assembly in the demo")
    return str(href)


RESIDENT = "amina@demo.quartiers.fr"
VOTER = "lea@demo.quartiers.fr"  # e-mail confirmed, as the 2026 vote asks
PAGES = [
    Page("home", "/"),
    Page("quartiers", "/quartiers"),
    Page("quartier", _first_link("/quartiers/", "/quartiers")),
    Page("bp-edition", "/budget-participatif/marseille-2026"),
    Page("proposal", "/budget-participatif/marseille-2026/propositions/1"),
    Page("proposal-form", "/budget-participatif/appel-idees-2027/proposer", login=RESIDENT),
    Page("vote", "/budget-participatif/marseille-2026/voter", login=VOTER),
    Page("receipt-check", "/budget-participatif/marseille-2025/verifier-recu"),
    Page("fph-fund", _first_link("/fph/fonds/", "/fph")),
    Page("fph-apply", _fph_apply, login=RESIDENT),
    Page("assembly-form", _assembly_form),
    Page("signup", "/inscription"),
    Page("login", "/connexion"),
    Page("account", "/compte", login=RESIDENT),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def demo_server() -> Iterator[str]:
    """`qp serve` over a fresh SQLite demo database, stopped on exit."""
    with tempfile.TemporaryDirectory(prefix="qp-page-weight-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/qp.sqlite3",
            "APP_ENV": "dev",
            "APP_GEOCODER_ENABLED": "false",
            "APP_MAIL_BACKEND": "console",
            "APP_SMS_BACKEND": "console",
            "APP_UPLOAD_DIR": f"{tmp}/uploads",
        }
        qp = str(ROOT / ".venv" / "bin" / "qp")
        print("fresh demo database: qp migrate, qp demo…", file=sys.stderr)
        for command in ("migrate", "demo"):
            subprocess.run([qp, command], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        port = free_port()
        log = open(Path(tmp) / "serve.log", "wb")  # noqa: SIM115 - closed below, after the server
        server = subprocess.Popen(
            [qp, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
        )  # noqa: S603
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=5):  # noqa: S310 - our own server
                        break
                except OSError:
                    if server.poll() is not None or time.time() > deadline:
                        raise RuntimeError(
                            "the server did not start: " + (Path(tmp) / "serve.log").read_text()
                        ) from None
                    time.sleep(0.5)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


def log_in(browser: Any, base: str, identifier: str) -> dict[str, Any]:
    """The storage state (session cookie) of a demo account, logged in without throttling."""
    context = browser.new_context(base_url=base)
    page = context.new_page()
    page.goto("/connexion")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click('main form[action="/connexion"] button[type=submit]')
    page.wait_for_load_state()
    if "/connexion" in page.url:
        raise RuntimeError(f"could not log in as {identifier}")
    state: dict[str, Any] = context.storage_state()
    context.close()
    return state


def resolve(browser: Any, base: str, spec: Page, state: dict[str, Any] | None) -> str:
    """The page's path, found in a context of its own (its visits must not count nor set cookies)."""
    if isinstance(spec.path, str):
        return spec.path
    context = browser.new_context(base_url=base, storage_state=state)  # type: ignore[arg-type]
    path = spec.path(context.new_page())
    context.close()
    return path


def warm_up(browser: Any, base: str, path: str, lang: str, state: dict[str, Any] | None) -> None:
    """Open the page once, unthrottled, before measuring it: a server that has just started compiles
    each template and loads each catalogue on its first request (up to a second on this machine),
    which no resident pays on a running server. What is measured stays a first visit for the
    browser: a fresh context, its cache disabled."""
    context = browser.new_context(base_url=base, storage_state=state)  # type: ignore[arg-type]
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies([{"name": "lang", "value": lang, "domain": host, "path": "/"}])
    context.new_page().goto(path)
    context.close()


def measure(
    browser: Any, base: str, spec: Page, path: str, lang: str, state: dict[str, Any] | None, axe: bool
) -> Result:
    context = browser.new_context(
        base_url=base,
        viewport=PHONE,
        storage_state=state,  # type: ignore[arg-type]
        extra_http_headers={"Accept-Language": ACCEPT_LANGUAGE[lang]},
    )
    host = base.split("://", 1)[1].split(":")[0]
    context.add_cookies([{"name": "lang", "value": lang, "domain": host, "path": "/"}])
    page = context.new_page()
    page.set_default_timeout(60_000)

    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def sent(event: dict[str, Any]) -> None:
        if not event["request"]["url"].startswith("data:"):
            urls[event["requestId"]] = event["request"]["url"]

    def finished(event: dict[str, Any]) -> None:
        if event["requestId"] in urls:
            sizes[event["requestId"]] = int(event["encodedDataLength"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    response = page.goto(path, wait_until="load")
    page.wait_for_timeout(200)  # the last loadingFinished events
    # The paint entry can come after the load event: wait for it (a few seconds at most).
    timing = page.evaluate(
        """() => new Promise(resolve => {
            const nav = performance.getEntriesByType("navigation")[0];
            const done = fcp => resolve({fcp: fcp, load: nav ? nav.loadEventEnd : null});
            new PerformanceObserver(list => {
                const fcp = list.getEntriesByName("first-contentful-paint")[0];
                if (fcp) done(fcp.startTime);
            }).observe({type: "paint", buffered: true});
            setTimeout(() => done(null), 5000);
        })"""
    )
    cdp.send(
        "Network.emulateNetworkConditions",
        {**SLOW_3G, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    violations: list[str] = []
    if axe:
        from axe_playwright_python.sync_playwright import Axe

        violations = [v["id"] for v in Axe().run(page).response["violations"]]
    result = Result(
        page=spec.name,
        lang=lang,
        url=path,
        status=response.status if response else 0,
        bytes=sum(sizes.values()),
        requests=len(urls),
        fcp_ms=timing["fcp"],
        load_ms=timing["load"],
        axe=len(violations) if axe else None,
        axe_ids=violations,
        resources=[(urls[rid].replace(base, ""), size) for rid, size in sizes.items()],
    )
    context.close()
    return result


def print_table(results: list[Result]) -> None:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f}"

    print(
        f"{'page':<15} {'lang':<4} {'status':>6} {'KB':>7} {'req':>4} {'FCP ms':>7} {'load ms':>8} {'axe':>4}"
    )
    for r in results:
        flag = " " if r.bytes <= TARGET_BYTES and (r.fcp_ms or 0) <= TARGET_FCP_MS else "*"
        axe = "—" if r.axe is None else str(r.axe)
        print(
            f"{r.page:<15} {r.lang:<4} {r.status:>6} {r.bytes / 1024:>7.1f} {r.requests:>4} "
            f"{ms(r.fcp_ms):>7} {ms(r.load_ms):>8} {axe:>4}{flag}"
        )
    if results:
        worst = max(results, key=lambda r: r.bytes)
        slowest = max(results, key=lambda r: r.fcp_ms or 0)
        print(
            f"\nheaviest: {worst.page} ({worst.lang}) {worst.bytes / 1024:.1f} KB; "
            f"slowest first paint: {slowest.page} ({slowest.lang}) {ms(slowest.fcp_ms)} ms; "
            f"* = over {TARGET_BYTES // 1024} KB or {TARGET_FCP_MS} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running server (default: start one over a fresh demo database)")
    parser.add_argument(
        "--lang", action="append", choices=sorted(ACCEPT_LANGUAGE), help="repeatable (default: fr ar en)"
    )
    parser.add_argument(
        "--page", action="append", choices=[p.name for p in PAGES], help="repeatable (default: all)"
    )
    parser.add_argument("--no-axe", action="store_true", help="skip the axe-core run")
    parser.add_argument("--resources", action="store_true", help="also list every request and its size")
    parser.add_argument(
        "--json", metavar="FILE", help="write every figure as JSON ('-' for stdout, then no table)"
    )
    args = parser.parse_args()
    langs = args.lang or ["fr", "ar", "en"]
    pages = [p for p in PAGES if not args.page or p.name in args.page]

    from playwright.sync_api import sync_playwright

    with demo_server() if not args.url else _given(args.url) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        states = {who: log_in(browser, base, who) for who in {p.login for p in pages if p.login}}
        results = []
        for spec in pages:
            state = states.get(spec.login or "")
            path = resolve(browser, base, spec, state)
            for lang in langs:
                warm_up(browser, base, path, lang, state)
                result = measure(browser, base, spec, path, lang, state, not args.no_axe)
                results.append(result)
                if args.json != "-":
                    print(
                        f"  {spec.name} {lang}: {result.bytes / 1024:.1f} KB, FCP {result.fcp_ms}",
                        file=sys.stderr,
                    )
        browser.close()

    if args.json:
        text = json.dumps([asdict(r) for r in results], indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
            return
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print_table(results)
    if args.resources:
        for r in results:
            print(f"\n{r.page} ({r.lang}) {r.url}")
            for url, size in r.resources:
                print(f"  {size:>8,} {url}")


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    main()
