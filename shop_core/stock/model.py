"""Stock reservations taken at checkout."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shop_core.persistence.base import Base, utcnow


class ReservationStatus(enum.StrEnum):
    ACTIVE = "active"  # held, may expire (online payment pending)
    COMMITTED = "committed"  # the sale stands; no expiry
    RELEASED = "released"  # given back to stock (cancel, refusal, expiry)


class StockReservation(Base):
    """Units taken from a product's stock for one merchant order."""

    __tablename__ = "stock_reservation"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    status: Mapped[ReservationStatus] = mapped_column(
        Enum(
            ReservationStatus,
            native_enum=False,
            length=12,
            values_callable=lambda e: [m.value for m in e],
        ),
        index=True,
    )
    expires_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    released_at: Mapped[dt.datetime | None]
