"""Browser tests: a real server (uvicorn in a thread) on its own database loaded with the demo,
driven by Playwright with Debian's chromium (never a downloaded browser), checked with axe-core."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.config import Settings
from backend.db import run_migrations
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS, PHONE
from tests.conftest import TEST_SECRET, drop_pg_database, fresh_database, is_postgres_url
from tests.live import serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def sms_outbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the live server's file SMS backend writes (one file per message)."""
    return tmp_path_factory.mktemp("sms")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, sms_outbox: Path) -> Iterator[str]:
    """Base URL of a server running the full demo on a database of its own."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    from backend.app import create_app
    from backend.demo import load_demo
    from backend.registry import build_registry

    url = fresh_database(tmp_path_factory, "browser")
    run_migrations(url)
    settings = Settings(
        env="test",
        database_url=url,
        secret_key=TEST_SECRET,
        geocoder_enabled=False,
        mail_backend="console",
        upload_dir=tmp_path_factory.mktemp("uploads"),
        sms_backend="file",
        sms_dir=sms_outbox,
    )
    load_demo(settings, build_registry())
    with serve(create_app(settings)) as base_url:
        yield base_url
    base = os.environ.get("DATABASE_URL")
    if is_postgres_url(base):
        drop_pg_database(base, url)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def browser(live_server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def phone(browser: Any, live_server: str, locale: str = "fr-FR") -> Iterator[Any]:
    """A fresh phone-sized page (390×844) whose browser asks for `locale`, in a context of its own."""
    context = browser.new_context(viewport=PHONE, base_url=live_server, locale=locale)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh phone-sized page (390×844), no cookies shared with other tests."""
    yield from phone(browser, live_server)


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """axe-core's violations of the given impacts on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [v for v in result.response["violations"] if v.get("impact") in impacts]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — " + ", ".join(str(n["target"]) for n in v["nodes"][:3])
        for v in violations
    )


def assert_accessible(page: Any, width: int = 390) -> None:
    """One heading in main, nothing wider than `width` (no horizontal scrolling), no serious or critical
    violation found by axe."""
    assert page.locator("main h1").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    violations = axe_violations(page)
    assert not violations, describe(violations)


def submit(page: Any, button: str) -> None:
    """Press the form's button and wait for the page it loads."""
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def send_proposal(page: Any, description: str, cost: str, title: str | None = None) -> None:
    """Fill the rest of the « Proposer » form (title if given, theme « Nature en ville », the point
    on the street grid) and send it."""
    if title is not None:
        page.get_by_label("Le titre de l'idée").fill(title)
    page.get_by_label("Votre idée").fill(description)
    page.get_by_label("Le thème").select_option(label="Nature en ville")
    page.get_by_label("Combien ça coûte, à peu près ? (en euros)").fill(cost)
    page.locator(".bp-cell").nth(20).click()
    submit(page, "Envoyer ma proposition")


def login(page: Any, identifier: str, password: str = "quartiers2026") -> None:  # noqa: S107 - demo password
    page.goto("/connexion")
    page.get_by_label("E-mail ou numéro de téléphone").fill(identifier)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
