"""A shopper's own orders: the list, one order by reference, what can still be cancelled.

Every query takes the shopper's id and territory: an order reference typed by someone else
finds nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop_core.orders import lifecycle
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus, Order


@dataclass(frozen=True, slots=True)
class OrderPage:
    orders: list[Order]
    total: int


def orders_of_customer(
    session: Session, *, territory_id: int, user_id: int, limit: int = 20, offset: int = 0
) -> OrderPage:
    """The shopper's orders, newest first, with their merchant orders, merchants and pickup
    points."""
    where = (Order.territory_id == territory_id, Order.user_id == user_id)
    total = session.scalar(select(func.count(Order.id)).where(*where)) or 0
    orders: Sequence[Order] = session.scalars(
        select(Order)
        .where(*where)
        .options(
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.merchant),
            selectinload(Order.pickup_point),
        )
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return OrderPage(orders=list(orders), total=int(total))


def customer_order(
    session: Session, *, territory_id: int, user_id: int, reference: str
) -> Order | None:
    """One of the shopper's orders by reference, with lines, history and pickup point."""
    return session.scalar(
        select(Order)
        .where(
            Order.territory_id == territory_id,
            Order.user_id == user_id,
            Order.reference == reference,
        )
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).options(
                selectinload(MerchantOrder.merchant),
                selectinload(MerchantOrder.lines),
                selectinload(MerchantOrder.vat_lines),
                selectinload(MerchantOrder.history),
            ),
        )
    )


def order_for_request(session: Session, *, user_id: int, idempotency_key: str) -> Order | None:
    """The shopper's order created by a checkout request with this idempotency key."""
    return session.scalar(
        select(Order).where(Order.user_id == user_id, Order.idempotency_key == idempotency_key)
    )


def cancellable_parts(order: Order) -> list[MerchantOrder]:
    """The merchant orders that ``cancel_order`` would cancel now."""
    return [
        mo
        for mo in order.merchant_orders
        if lifecycle.can_move(mo.status, MerchantOrderStatus.CANCELLED)
    ]


#: Parts the shopper neither receives nor pays: refused, cancelled, or sent back unsold.
NOT_SERVED = frozenset(
    {MerchantOrderStatus.REFUSED, MerchantOrderStatus.CANCELLED, MerchantOrderStatus.RETURNED}
)


def served_parts(order: Order) -> list[MerchantOrder]:
    """The merchant orders still sold to the shopper (not refused, cancelled or sent back)."""
    return [mo for mo in order.merchant_orders if mo.status not in NOT_SERVED]
