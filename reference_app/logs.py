"""The project's own log lines (``cabas.*``: routines, jobs, mails, notifications;
``delivery.*``: planning) shown where nothing else is set up.

Python shows warnings and above only, to stderr, until someone configures logging. A
production server usually does (gunicorn's ``--log-config``, a ``dictConfig``): then the
``cabas`` lines go to its handlers and nothing is added here. Under ``flask run`` nobody
does, and the routines' « 2 colis retournés à la boutique » or a job's progress, logged at
INFO, were lost; this adds one handler to the ``cabas`` and ``delivery`` loggers, at
``CABAS_LOG_LEVEL`` (``INFO`` by default).
"""

from __future__ import annotations

import logging
import sys

from flask import Flask

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a line is logged (a test may swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


LOGGERS = ("cabas", "delivery")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def init_app(app: Flask) -> None:
    level = str(app.config["LOG_LEVEL"]).upper()
    if level not in LEVELS:
        raise RuntimeError(
            f"CABAS_LOG_LEVEL={app.config['LOG_LEVEL']!r}: expected one of {', '.join(LEVELS)}."
        )
    configured = bool(logging.getLogger().handlers)  # by the server, or by the tests
    for name in LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        if configured or any(isinstance(h, StderrHandler) for h in logger.handlers):
            continue  # once per process
        handler = StderrHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        logger.addHandler(handler)
