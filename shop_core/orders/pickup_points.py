"""Parcels waiting at pickup points (town hall, tiers-lieu), and handing them to the shopper.

The courier drops an order's parcels at its pickup point (merchant orders *livrées*); the
shopper comes with the delivery code of the confirmation and, for an order paid on
pickup, pays there. Whoever hands the parcels over (the operator's team, the point's
staff) records it: the merchant orders become *retirées*, each with its payment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
)
from shop_core.orders.services import transition
from shop_core.payments.model import PaymentMeans, Receiver
from shop_core.payments.offline import check_hand_over, payments_for, take_payment, to_take
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

S = MerchantOrderStatus


@dataclass(frozen=True)
class WaitingPart:
    reference: str
    merchant: str
    parcels: int


@dataclass(frozen=True)
class WaitingOrder:
    """An order whose parcels wait at a pickup point (those of its shops already there)."""

    order_id: int
    reference: str
    customer: str
    phone: str
    point_id: int
    point_name: str
    since: dt.datetime
    parts: tuple[WaitingPart, ...]
    to_pay_cents: int
    """What the shopper pays at the point: the parts paid on pickup not paid yet."""

    @property
    def parcels(self) -> int:
        return sum(part.parcels for part in self.parts)


def _waiting(order: Order) -> list[MerchantOrder]:
    if order.delivery_method is not DeliveryMethod.PICKUP_POINT:
        return []
    return [mo for mo in order.merchant_orders if mo.status is S.DELIVERED]


def _arrived(mo: MerchantOrder) -> dt.datetime:
    moves = [change.at for change in mo.history if change.to_status is S.DELIVERED]
    return max(moves) if moves else mo.updated_at


def to_pay_at_point(session: Session, order: Order) -> int:
    """What the shopper pays when collecting the parcels of ``order`` waiting at its point."""
    parts = _waiting(order)
    paid = payments_for(session, (mo.id for mo in parts))
    return sum(to_take(mo) for mo in parts if mo.id not in paid)


#: Merchant orders not yet handed to the shopper: on their way to the point, or there. A
#: failed delivery counts: its parcels go to the point again with a later round.
_STILL_FOR_THE_POINT = (
    S.PLACED, S.PAID, S.ACCEPTED, S.PREPARING, S.READY, S.HANDED_TO_COURIER,
    S.DELIVERY_FAILED, S.DELIVERED,
)  # fmt: skip


def orders_for_point(session: Session, *, territory_id: int, point_id: int) -> int:
    """How many orders the point has still to hand over: on their way there or waiting.

    Closing a point does not move them: they are delivered and handed over there."""
    found = session.scalar(
        select(func.count(distinct(Order.id)))
        .join(MerchantOrder, MerchantOrder.order_id == Order.id)
        .where(
            Order.territory_id == territory_id,
            Order.pickup_point_id == point_id,
            Order.delivery_method == DeliveryMethod.PICKUP_POINT,
            MerchantOrder.status.in_(_STILL_FOR_THE_POINT),
        )
    )
    return int(found or 0)


def waiting_at_points(
    session: Session, *, territory_id: int, point_id: int | None = None
) -> list[WaitingOrder]:
    """Every order of the territory with parcels waiting at a pickup point (or at the one
    ``point_id``), by point, the longest waiting first."""
    query = select(Order).join(MerchantOrder, MerchantOrder.order_id == Order.id)
    if point_id is not None:
        query = query.where(Order.pickup_point_id == point_id)
    orders = session.scalars(
        query.where(
            Order.territory_id == territory_id,
            Order.delivery_method == DeliveryMethod.PICKUP_POINT,
            MerchantOrder.status == S.DELIVERED,
        )
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.merchant),
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.history),
        )
        .distinct()
    )
    found = [(order, _waiting(order)) for order in orders]
    paid = payments_for(session, (mo.id for _, parts in found for mo in parts))
    waiting = [
        WaitingOrder(
            order_id=order.id,
            reference=order.reference,
            customer=order.recipient or order.customer_name,
            phone=order.customer_phone,
            point_id=order.pickup_point_id or 0,
            point_name=order.pickup_point.name if order.pickup_point else "",
            since=min(_arrived(mo) for mo in parts),
            parts=tuple(
                WaitingPart(mo.reference, mo.merchant.trade_name, mo.parcels) for mo in parts
            ),
            to_pay_cents=sum(to_take(mo) for mo in parts if mo.id not in paid),
        )
        for order, parts in found
        if parts
    ]
    return sorted(waiting, key=lambda w: (w.point_name, w.since, w.reference))


def hand_over_at_point(
    *,
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    code: str,
    means: PaymentMeans | None,
    actor: Actor,
    now: dt.datetime | None = None,
    point_id: int | None = None,
) -> int:
    """The shopper collects the order's parcels waiting at its pickup point, against the
    delivery code and, if it is paid on pickup, its payment (``means``), which the person
    handing over keeps for the operator. Returns how many merchant orders were handed over;
    nothing is recorded when the code or the means is missing. With ``point_id`` (the
    point's own staff), only an order for that point can be handed over, and the money
    stays at the point until the operator collects it (``payments.offline.hand_in_point``);
    the operator's team hold it at once."""
    now = now or utcnow()
    uow.lock_row(Order, order_id)  # a double click hands over once
    order = uow.session.get(Order, order_id)
    if order is None or order.territory_id != territory_id:
        raise NotFound(what="Commande")
    if point_id is not None and order.pickup_point_id != point_id:
        raise NotFound(what="Commande")
    parts = _waiting(order)
    if not parts:
        raise ValidationError("Cette commande n'attend plus au point de retrait.")
    checked = check_hand_over([order], code, parts, means)
    to_pay = to_pay_at_point(uow.session, order)
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="order.picked_up_at_point",
        subject=order.reference,
        details={"amount_cents": to_pay, "means": means.value if means and to_pay else ""},
    )
    for mo in parts:
        take_payment(
            uow.session, merchant_order=mo, means=means, actor=actor, now=now,
            receiver=Receiver.PLATFORM if point_id is None else Receiver.POINT,
        )  # fmt: skip
    for mo in parts:
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.PICKED_UP, actor=actor, now=now,
            commit=False, checked=checked,
        )  # fmt: skip
    uow.commit()  # every part at once, with the payments
    return len(parts)
