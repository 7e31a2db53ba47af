"""The reference app served by gunicorn with several worker processes, for tests on PostgreSQL.

Each request opens its own connection (``http.client``), so many threads can talk to the
server at once. Generous timeouts throughout: the machine running the tests may be loaded.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
START_TIMEOUT = 90.0
REQUEST_TIMEOUT = 120.0


@dataclass
class Answer:
    status: int
    body: Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """gunicorn serving ``tests.integration.live_wsgi:app`` on a free local port."""

    def __init__(self, database_url: str, pause_dir: Path, workers: int = 3) -> None:
        self.secret_key = secrets.token_urlsafe(32)
        self.port = free_port()
        self.pause_dir = pause_dir
        self.log = pause_dir / "gunicorn.log"
        env = {
            **os.environ,
            "CABAS_DATABASE_URL": database_url,
            "CABAS_SECRET_KEY": self.secret_key,
            "CABAS_RATELIMIT_ENABLED": "false",
            "CABAS_MAIL_BACKEND": "memory",
            "CABAS_TEST_PAUSE_DIR": str(pause_dir),
        }
        command = [
            str(GUNICORN),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "900",  # a paused worker must not be recycled by the arbiter
            "--graceful-timeout",
            "5",
            "--chdir",
            str(ROOT),
            "tests.integration.live_wsgi:app",
        ]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
            )
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if self.request("GET", "/api/v1/openapi.json", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> Answer:
        sent = dict(headers or {})
        body = None
        if payload is not None:
            body = json.dumps(payload)
            sent["Content-Type"] = "application/json"
        if token:
            sent["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")
        return Answer(response.status, data)

    def paused_pid(self, tag: str, timeout: float = REQUEST_TIMEOUT) -> int:
        """The pid of the worker paused inside the checkout of request ``tag``."""
        marker = self.pause_dir / f"{tag}.pid"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text())
            time.sleep(0.05)
        raise AssertionError(f"no worker paused for {tag!r}: {self.log.read_text()[-2000:]}")

    def release(self, tag: str) -> None:
        (self.pause_dir / f"{tag}.release").touch()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
