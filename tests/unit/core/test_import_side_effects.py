"""Importing Cabas opens no connection and reads no CABAS_* setting."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_importing_every_module_connects_nowhere_and_reads_no_cabas_variable() -> None:
    script = textwrap.dedent(
        """
        import os, pkgutil, importlib, socket, sqlalchemy

        def refuse(*args, **kwargs):
            raise AssertionError("an engine was created at import time")
        sqlalchemy.create_engine = refuse

        def no_socket(*args, **kwargs):
            raise AssertionError("a network connection was opened at import time")
        socket.socket.connect = no_socket

        class Watched(dict):
            def __getitem__(self, key):
                assert not key.startswith("CABAS_"), f"{key} read at import time"
                return super().__getitem__(key)
            def get(self, key, default=None):
                assert not key.startswith("CABAS_"), f"{key} read at import time"
                return super().get(key, default)
        os.environ = Watched(os.environ)

        count = 0
        for package in ("shop_core", "delivery", "reference_app"):
            root = importlib.import_module(package)
            for info in pkgutil.walk_packages(root.__path__, package + "."):
                if ".migrations." in info.name or info.name.endswith((".bench", ".worker")):
                    # Alembic env runs only under Alembic; bench is a script; worker is
                    # Celery's entry point (`celery -A reference_app.worker`), which
                    # builds the app from the environment on purpose.
                    continue
                importlib.import_module(info.name)
                count += 1
        print(count)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.strip().splitlines()[-1]) > 30
