"""A local HTTP server answering JSON like a web service, for clients under test.

Tests never reach the internet: the real client classes are pointed at this server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Answer = Callable[[str, dict[str, list[str]]], tuple[int, Any]]
"""``answer(path, query)`` gives the HTTP status and the JSON body."""


class FakeService:
    """Serves ``answer`` on 127.0.0.1 (a free port) and records the requests."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlsplit(self.path)  # not urlparse: OSRM paths hold ";"
                query = parse_qs(url.query)
                service.requests.append((url.path, query))
                try:
                    status, body = answer(url.path, query)
                except Exception as error:  # noqa: BLE001 - reported to the client
                    status, body = 500, {"error": repr(error)}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def domain(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(answer: Answer) -> Iterator[FakeService]:
    service = FakeService(answer)
    try:
        yield service
    finally:
        service.close()
