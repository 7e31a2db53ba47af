"""Parcels that go back to the shop: never collected at the pickup point, or not delivered.

A shopper who never comes to the pickup point, or whom the courier never finds at home,
would leave the parcels waiting for ever and the money of an order paid online held. The
operator ends it: the merchant orders still waiting at the point (*livrées* there) or
failed at the door (*livraison impossible*) become *retournées*, with the reason. The sale
is undone: an invoice already issued (a point's delivery completes the sale) is cancelled by
a credit note in the same transaction; what was paid online is refunded by
``payments.refunds.settle`` (``RETURNED`` is among the ``DROPPED`` states).

The parcels still have to travel back: a :class:`ParcelReturn` says where they are (the
pickup point, or the courier's depot after a failed delivery) until the merchant or the
operator confirms they are at the shop again (:func:`back_at_shop`; the operator's team
brings them, and the point's staff keeps them aside meanwhile: :func:`on_the_way_back`).
The merchant then decides whether the goods go on sale again (``put_back_on_sale``): fresh
bread does not, a jar of honey does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.audit.services import Actor, record
from shop_core.errors import NotFound, ValidationError
from shop_core.invoices.model import Invoice
from shop_core.invoices.services import credit_invoice
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    ParcelReturn,
    StatusChange,
)
from shop_core.orders.services import transition
from shop_core.payments.offline import mark_paid_if_settled
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork
from shop_core.stock.model import ReservationStatus, StockReservation
from shop_core.stock.services import release_for

S = MerchantOrderStatus

#: Where a parcel whose delivery failed waits: the courier brought it back.
DEPOT = "Au dépôt, avec le livreur"


def taken_from(point_name: str) -> str:
    """Where returned parcels a courier took back at a pickup point are (with the courier,
    or at the depot if the shop could not take them on that round), and where from."""
    return f"Avec le livreur, repris à : {point_name}"[:160]


def returnable(order: Order) -> list[MerchantOrder]:
    """The merchant orders of ``order`` that can go back to their shop: waiting at the
    pickup point, or whose delivery failed."""
    at_point = order.delivery_method is DeliveryMethod.PICKUP_POINT
    return [
        mo
        for mo in order.merchant_orders
        if mo.status is S.DELIVERY_FAILED or (at_point and mo.status is S.DELIVERED)
    ]


def failure_before_return(mo: MerchantOrder) -> StatusChange | None:
    """The courier's last failed delivery of ``mo`` when its parcels went back to the shop
    straight from it (None before a return, and for parcels sent back from the pickup point
    where they waited): the shopper may not have been told of it yet when the return's
    news comes, so that news tells both."""
    history = mo.history
    # *Retournée* is final: the return is the last change.
    if not history or history[-1].to_status is not S.RETURNED:
        return None
    if history[-1].from_status is not S.DELIVERY_FAILED:
        return None
    return next((c for c in reversed(history) if c.to_status is S.DELIVERY_FAILED), None)


@dataclass(frozen=True)
class FailedPart:
    merchant_order_id: int
    reference: str
    merchant: str
    parcels: int


@dataclass(frozen=True)
class FailedDelivery:
    """An order with parcels whose delivery failed: they wait for the next round."""

    order_id: int
    reference: str
    customer: str
    phone: str
    address: str
    next_date: dt.date
    failures: int
    """How many times a courier could not deliver it."""
    last_reason: str
    since: dt.datetime
    parts: tuple[FailedPart, ...]


def failed_deliveries(session: Session, *, territory_id: int) -> list[FailedDelivery]:
    """Every order of the territory with merchant orders in *livraison impossible*, the
    longest failing first."""
    orders = session.scalars(
        select(Order)
        .join(MerchantOrder, MerchantOrder.order_id == Order.id)
        .where(Order.territory_id == territory_id, MerchantOrder.status == S.DELIVERY_FAILED)
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.merchant),
            selectinload(Order.merchant_orders).selectinload(MerchantOrder.history),
        )
        .distinct()
    )
    found = []
    for order in orders:
        parts = [mo for mo in order.merchant_orders if mo.status is S.DELIVERY_FAILED]
        failures = sorted(
            (
                change
                for mo in parts
                for change in mo.history
                if change.to_status is S.DELIVERY_FAILED
            ),
            key=lambda change: change.at,
        )
        if order.delivery_method is DeliveryMethod.PICKUP_POINT and order.pickup_point:
            address = order.pickup_point.name
        else:
            address = f"{order.address_line1}, {order.postal_code} {order.city}"
        found.append(
            FailedDelivery(
                order_id=order.id,
                reference=order.reference,
                customer=order.recipient or order.customer_name,
                phone=order.customer_phone,
                address=address,
                next_date=order.delivery_date,
                failures=len({change.at for change in failures}),
                last_reason=failures[-1].reason if failures else "",
                since=failures[0].at if failures else order.placed_at,
                parts=tuple(
                    FailedPart(mo.id, mo.reference, mo.merchant.trade_name, mo.parcels)
                    for mo in parts
                ),
            )
        )
    return sorted(found, key=lambda f: (f.since, f.reference))


def return_to_merchant(
    *,
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
    commit: bool = True,
    only: Collection[int] | None = None,
) -> list[int]:
    """Send back to their shops the parcels of ``order_id`` waiting at its pickup point or
    failed at the door (``only`` those of these merchant orders: a shopper who refused part
    of a door's parcels keeps the rest); returns the ids of the merchant orders returned.

    Each becomes *retournée* with ``reason``; an invoice issued for it is cancelled by a
    credit note. Nothing is recorded when there is nothing to return or no reason. The
    caller settles the online payment afterwards (refund of what was paid).
    """
    now = now or utcnow()
    uow.lock_row(Order, order_id)  # a double click returns once
    order = uow.session.get(Order, order_id)
    if order is None or order.territory_id != territory_id:
        raise NotFound(what="Commande")
    if not reason.strip():
        raise ValidationError(
            "Indiquez pourquoi les colis retournent à la boutique.", field="reason"
        )
    # Its merchant orders too, before reading their state: a courier's tap at the door
    # that delivers one of them now either came first (nothing to return) or waits.
    uow.lock_rows(MerchantOrder, [mo.id for mo in order.merchant_orders])
    parts = [mo for mo in returnable(order) if only is None or mo.id in only]
    if not parts:
        raise ValidationError(
            "Cette commande n'a plus de colis en attente ou en échec de livraison : rien à "
            "retourner."
        )
    for mo in parts:
        point = order.pickup_point if mo.status is S.DELIVERED else None
        uow.session.add(
            ParcelReturn(
                merchant_order_id=mo.id,
                pickup_point_id=point.id if point else None,
                held_at=point.name[:160] if point else DEPOT,
                created_at=now,
            )
        )
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.RETURNED, actor=actor, reason=reason,
            now=now, commit=False,
        )  # fmt: skip
        invoice = uow.session.scalar(select(Invoice).where(Invoice.merchant_order_id == mo.id))
        if invoice is not None:
            credit_invoice(uow.session, invoice, reason=reason, issued_on=now.date())
    # A part paid by hand is no longer waited for: the order may be paid now.
    mark_paid_if_settled(uow.session, order)
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="order.returned_to_merchant",
        subject=order.reference,
        details={"merchant_orders": [mo.reference for mo in parts], "reason": reason.strip()},
    )
    if commit:
        uow.commit()
    return [mo.id for mo in parts]


@dataclass(frozen=True)
class ReturnToBring:
    """A returned merchant order's parcels not back at the shop yet: from where to where."""

    merchant_order_id: int
    reference: str
    merchant: str
    merchant_address: str
    merchant_phone: str
    parcels: int
    held_at: str
    pickup_point_id: int | None
    since: dt.datetime


def on_the_way_back(
    session: Session,
    *,
    territory_id: int,
    point_id: int | None = None,
    merchant_id: int | None = None,
) -> list[ReturnToBring]:
    """Returned parcels of the territory not back at their shop yet (only those waiting at
    ``point_id``, or only ``merchant_id``'s), the oldest first."""
    query = (
        select(ParcelReturn)
        .join(MerchantOrder, ParcelReturn.merchant_order_id == MerchantOrder.id)
        .join(Order, MerchantOrder.order_id == Order.id)
        .where(Order.territory_id == territory_id, ParcelReturn.back_at.is_(None))
        .options(selectinload(ParcelReturn.merchant_order).selectinload(MerchantOrder.merchant))
        .order_by(ParcelReturn.created_at, ParcelReturn.id)
    )
    if point_id is not None:
        query = query.where(ParcelReturn.pickup_point_id == point_id)
    if merchant_id is not None:
        query = query.where(MerchantOrder.merchant_id == merchant_id)
    found = []
    for parcel_return in session.scalars(query):
        mo = parcel_return.merchant_order
        shop = mo.merchant
        found.append(
            ReturnToBring(
                merchant_order_id=mo.id,
                reference=mo.reference,
                merchant=shop.trade_name,
                merchant_address=f"{shop.address}, {shop.postal_code} {shop.city}",
                merchant_phone=shop.phone,
                parcels=mo.parcels,
                held_at=parcel_return.held_at,
                pickup_point_id=parcel_return.pickup_point_id,
                since=parcel_return.created_at,
            )
        )
    return found


def parcel_return(session: Session, merchant_order_id: int) -> ParcelReturn | None:
    return session.scalar(
        select(ParcelReturn).where(ParcelReturn.merchant_order_id == merchant_order_id)
    )


def back_at_shop(
    *,
    uow: UnitOfWork,
    territory_id: int,
    merchant_order_id: int,
    actor: Actor,
    merchant_id: int | None = None,
    now: dt.datetime | None = None,
    commit: bool = True,
) -> None:
    """The returned parcels of a merchant order are at the shop again: said by its merchant
    (``merchant_id``), by the operator who brought them, or by the courier who gave them
    back on a round."""
    now = now or utcnow()
    uow.lock_row(MerchantOrder, merchant_order_id)  # a double click records it once
    mo = uow.session.get(MerchantOrder, merchant_order_id)
    if (
        mo is None
        or mo.order.territory_id != territory_id
        or (merchant_id is not None and mo.merchant_id != merchant_id)
    ):
        raise NotFound(what="Commande")
    way_back = parcel_return(uow.session, mo.id)
    if way_back is None:
        raise ValidationError("Ces colis ne sont pas en retour vers la boutique.")
    if way_back.back_at is not None:
        raise ValidationError("Ces colis sont déjà revenus à la boutique.")
    way_back.back_at, way_back.back_confirmed_by_id = now, actor.user_id
    record(
        uow.session,
        territory_id=territory_id,
        actor=actor,
        action="order.back_at_shop",
        subject=mo.reference,
        details={"from": way_back.held_at},
        merchant_id=mo.merchant_id,
    )
    if commit:
        uow.commit()


def taken_from_point(session: Session, merchant_order_id: int) -> ParcelReturn:
    """A courier took the returned parcels away from their pickup point: they are now with
    the courier (and at the depot, if the shop cannot take them on that round). The point's
    staff no longer keeps them aside."""
    way_back = parcel_return(session, merchant_order_id)
    if way_back is None or way_back.back_at is not None:
        raise ValidationError("Ces colis ne sont pas en retour vers la boutique.")
    way_back.pickup_point_id, way_back.held_at = None, taken_from(way_back.held_at)
    return way_back


def units_to_put_back(uow: UnitOfWork, merchant_order_id: int) -> int:
    """How many units of a returned merchant order can still go back on sale (0 when it is
    not returned, or when they are back already)."""
    mo = uow.session.get(MerchantOrder, merchant_order_id)
    if mo is None or mo.status is not S.RETURNED:
        return 0
    held = uow.session.scalars(
        select(StockReservation.quantity).where(
            StockReservation.merchant_order_id == merchant_order_id,
            StockReservation.status != ReservationStatus.RELEASED,
        )
    ).all()
    return sum(held)


def put_back_already(uow: UnitOfWork, merchant_order_id: int) -> bool:
    """Whether the goods of a returned merchant order were put back on sale (a returned
    order's reservations are released only by ``put_back_on_sale``)."""
    released = uow.session.scalar(
        select(StockReservation.id).where(
            StockReservation.merchant_order_id == merchant_order_id,
            StockReservation.status == ReservationStatus.RELEASED,
        )
    )
    return released is not None


def put_back_on_sale(
    *,
    uow: UnitOfWork,
    merchant_id: int,
    merchant_order_id: int,
    actor: Actor,
    now: dt.datetime | None = None,
    commit: bool = True,
) -> int:
    """The merchant puts the goods of a returned merchant order back in stock; returns the
    units given back (once: a second call gives back nothing)."""
    now = now or utcnow()
    uow.lock_row(MerchantOrder, merchant_order_id)
    mo = uow.session.get(MerchantOrder, merchant_order_id)
    if mo is None or mo.merchant_id != merchant_id:
        raise NotFound(what="Commande")
    if mo.status is not S.RETURNED:
        raise ValidationError(
            "Seule une commande retournée à la boutique peut être remise en vente."
        )
    units = release_for(uow.session, mo.id, now=now)
    if not units:
        raise ValidationError("Ces articles sont déjà remis en vente.")
    way_back = parcel_return(uow.session, mo.id)
    if way_back is not None and way_back.back_at is None:  # the goods are in the merchant's hands
        way_back.back_at, way_back.back_confirmed_by_id = now, actor.user_id
    record(
        uow.session,
        territory_id=mo.order.territory_id,
        actor=actor,
        action="order.put_back_on_sale",
        subject=mo.reference,
        details={"units": units},
        merchant_id=mo.merchant_id,
    )
    if commit:
        uow.commit()
    return units
