"""Online payment records: one payment per order, one transfer per merchant order, refunds,
merchants' connected accounts and the provider's events (each stored once).

Amounts are integer cents. For every order paid online the books balance:
captured − refunded = transfers (net of reversals) + commission (net of refunds); see
:mod:`shop_core.payments.reconciliation`.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop_core.orders.model import MerchantOrder, Order
from shop_core.persistence.base import Base, utcnow


def _enum(e: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(e, native_enum=False, length=length, values_callable=lambda x: [m.value for m in x])


class OnlinePaymentStatus(enum.StrEnum):
    OPEN = "open"  # checkout page created, shopper not done yet
    AUTHORIZED = "authorized"  # manual capture: amount held, captured after weighing
    CAPTURED = "captured"
    FAILED = "failed"
    EXPIRED = "expired"
    REFUNDED = "refunded"  # given back in full (e.g. the stock ran out meanwhile)
    RELEASED = "released"  # an authorisation given back without capture


class TransferStatus(enum.StrEnum):
    PENDING = "pending"  # planned; sent when the merchant's account can receive it
    SENT = "sent"
    FAILED = "failed"


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AccountStatus(enum.StrEnum):
    PENDING = "pending"  # onboarding not finished
    ACTIVE = "active"  # can receive transfers
    RESTRICTED = "restricted"  # the provider needs more information


class EventStatus(enum.StrEnum):
    PROCESSED = "processed"
    IGNORED = "ignored"
    FAILED = "failed"


class OnlinePayment(Base):
    """The shopper's single payment for an order (a hosted checkout session)."""

    __tablename__ = "online_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("shop_order.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    checkout_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str] = mapped_column(String(1000), default="")
    payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    charge_id: Mapped[str | None] = mapped_column(String(255))
    manual_capture: Mapped[bool] = mapped_column(default=False)
    status: Mapped[OnlinePaymentStatus] = mapped_column(_enum(OnlinePaymentStatus))
    amount_requested_cents: Mapped[int]
    amount_captured_cents: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=1)
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    order: Mapped[Order] = relationship()


class MerchantTransfer(Base):
    """What one merchant order earns its merchant: its total minus the commission."""

    __tablename__ = "merchant_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), unique=True
    )
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int]
    commission_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    provider_transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    sent_amount_cents: Mapped[int] = mapped_column(default=0)
    status: Mapped[TransferStatus] = mapped_column(_enum(TransferStatus))
    note: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    merchant_order: Mapped[MerchantOrder] = relationship()


class PaymentRefund(Base):
    """Money given back for one merchant order, with the merchant's and platform's shares."""

    __tablename__ = "payment_refund"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), index=True
    )
    amount_cents: Mapped[int]
    #: Taken back from the merchant's transfer (reversal, or less sent if not sent yet).
    reversal_cents: Mapped[int]
    #: The commission the platform gives up.
    commission_cents: Mapped[int]
    reason: Mapped[str] = mapped_column(String(300), default="")
    automatic: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RefundStatus] = mapped_column(_enum(RefundStatus))
    provider_refund_id: Mapped[str | None] = mapped_column(String(255))
    provider_reversal_id: Mapped[str | None] = mapped_column(String(255))
    #: The merchant's share was taken back: reversed, or deducted before the transfer left.
    reversal_done: Mapped[bool] = mapped_column(default=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    merchant_order: Mapped[MerchantOrder] = relationship()


class MerchantPaymentAccount(Base):
    """A merchant's connected account at the payment provider."""

    __tablename__ = "merchant_payment_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="CASCADE"), unique=True
    )
    provider_account_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[AccountStatus] = mapped_column(_enum(AccountStatus))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentEvent(Base):
    """A provider event, stored once per id in the transaction that applies it."""

    __tablename__ = "payment_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    object_id: Mapped[str] = mapped_column(String(255), default="")
    payload: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus))
    error: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(default=1)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[dt.datetime | None]


class PaymentMeans(enum.StrEnum):
    CASH = "cash"
    CHEQUE = "cheque"


class Receiver(enum.StrEnum):
    """Who took a payment by hand, and so who holds the money."""

    COURIER = "courier"  # holds it until the operator confirms the hand-in
    PLATFORM = "platform"  # the operator's team (at a pickup point): the platform holds it
    SHOP = "shop"  # the merchant, in the shop: the shop keeps it
    POINT = "point"  # a pickup point's staff: holds it until the operator collects it


class OfflinePayment(Base):
    """What the shopper paid by hand for one merchant order (an order paid on delivery or at
    pickup): who took it, how, and when it was handed in to the operator who pays the shops.

    Money taken by the operator's team or by the merchant is in the right hands at once:
    ``handed_in_at`` is set when it is taken. A courier, or a pickup point's staff, holds it
    until the operator confirms receiving it."""

    __tablename__ = "offline_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_order_id: Mapped[int] = mapped_column(
        ForeignKey("merchant_order.id", ondelete="CASCADE"), unique=True
    )
    amount_cents: Mapped[int]
    means: Mapped[PaymentMeans] = mapped_column(_enum(PaymentMeans))
    receiver: Mapped[Receiver] = mapped_column(_enum(Receiver))
    received_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Who holds it now: the courier or the point until the operator confirms the hand-in.
    handed_in_at: Mapped[dt.datetime | None]
    handed_in_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )

    merchant_order: Mapped[MerchantOrder] = relationship()


class ShopPayout(Base):
    """The operator settled a shop's balance of orders paid by hand for a month: paid the
    shop what the platform held for it, or received the commission the shop owed
    (negative amount). Several may follow one another when late payments change the
    balance."""

    __tablename__ = "shop_payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    merchant_id: Mapped[int] = mapped_column(
        ForeignKey("merchant.id", ondelete="RESTRICT"), index=True
    )
    month: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int]
    paid_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    paid_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
