"""gunicorn with several workers, and a threaded load generator measuring latency and throughput.

Each scenario runs ``clients`` threads for ``duration`` seconds; a thread sends one request,
waits for the answer, sends the next (closed loop). The client-side latency of every
recorded request is kept; the server-side time comes from gunicorn's access log (``%(D)s``,
microseconds spent in the worker, queueing excluded).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """gunicorn serving ``reference_app.bench.wsgi:create()`` with an access log of timings."""

    def __init__(self, database_url: str, secret_key: str, workers: int, folder: Path) -> None:
        self.port = free_port()
        self.access_log = folder / "access.log"
        self.error_log = folder / "gunicorn.log"
        self.access_log.write_text("")
        env = {
            **os.environ,
            "CABAS_DATABASE_URL": database_url,
            "CABAS_SECRET_KEY": secret_key,
            "CABAS_RATELIMIT_ENABLED": "false",
            "CABAS_MAIL_BACKEND": "console",
            "CABAS_ROUTINES": "off",  # no expiry or reminders ticking beside the measure
        }
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--backlog",
            "1024",
            "--timeout",
            "120",
            "--access-logfile",
            str(self.access_log),
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(D)s",
            "--error-logfile",
            str(self.error_log),
            "reference_app.bench.wsgi:create()",
        ]
        with (folder / "app.log").open("w") as app_log:  # the app's own warnings
            self.process = subprocess.Popen(
                command, env=env, cwd=ROOT, stdout=app_log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/_bare/")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.error_log.read_text()[-2000:]}")

    def log_offset(self) -> int:
        return self.access_log.stat().st_size

    def server_times(self, start: int, end: int, method: str, path: str) -> list[float]:
        """Milliseconds spent in the worker by the logged requests between two offsets.

        ``path`` is matched exactly, or as a prefix when it ends with ``*``.
        """
        with self.access_log.open("rb") as log:
            log.seek(start)
            chunk = log.read(end - start).decode(errors="replace")
        times = []
        for line in chunk.splitlines():
            parts = line.split()
            if len(parts) != 4 or parts[0] != method:
                continue
            if parts[1] == path or (path.endswith("*") and parts[1].startswith(path[:-1])):
                times.append(int(parts[3]) / 1000)
        return times

    def workers_memory(self) -> list[tuple[int, int, int]]:
        """(pid, RSS kB, peak RSS kB) of each worker process."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() != str(self.process.pid):
                continue
            rss = int(fields.get("VmRSS", "0 kB").split()[0])
            peak = int(fields.get("VmHWM", "0 kB").split()[0])
            found.append((int(entry.name), rss, peak))
        return found

    def worker_deaths(self) -> list[str]:
        """gunicorn's reports of workers killed by a signal (a crash, e.g. SIGSEGV)."""
        return [line for line in self.error_log.read_text().splitlines() if "was sent SIG" in line]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def request(
    port: int,
    method: str,
    path: str,
    payload: Any = None,
    token: str | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes]:
    headers = {}
    body = None
    if payload is not None:
        body = json.dumps(payload)
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


#: One step of a virtual user: (method, path, JSON body or None, recorded?).
Step = tuple[str, str, Any, bool]


@dataclass
class Result:
    name: str
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    duration: float = 0.0
    server_ms: list[float] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.duration if self.duration else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.latencies_ms, pct)

    def server_p(self, pct: float) -> float:
        return percentile(self.server_ms, pct)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan")


def run(
    server: Server,
    name: str,
    steps: Callable[[int, random.Random], list[Step]],
    *,
    clients: int,
    duration: float,
    logged: tuple[str, str],
    tokens: list[str] | None = None,
    warmup: float = 2.0,
) -> Result:
    """Run ``clients`` closed-loop users; ``steps(user, rng)`` gives one iteration's requests.

    ``logged`` is the (method, path prefix) of the recorded requests in the access log.
    """
    result = Result(name)
    lock = threading.Lock()
    start_at = time.monotonic() + warmup
    stop_at = start_at + duration
    barrier = threading.Barrier(clients)

    def user(n: int) -> None:
        rng = random.Random(n)
        token = tokens[n % len(tokens)] if tokens else None
        barrier.wait()
        while True:
            for method, path, payload, recorded in steps(n, rng):
                began = time.monotonic()
                if began >= stop_at:
                    return
                try:
                    status, _ = request(server.port, method, path, payload, token)
                except (OSError, http.client.HTTPException):
                    status = 0
                ended = time.monotonic()
                if recorded and began >= start_at and ended <= stop_at:
                    with lock:
                        result.latencies_ms.append((ended - began) * 1000)
                        result.statuses[status] = result.statuses.get(status, 0) + 1
                        if not 200 <= status < 300:
                            result.errors += 1

    threads = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(max(0.0, start_at - time.monotonic()))
    offset = server.log_offset()
    for thread in threads:
        thread.join(timeout=duration + warmup + 300)
    end = server.log_offset()
    result.duration = duration
    result.server_ms = server.server_times(offset, end, *logged)
    return result
