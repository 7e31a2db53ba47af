"""Reading the audit trail: what was done for one merchant, or for one shopper, by whom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from shop_core.accounts.model import Role, User
from shop_core.accounts.services import about_shopper
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
    return _lines(
        session,
        (AuditEntry.territory_id == territory_id, AuditEntry.merchant_id == merchant_id),
        limit,
    )


def shopper_audit(session: Session, *, shopper: User, limit: int = 200) -> list[AuditLine]:
    """What the territory's operator did for a shopper (« commande assistée »: registered
    them, acted for them, gave them an e-mail, took or cancelled an order), newest first."""
    ids = about_shopper(shopper).with_only_columns(AuditEntry.id).order_by(None)
    return _lines(session, (AuditEntry.id.in_(ids),), limit)


def _lines(session: Session, where: tuple[ColumnElement[bool], ...], limit: int) -> list[AuditLine]:
    rows = session.execute(
        select(AuditEntry, User.full_name, User.role)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(*where)
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
