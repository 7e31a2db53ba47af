"""WSGI entry point of the live-server tests: the reference app plus a test-only pause hook.

gunicorn serves ``tests.integration.live_wsgi:app``. When ``CABAS_TEST_PAUSE_DIR`` is set, a
request carrying the header ``X-Test-Pause: <tag>`` stops inside its checkout transaction
right after the stock ``UPDATE`` (row locked, stock decremented, nothing committed): the worker
writes its pid to ``<dir>/<tag>.pid`` and waits until ``<dir>/<tag>.release`` exists. A test
can then kill that worker or let it go on. The hook lives here, not in the app, so production
code carries no test switch.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from flask import has_request_context, request
from sqlalchemy import event

from reference_app import create_app

_TAG = re.compile(r"^[a-z0-9-]{1,40}$")
_STOCK_UPDATE = re.compile(r"^\s*UPDATE product SET stock_quantity", re.IGNORECASE)
MAX_PAUSE_SECONDS = 600

app = create_app()
_pause_dir = os.environ.get("CABAS_TEST_PAUSE_DIR")


def _pause_after_stock_update(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if not has_request_context() or not _STOCK_UPDATE.match(statement):
        return
    tag = request.headers.get("X-Test-Pause", "")
    if not _pause_dir or not _TAG.match(tag):
        return
    folder = Path(_pause_dir)
    (folder / f"{tag}.pid").write_text(str(os.getpid()))
    deadline = time.monotonic() + MAX_PAUSE_SECONDS
    while not (folder / f"{tag}.release").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


if _pause_dir:
    event.listen(
        app.extensions["cabas_db"].engine, "after_cursor_execute", _pause_after_stock_update
    )
