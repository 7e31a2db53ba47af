"""Browser tests: the real app served on 127.0.0.1, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work here; we launch ``/usr/bin/chromium``
(packages ``chromium`` and ``chromium-driver``, installed by ``.ci/run``). Without it the
tests skip, unless ``CABAS_REQUIRE_BROWSER=1`` (set on CI) makes that a failure.
Screenshots go to ``screenshots/`` at the repository root (ignored by git).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from reference_app import create_app
from shop_core.database import Database
from tests.web.conftest import (
    PASSWORD,
    world,  # noqa: F401  (the same territory as the web tests)
)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "screenshots"
CHROMIUM = os.environ.get("CABAS_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("CABAS_REQUIRE_BROWSER", "") == "1"

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if REQUIRE:
            pytest.fail(f"Chromium required for browser tests but not found at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium chromium-driver)")
    return CHROMIUM


@pytest.fixture(scope="session")
def playwright_instance(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any, chromium_path: str) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


class LiveServer:
    """The app served by werkzeug in a thread, on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


@pytest.fixture
def live_app(db: Database, tmp_path: Path) -> Iterator[Any]:
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "MAIL_BACKEND": "memory",
            "GEOCODER": "none",  # no test reaches the internet
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    yield app
    app.extensions["cabas_db"].dispose()


@pytest.fixture
def server(live_app: Any) -> Iterator[LiveServer]:
    with LiveServer(live_app) as live:
        yield live


def is_csp_violation(text: str) -> bool:
    """Chromium's console message when the Content-Security-Policy blocks something."""
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@pytest.fixture
def page_factory(browser: Any) -> Iterator[Any]:
    """Open pages at a viewport size; each gets its own browser context (cookies).

    Every console message about the Content-Security-Policy fails the test: a page that
    needs inline code or a source the policy does not allow is broken for real visitors.
    """
    contexts: list[Any] = []
    violations: list[str] = []

    def make(viewport: dict[str, int] = DESKTOP) -> Any:
        context = browser.new_context(viewport=viewport, locale="fr-FR")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(f"{page.url}: {message.text}")
                if is_csp_violation(message.text)
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under screenshots/ and return its path."""
    SHOTS.mkdir(exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Any, server: LiveServer, email: str, password: str = PASSWORD) -> None:
    """Sign `email` in through the login form (every test user has the same password; the
    demo's accounts have theirs)."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
