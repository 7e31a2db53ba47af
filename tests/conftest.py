"""Shared fixtures: databases on SQLite and PostgreSQL, and per-database test counts.

PostgreSQL tests run when ``CABAS_TEST_DATABASE_URL`` points at a server; each xdist worker
gets a database of its own, migrated once, and tables are emptied after each test. With
``CABAS_REQUIRE_POSTGRES=1`` (set on CI) an unreachable server fails the run instead of
skipping those tests.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import delivery.model  # noqa: F401  (delivery tables are part of the schema under test)
from shop_core.database import Database, connect
from shop_core.persistence.base import Base

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

# No test reaches a geocoder on the internet: every app a test builds (and the servers it
# starts) has none unless the test points one at a local fake.
os.environ["CABAS_GEOCODER"] = "none"
# Background jobs (plannings, e-mails, address look-ups) run inside the request that asks
# for them, so that nothing reads the database after a test has moved on to emptying it.
# The thread and Celery backends have tests of their own, which set JOBS themselves.
os.environ["CABAS_JOBS"] = "inline"

PG_URL = os.environ.get("CABAS_TEST_DATABASE_URL", "")
REQUIRE_PG = os.environ.get("CABAS_REQUIRE_POSTGRES", "") == "1"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "cabas.db"
    db = connect(f"sqlite:///{path}", migrate=True)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """The URL of this worker's own, freshly migrated PostgreSQL database (dropped after)."""
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("CABAS_REQUIRE_POSTGRES=1 but CABAS_TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL not configured (set CABAS_TEST_DATABASE_URL)")
    admin_url = make_url(PG_URL)
    # Unique per worker process, so that several test runs can share one server.
    name = f"{admin_url.database}_cabas_{_worker()}_{os.getpid()}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any connection failure
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    db = connect(url, migrate=True)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables}, product_search RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "cabas.db"
        shutil.copy(template, path)
        database = connect(f"sqlite:///{path}")
        yield database
        database.dispose()
    else:
        url = request.getfixturevalue("pg_server_url")
        database = connect(url)
        try:
            yield database
        finally:
            _truncate_all(database)
            database.dispose()


_DB_PARAM = re.compile(r"\[(?:.*-)?(sqlite|postgresql)(?:-.*)?\]$")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print how many tests passed, failed or skipped on each database."""
    counts: Counter[tuple[str, str]] = Counter()
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            nodeid = getattr(report, "nodeid", "")
            if getattr(report, "when", "call") not in ("call", "setup") or not nodeid:
                continue
            if outcome == "passed" and report.when != "call":
                continue
            match = _DB_PARAM.search(nodeid)
            if match:
                counts[(match.group(1), outcome)] += 1
    if counts:
        terminalreporter.section("tests per database")
        for name in ("sqlite", "postgresql"):
            parts = [f"{counts[(name, o)]} {o}" for o in ("passed", "failed", "skipped", "error")]
            terminalreporter.write_line(f"{name}: " + ", ".join(parts))
