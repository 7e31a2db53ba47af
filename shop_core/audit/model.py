"""Audit trail: who did what, for which merchant (assisted mode)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shop_core.persistence.base import Base, utcnow


class AuditEntry(Base):
    """One recorded act. ``merchant_id`` with an operator actor means "X for merchant Y"."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    merchant_id: Mapped[int | None] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), index=True
    )
    on_behalf: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(120), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
