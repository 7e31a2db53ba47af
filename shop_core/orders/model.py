"""Orders: one per checkout, split into one merchant order per merchant."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.catalogue.model import Unit
from shop_core.merchants.model import Merchant
from shop_core.persistence.base import Base, utcnow
from shop_core.territories.model import PickupPoint
from shop_core.vat import VatRate


def _enum(e: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(e, native_enum=False, length=length, values_callable=lambda x: [m.value for m in x])


class DeliveryMethod(enum.StrEnum):
    HOME = "home"
    PICKUP_POINT = "pickup_point"
    CLICK_COLLECT = "click_collect"


class PaymentMethod(enum.StrEnum):
    OFFLINE = "offline"  # paid at delivery or pickup
    ONLINE = "online"


class PaymentStatus(enum.StrEnum):
    UNPAID = "unpaid"  # offline: to be paid at delivery/pickup
    PENDING = "pending"  # online: waiting for the payment provider
    PAID = "paid"
    FAILED = "failed"
    REFUNDED = "refunded"


class MerchantOrderStatus(enum.StrEnum):
    PLACED = "placed"
    PAID = "paid"
    ACCEPTED = "accepted"
    PREPARING = "preparing"
    READY = "ready"
    HANDED_TO_COURIER = "handed_to_courier"
    DELIVERED = "delivered"
    PICKED_UP = "picked_up"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    DELIVERY_FAILED = "delivery_failed"
    RETURNED = "returned"


STATUS_LABELS_FR: dict[MerchantOrderStatus, str] = {
    MerchantOrderStatus.PLACED: "Passée",
    MerchantOrderStatus.PAID: "Payée",
    MerchantOrderStatus.ACCEPTED: "Acceptée",
    MerchantOrderStatus.PREPARING: "En préparation",
    MerchantOrderStatus.READY: "Prête",
    MerchantOrderStatus.HANDED_TO_COURIER: "Remise au livreur",
    MerchantOrderStatus.DELIVERED: "Livrée",
    MerchantOrderStatus.PICKED_UP: "Retirée",
    MerchantOrderStatus.REFUSED: "Refusée",
    MerchantOrderStatus.CANCELLED: "Annulée",
    MerchantOrderStatus.DELIVERY_FAILED: "Échec de livraison",
    MerchantOrderStatus.RETURNED: "Retournée",
}


class Order(Base):
    """What a shopper checked out: delivery choice, address snapshot, totals."""

    __tablename__ = "shop_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    placed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    """The operator who took the order for the shopper (« commande assistée »), if any."""
    customer_name: Mapped[str] = mapped_column(String(120))
    customer_email: Mapped[str] = mapped_column(String(254))
    customer_phone: Mapped[str] = mapped_column(String(30), default="")
    delivery_method: Mapped[DeliveryMethod] = mapped_column(_enum(DeliveryMethod))
    delivery_date: Mapped[dt.date] = mapped_column(Date, index=True)
    delivery_slot: Mapped[str | None] = mapped_column(String(30))
    pickup_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickup_point.id", ondelete="SET NULL")
    )
    recipient: Mapped[str] = mapped_column(String(120), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(5), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    insee_code: Mapped[str | None] = mapped_column(String(5))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    address_approximate: Mapped[bool] = mapped_column(default=False)
    delivery_instructions: Mapped[str] = mapped_column(String(300), default="")
    delivery_code: Mapped[str] = mapped_column(String(6))
    payment_method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    payment_status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus))
    reservation_expires_at: Mapped[dt.datetime | None]
    total_excl_cents: Mapped[int]
    total_vat_cents: Mapped[int]
    total_incl_cents: Mapped[int]
    commission_cents: Mapped[int]
    placed_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    merchant_orders: Mapped[list[MerchantOrder]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="MerchantOrder.id"
    )
    pickup_point: Mapped[PickupPoint | None] = relationship()

    def vat_by_rate(self) -> dict[VatRate, tuple[int, int, int]]:
        """Per rate: (excl, VAT, incl) in cents, summed over the merchant orders."""
        result: dict[VatRate, tuple[int, int, int]] = {}
        for mo in self.merchant_orders:
            for v in mo.vat_lines:
                e, t, i = result.get(v.rate, (0, 0, 0))
                result[v.rate] = (e + v.excl_cents, t + v.vat_cents, i + v.incl_cents)
        return result


class MerchantOrder(Base):
    """The part of an order that one merchant prepares, and invoices."""

    __tablename__ = "merchant_order"
    __table_args__ = (UniqueConstraint("order_id", "merchant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("shop_order.id", ondelete="CASCADE"))
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="RESTRICT"), index=True
    )
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[MerchantOrderStatus] = mapped_column(_enum(MerchantOrderStatus), index=True)
    total_excl_cents: Mapped[int]
    total_vat_cents: Mapped[int]
    total_incl_cents: Mapped[int]
    commission_rate_bp: Mapped[int]
    commission_cents: Mapped[int]
    parcels: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship(back_populates="merchant_orders")
    merchant: Mapped[Merchant] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="merchant_order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    vat_lines: Mapped[list[MerchantOrderVat]] = relationship(
        cascade="all, delete-orphan", order_by="MerchantOrderVat.rate.desc()"
    )
    history: Mapped[list[StatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="StatusChange.id"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS_FR[self.status]


class OrderLine(Base):
    """A snapshot of a product at checkout: name, unit price and VAT never change after."""

    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="SET NULL"), index=True
    )
    product_name: Mapped[str] = mapped_column(String(140))
    unit: Mapped[Unit] = mapped_column(_enum(Unit, 10))
    unit_price_cents: Mapped[int]
    vat_rate: Mapped[VatRate]
    quantity: Mapped[int]
    sold_by_weight: Mapped[bool] = mapped_column(default=False)
    estimated_weight_g: Mapped[int | None]
    final_weight_g: Mapped[int | None]
    weight_tolerance_pct: Mapped[int] = mapped_column(default=15)
    total_incl_cents: Mapped[int]
    no_withdrawal: Mapped[bool] = mapped_column(default=False)

    merchant_order: Mapped[MerchantOrder] = relationship(back_populates="lines")


class MerchantOrderVat(Base):
    """VAT figures of one rate in one merchant order (see :mod:`shop_core.vat`)."""

    __tablename__ = "merchant_order_vat"
    __table_args__ = (UniqueConstraint("merchant_order_id", "rate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE")
    )
    rate: Mapped[VatRate]
    excl_cents: Mapped[int]
    vat_cents: Mapped[int]
    incl_cents: Mapped[int]


class StatusChange(Base):
    """One transition of a merchant order, with who did it (and for whom) and when."""

    __tablename__ = "status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[MerchantOrderStatus | None] = mapped_column(_enum(MerchantOrderStatus))
    to_status: Mapped[MerchantOrderStatus] = mapped_column(_enum(MerchantOrderStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    on_behalf: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(String(300), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ParcelReturn(Base):
    """The way back of a returned merchant order's parcels: where they were when the sale
    was undone (the pickup point, or the courier's depot after a failed delivery) and when
    they reached the shop again, confirmed by the merchant or the operator."""

    __tablename__ = "parcel_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), unique=True
    )
    pickup_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("pickup_point.id", ondelete="SET NULL"), index=True
    )
    """The point the parcels wait at; None: they are with the courier, at the depot."""
    held_at: Mapped[str] = mapped_column(String(160))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    back_at: Mapped[dt.datetime | None]
    back_confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    merchant_order: Mapped[MerchantOrder] = relationship()
    pickup_point: Mapped[PickupPoint | None] = relationship()
