"""Run actions at the same instant, in threads released together by a barrier."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def together(*actions: Callable[[], Any], timeout: float = 120) -> list[Any]:
    """What each action returned, or the exception it raised, in the order they ended."""
    barrier = threading.Barrier(len(actions))
    ended: list[Any] = []
    lock = threading.Lock()

    def run(action: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            result = action()
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            result = error
        with lock:
            ended.append(result)

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return ended
