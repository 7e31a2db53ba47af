"""Actions run at the same instant in threads, each with its own connection."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shop_core.errors import DomainError
from tests.together import together


def _outcome(ended: Any) -> str:
    if isinstance(ended, DomainError):
        return f"refused: {ended}"
    if isinstance(ended, BaseException):
        return f"error: {ended!r}"
    return "ok"


def at_once(*actions: Callable[[], Any]) -> list[str]:
    """Run the actions in threads released together; what each ended with."""
    return sorted(_outcome(ended) for ended in together(*actions, timeout=60))
