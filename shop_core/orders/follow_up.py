"""One order of the territory as the operator follows it up when a shopper phones (« where
is my order? »): every shop's part with its lines and history, who did each step, what was
taken by hand and by whom, what was refunded, and where returned parcels are.

Everything is loaded in a fixed number of queries, whatever the number of shops, lines or
steps: the order with its parts, then one query per kind of record, for all the parts at
once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.accounts.model import Role, User
from shop_core.orders.model import MerchantOrder, Order, ParcelReturn
from shop_core.payments.model import OfflinePayment, OnlinePayment, PaymentRefund


@dataclass(frozen=True)
class Person:
    """Someone who did a step of the order: their name and role (a merchant's staff, a
    courier, the operator…)."""

    name: str
    role: Role


@dataclass(frozen=True)
class OrderFollowUp:
    """An order and what happened to it, by merchant order id."""

    order: Order
    people: dict[int, Person]
    """Who did what, by user id (steps, payments taken, returns confirmed, refunds)."""
    hand_payments: dict[int, OfflinePayment] = field(default_factory=dict)
    online_payment: OnlinePayment | None = None
    refunds: dict[int, list[PaymentRefund]] = field(default_factory=dict)
    returns: dict[int, ParcelReturn] = field(default_factory=dict)


def territory_order(session: Session, *, territory_id: int, reference: str) -> Order | None:
    """The territory's order with this reference, its parts, shops, lines and history
    (None for another territory's, or an unknown reference)."""
    return session.scalar(
        select(Order)
        .where(Order.territory_id == territory_id, Order.reference == reference.strip())
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).options(
                selectinload(MerchantOrder.merchant),
                selectinload(MerchantOrder.lines),
                selectinload(MerchantOrder.history),
            ),
        )
    )


def follow_up(session: Session, *, territory_id: int, reference: str) -> OrderFollowUp | None:
    """The order with this reference in the territory and what happened to it; None when
    there is none."""
    order = territory_order(session, territory_id=territory_id, reference=reference)
    if order is None:
        return None
    ids = [mo.id for mo in order.merchant_orders]
    hand = session.scalars(select(OfflinePayment).where(OfflinePayment.merchant_order_id.in_(ids)))
    hand_payments = {p.merchant_order_id: p for p in hand}
    online = session.scalar(select(OnlinePayment).where(OnlinePayment.order_id == order.id))
    refunds: dict[int, list[PaymentRefund]] = defaultdict(list)
    for refund in session.scalars(
        select(PaymentRefund)
        .where(PaymentRefund.merchant_order_id.in_(ids))
        .order_by(PaymentRefund.created_at, PaymentRefund.id)
    ):
        refunds[refund.merchant_order_id].append(refund)
    returns = {
        r.merchant_order_id: r
        for r in session.scalars(
            select(ParcelReturn).where(ParcelReturn.merchant_order_id.in_(ids))
        )
    }
    who = {order.placed_by_id}
    who |= {change.actor_id for mo in order.merchant_orders for change in mo.history}
    who |= {p.received_by_id for p in hand_payments.values()}
    who |= {p.handed_in_to_id for p in hand_payments.values()}
    who |= {r.actor_id for rs in refunds.values() for r in rs}
    who |= {r.back_confirmed_by_id for r in returns.values()}
    wanted = sorted(i for i in who if i is not None)
    people = {}
    if wanted:
        rows = session.execute(
            select(User.id, User.full_name, User.role).where(User.id.in_(wanted))
        )
        people = {uid: Person(name, role) for uid, name, role in rows}
    return OrderFollowUp(
        order=order,
        people=people,
        hand_payments=hand_payments,
        online_payment=online,
        refunds=dict(refunds),
        returns=returns,
    )
