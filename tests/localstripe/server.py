"""Run localstripe on 127.0.0.1 only, on a free port printed on the first line of stdout.

localstripe's own command listens on every interface (``::``) and saves its state to
``/tmp/localstripe.pickle``; here it listens on the loopback and keeps its state in memory.
"""

from __future__ import annotations

import socket
import sys


def main() -> None:
    from aiohttp import web
    from localstripe import resources
    from localstripe.server import app

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
