"""The localstripe tier: a real fake Stripe (PaymentIntents, 3-D Secure, capture, refunds,
signed webhooks) started on 127.0.0.1 for these tests.

Skipped locally when localstripe is not installed; on CI (``CI=true``) it must run.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest


def _available() -> bool:
    return importlib.util.find_spec("localstripe") is not None


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    if not _available():
        if os.environ.get("CI") == "true":
            pytest.fail("localstripe is not installed: the CI must run the localstripe tier")
        pytest.skip("localstripe is not installed (pip install -e '.[dev]')")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.localstripe.server"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip())
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 120  # generous: the machine may be loaded
    while True:
        try:
            request = urllib.request.Request(
                url + "/v1/balance", headers={"Authorization": "Bearer sk_test_cabas"}
            )
            urllib.request.urlopen(request, timeout=10).close()
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
