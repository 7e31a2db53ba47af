"""A merchant's side of orders: what to prepare, by collection time, and weighing.

Every query here is scoped to one merchant: a merchant order of another merchant is
``NotFound``, exactly as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shop_core.audit.services import Actor, record
from shop_core.errors import InvalidTransition, NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    OrderLine,
    PaymentMethod,
)
from shop_core.orders.services import set_final_weight, transition
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.model import DeliverySlot

S = MerchantOrderStatus

#: Statuses the merchant still has work on (accept, prepare, hand over).
TO_PREPARE = (S.PLACED, S.PAID, S.ACCEPTED, S.PREPARING, S.READY)

#: Statuses in which final weights may be entered.
WEIGHABLE = (S.PAID, S.ACCEPTED, S.PREPARING)


@dataclass(slots=True)
class CollectionGroup:
    """Merchant orders that leave the shop together, on ``date``.

    ``collection``: the window in which the courier should come for them, once the day's
    rounds are planned (the orders of one visit). Before that, or for the orders no round
    took, ``method`` says how they leave: ``HOME`` (a courier's round, for ``slot``),
    ``PICKUP_POINT`` (a courier, to a pickup point); and ``CLICK_COLLECT`` orders are taken
    by their shoppers at the counter. ``method`` is None for a planned collection, which may
    take both home deliveries and pickup-point parcels.
    """

    date: dt.date
    method: DeliveryMethod | None
    slot: str | None
    orders: list[MerchantOrder] = field(default_factory=list)
    collection: tuple[dt.datetime, dt.datetime] | None = None

    @property
    def planned(self) -> bool:
        return self.collection is not None


#: Within a day: the planned collections by time, then what is not planned yet, then the
#: shoppers' pickups at the counter.
_METHOD_ORDER = {
    DeliveryMethod.HOME: 1,
    DeliveryMethod.PICKUP_POINT: 2,
    DeliveryMethod.CLICK_COLLECT: 3,
}


def _awaiting_payment(mo: MerchantOrder) -> bool:
    return mo.status is S.PLACED and mo.order.payment_method is PaymentMethod.ONLINE


GroupKey = tuple[dt.date, DeliveryMethod | None, str | None, dt.datetime | None, dt.datetime | None]


def orders_to_prepare(
    session: Session,
    *,
    merchant_id: int,
    collections: Mapping[int, tuple[dt.datetime, dt.datetime]] | None = None,
) -> list[CollectionGroup]:
    """Open merchant orders grouped by when they leave the shop, day by day: the courier's
    expected collection (``collections``, a window by merchant order id, from the day's
    plan) in time order, then by slot (in time order) or pickup point while not planned,
    then the shoppers' pickups at the counter.

    Online orders still waiting for their payment are left out: the merchant cannot accept
    them yet.
    """
    collections = collections or {}
    orders = session.scalars(
        select(MerchantOrder)
        .join(Order, Order.id == MerchantOrder.order_id)
        .where(MerchantOrder.merchant_id == merchant_id, MerchantOrder.status.in_(TO_PREPARE))
        .options(
            selectinload(MerchantOrder.order).selectinload(Order.pickup_point),
            selectinload(MerchantOrder.lines),
        )
        .order_by(Order.delivery_date, Order.delivery_slot, Order.placed_at, MerchantOrder.id)
    ).all()
    starts = _slot_starts(session, merchant_id)
    groups: dict[GroupKey, CollectionGroup] = {}
    for mo in orders:
        if _awaiting_payment(mo):
            continue
        order = mo.order
        by_courier = order.delivery_method is not DeliveryMethod.CLICK_COLLECT
        window = collections.get(mo.id) if by_courier else None
        if window is not None:
            key: GroupKey = (order.delivery_date, None, None, *window)
        else:
            slot = order.delivery_slot if order.delivery_method is DeliveryMethod.HOME else None
            key = (order.delivery_date, order.delivery_method, slot, None, None)
        group = groups.setdefault(key, CollectionGroup(key[0], key[1], key[2], collection=window))
        group.orders.append(mo)
    return sorted(groups.values(), key=lambda g: _in_time_order(g, starts))


def _in_time_order(
    group: CollectionGroup, starts: Mapping[str, dt.time]
) -> tuple[dt.date, int, dt.time, str]:
    if group.collection is not None:  # on the territory's clock, as the plan gives it
        return (group.date, 0, group.collection[0].time(), "")
    assert group.method is not None
    return (
        group.date,
        _METHOD_ORDER[group.method],
        starts.get(group.slot or "", dt.time.max),
        group.slot or "",
    )


def _slot_starts(session: Session, merchant_id: int) -> dict[str, dt.time]:
    """When each delivery slot of the merchant's territory starts, by slot code."""
    return {
        code: starts
        for code, starts in session.execute(
            select(DeliverySlot.code, DeliverySlot.starts)
            .join(Merchant, Merchant.territory_id == DeliverySlot.territory_id)
            .where(Merchant.id == merchant_id)
        )
    }


def status_counts(session: Session, *, merchant_id: int) -> dict[MerchantOrderStatus, int]:
    """How many of the merchant's orders are in each status still needing the merchant."""
    counts = dict.fromkeys(TO_PREPARE, 0)
    for status, count in session.execute(
        select(MerchantOrder.status, func.count())
        .where(MerchantOrder.merchant_id == merchant_id, MerchantOrder.status.in_(TO_PREPARE))
        .group_by(MerchantOrder.status)
    ):
        counts[MerchantOrderStatus(status)] = int(count)
    return counts


def recent_orders(session: Session, *, merchant_id: int, limit: int = 50) -> list[MerchantOrder]:
    """The merchant's latest orders, whatever their status, newest first."""
    return list(
        session.scalars(
            select(MerchantOrder)
            .where(MerchantOrder.merchant_id == merchant_id)
            .options(selectinload(MerchantOrder.order))
            .order_by(MerchantOrder.created_at.desc(), MerchantOrder.id.desc())
            .limit(limit)
        )
    )


def merchant_order(session: Session, *, merchant_id: int, merchant_order_id: int) -> MerchantOrder:
    """One merchant order of this merchant, with lines and history; ``NotFound`` otherwise."""
    mo = session.scalar(
        select(MerchantOrder)
        .where(MerchantOrder.id == merchant_order_id, MerchantOrder.merchant_id == merchant_id)
        .options(
            selectinload(MerchantOrder.order).selectinload(Order.pickup_point),
            selectinload(MerchantOrder.lines),
            selectinload(MerchantOrder.history),
        )
    )
    if mo is None:
        raise NotFound(what="Commande")
    return mo


def weight_bounds(line: OrderLine) -> tuple[int, int]:
    """The lowest and highest weight (grams) accepted for a sold-by-weight line."""
    est = line.estimated_weight_g or 0
    tol = line.weight_tolerance_pct
    return est * (100 - tol) // 100, -(-est * (100 + tol) // 100)


class WeightsRefused(ValidationError):
    """Some weights are missing or out of tolerance; ``by_line`` maps line ids to messages,
    ``parcels`` is the message on the number of parcels when it is wrong too.

    ``params["lines"]`` gives each line's message as values, for an application to word it
    again: ``what`` ("unweighed" or "out_of_tolerance"), ``product``, ``low`` and ``high``
    (grams) and, out of tolerance, ``weight``; ``params["max_parcels"]`` is set when the
    number of parcels is wrong.
    """

    code = "weights_refused"

    def __init__(
        self,
        by_line: dict[int, str],
        parcels: str = "",
        *,
        lines: dict[int, dict[str, Any]] | None = None,
        max_parcels: int | None = None,
    ) -> None:
        super().__init__(
            " ".join([*by_line.values(), parcels]).strip(),
            field="weight",
            lines=lines or {},
            max_parcels=max_parcels,
        )
        self.by_line = by_line
        self.parcels = parcels


MAX_PARCELS = 20
"""The most parcels one merchant order is said to make (a typo of 200 would fill a van)."""


def record_weights(
    *,
    uow: UnitOfWork,
    merchant_id: int,
    merchant_order_id: int,
    weights: Mapping[int, int | None],
    actor: Actor,
    then_ready: bool = False,
    parcels: int | None = None,
) -> None:
    """Enter the weighed weights of sold-by-weight lines and the number of ``parcels`` the
    order makes (None: unchanged), then optionally mark the order ready.

    Everything is checked before anything is written, and nothing changes when something
    is wrong: a weight out of tolerance (or, when ``then_ready``, one missing) raises
    :class:`WeightsRefused`, which also tells a number of parcels outside 1 to
    ``MAX_PARCELS``; such a number alone raises ``ValidationError`` (field ``parcels``).
    """
    wrong_parcels = ""
    if parcels is not None and not 1 <= parcels <= MAX_PARCELS:
        wrong_parcels = f"Indiquez un nombre de colis entre 1 et {MAX_PARCELS}."
    mo = merchant_order(uow.session, merchant_id=merchant_id, merchant_order_id=merchant_order_id)
    weighed = [ln for ln in mo.lines if ln.sold_by_weight]
    recount = parcels is not None and parcels != mo.parcels
    if (
        recount or any(weights.get(ln.id) is not None for ln in weighed)
    ) and mo.status not in WEIGHABLE:
        raise InvalidTransition(current=mo.status.value, target="pesée")
    problems: dict[int, str] = {}
    values: dict[int, dict[str, Any]] = {}
    changes: list[tuple[int, int]] = []
    for line in weighed:
        wanted = weights.get(line.id)
        weight = wanted if wanted is not None else line.final_weight_g
        low, high = weight_bounds(line)
        if weight is None:
            if then_ready:
                problems[line.id] = f"Pesez « {line.product_name} » ({low} à {high} g)."
                values[line.id] = {
                    "what": "unweighed",
                    "product": line.product_name,
                    "low": low,
                    "high": high,
                }
        elif not low <= weight <= high:
            problems[line.id] = (
                f"{weight} g est hors tolérance pour « {line.product_name} » : "
                f"entre {low} g et {high} g."
            )
            values[line.id] = {
                "what": "out_of_tolerance",
                "product": line.product_name,
                "weight": weight,
                "low": low,
                "high": high,
            }
        elif weight != line.final_weight_g:
            changes.append((line.id, weight))
    if problems:
        raise WeightsRefused(
            problems,
            parcels=wrong_parcels,
            lines=values,
            max_parcels=MAX_PARCELS if wrong_parcels else None,
        )
    if wrong_parcels:
        raise ValidationError(
            wrong_parcels, field="parcels", code="parcels_out_of_range", max=MAX_PARCELS
        )
    for line_id, weight in changes:
        set_final_weight(
            uow=uow, line_id=line_id, weight_g=weight, actor=actor, merchant_id=merchant_id
        )
    if recount and parcels is not None:
        record(
            uow.session,
            territory_id=mo.order.territory_id,
            actor=actor,
            action="order.parcels",
            subject=mo.reference,
            details={"from": mo.parcels, "to": parcels},
            merchant_id=mo.merchant_id,
        )
        mo.parcels = parcels
    if then_ready:
        transition(uow=uow, merchant_order_id=mo.id, target=S.READY, actor=actor)
    elif recount:
        uow.commit()
