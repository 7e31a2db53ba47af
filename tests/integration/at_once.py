"""Actions run at the same instant in threads, each with its own connection."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from shop_core.errors import DomainError


def at_once(*actions: Callable[[], Any]) -> list[str]:
    """Run the actions in threads released together; what each ended with."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            action()
            result = "ok"
        except DomainError as error:
            result = f"refused: {error}"
        except Exception as error:  # noqa: BLE001 - reported in the assertions
            result = f"error: {error!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(outcomes)
