"""The books of online payments: for every order, captured − refunded = transfers + commission.

``transfers`` is what the merchants keep (planned transfers net of reversals) and
``commission`` what the platform keeps (commission net of the part given up by refunds).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop_core.orders.model import MerchantOrder, Order
from shop_core.payments.model import (
    MerchantTransfer,
    OnlinePayment,
    PaymentRefund,
    RefundStatus,
    TransferStatus,
)


@dataclass(frozen=True, slots=True)
class OrderBalance:
    """One order's online money, in cents."""

    order_id: int
    reference: str
    payment_status: str
    captured_cents: int
    refunded_cents: int
    transfers_cents: int
    commission_cents: int
    sent_cents: int
    pending_transfers: int

    @property
    def balanced(self) -> bool:
        """Captured − refunded = transfers + commission, to the cent."""
        return (
            self.captured_cents - self.refunded_cents
            == self.transfers_cents + self.commission_cents
        )


def _balance(session: Session, payment: OnlinePayment) -> OrderBalance:
    order = payment.order
    mo_ids = [mo.id for mo in order.merchant_orders]
    transfers = session.scalars(
        select(MerchantTransfer).where(MerchantTransfer.merchant_order_id.in_(mo_ids))
    ).all()
    refunds = [
        r
        for r in session.scalars(
            select(PaymentRefund).where(PaymentRefund.merchant_order_id.in_(mo_ids))
        ).all()
        if r.status is not RefundStatus.FAILED
    ]
    return OrderBalance(
        order_id=order.id,
        reference=order.reference,
        payment_status=payment.status.value,
        captured_cents=payment.amount_captured_cents,
        refunded_cents=sum(r.amount_cents for r in refunds),
        transfers_cents=sum(t.amount_cents for t in transfers)
        - sum(r.reversal_cents for r in refunds),
        commission_cents=sum(t.commission_cents for t in transfers)
        - sum(r.commission_cents for r in refunds),
        sent_cents=sum(t.sent_amount_cents for t in transfers if t.status is TransferStatus.SENT),
        pending_transfers=sum(1 for t in transfers if t.status is not TransferStatus.SENT),
    )


def order_balance(session: Session, order_id: int) -> OrderBalance | None:
    """The balance of one order paid online (``None`` for offline orders)."""
    payment = session.scalar(select(OnlinePayment).where(OnlinePayment.order_id == order_id))
    return None if payment is None else _balance(session, payment)


def territory_balances(session: Session, territory_id: int, limit: int = 200) -> list[OrderBalance]:
    """The balances of a territory's online orders, newest first."""
    payments = session.scalars(
        select(OnlinePayment)
        .join(Order, Order.id == OnlinePayment.order_id)
        .where(Order.territory_id == territory_id)
        .order_by(OnlinePayment.id.desc())
        .limit(limit)
    ).all()
    return [_balance(session, p) for p in payments]


def merchant_transfers(
    session: Session, merchant_id: int, limit: int = 100
) -> list[MerchantTransfer]:
    """A merchant's transfers, newest first."""
    return list(
        session.scalars(
            select(MerchantTransfer)
            .join(MerchantOrder, MerchantOrder.id == MerchantTransfer.merchant_order_id)
            .where(MerchantTransfer.merchant_id == merchant_id)
            .order_by(MerchantTransfer.id.desc())
            .limit(limit)
        ).all()
    )


def territory_transfers(
    session: Session, territory_id: int, limit: int = 200
) -> list[MerchantTransfer]:
    """The transfers to a territory's merchants, newest first (with their merchant order)."""
    return list(
        session.scalars(
            select(MerchantTransfer)
            .join(MerchantOrder, MerchantOrder.id == MerchantTransfer.merchant_order_id)
            .join(Order, Order.id == MerchantOrder.order_id)
            .where(Order.territory_id == territory_id)
            .order_by(MerchantTransfer.id.desc())
            .limit(limit)
        ).all()
    )
