"""Recording who did what, and for whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shop_core.audit.model import AuditEntry

#: Length of the ``subject`` column; longer subjects (a 140-character product name) are cut.
SUBJECT_MAX = 120


@dataclass(frozen=True, slots=True)
class Actor:
    """Who performs an action.

    ``user_id`` is the person; ``merchant_id`` the merchant they act for, if any;
    ``on_behalf`` is true when an operator acts for a merchant (assisted mode).
    ``None`` as user means the system itself (expiry, webhooks).
    """

    user_id: int | None
    merchant_id: int | None = None
    on_behalf: bool = False

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None)


def record(
    session: Session,
    *,
    territory_id: int,
    actor: Actor,
    action: str,
    subject: str = "",
    details: dict[str, Any] | None = None,
    merchant_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (committed with the act it describes)."""
    entry = AuditEntry(
        territory_id=territory_id,
        actor_id=actor.user_id,
        merchant_id=merchant_id if merchant_id is not None else actor.merchant_id,
        on_behalf=actor.on_behalf,
        action=action,
        subject=subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…",
        details=details or {},
    )
    session.add(entry)
    return entry
