"""Reading the audit trail: what was done for one merchant, by whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditLine:
    """One act as shown to an operator: who (``None`` for the system), what, when."""

    at: dt.datetime
    action: str
    subject: str
    actor_name: str | None
    actor_role: Role | None
    on_behalf: bool
    details: dict[str, Any]


def merchant_audit(
    session: Session, *, territory_id: int, merchant_id: int, limit: int = 200
) -> list[AuditLine]:
    """The latest acts recorded for a merchant of the territory, newest first."""
    rows = session.execute(
        select(AuditEntry, User.full_name, User.role)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.territory_id == territory_id, AuditEntry.merchant_id == merchant_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [
        AuditLine(
            at=entry.at,
            action=entry.action,
            subject=entry.subject,
            actor_name=name,
            actor_role=role,
            on_behalf=entry.on_behalf,
            details=dict(entry.details or {}),
        )
        for entry, name, role in rows
    ]
