"""Parcels sent back to their shops, and the rounds that no longer carry them.

``shop_core.orders.returns`` undoes the sale; here the delivery stops still to do for those
parcels (an order whose delivery failed is already on a later round) are closed, so no
courier goes to the door for nothing. The days holding such stops are locked first, as for
the operator's other changes of a plan (``plan_state.lock_day``): a courier's tap on the
same stop waits, and then finds it closed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from delivery.model import RoundRun, Stop, StopStatus
from delivery.plan_state import lock_day
from shop_core.audit.services import Actor
from shop_core.orders import returns
from shop_core.orders.model import MerchantOrder
from shop_core.persistence.base import utcnow
from shop_core.persistence.uow import UnitOfWork

RETURNED_REASON = "Colis retourné à la boutique"


def _open_stops(uow: UnitOfWork, order_id: int) -> list[Stop]:
    return list(
        uow.session.scalars(
            select(Stop)
            .join(MerchantOrder, MerchantOrder.id == Stop.merchant_order_id)
            .where(MerchantOrder.order_id == order_id, Stop.status == StopStatus.TODO)
            .order_by(Stop.id)
        )
    )


def return_to_merchant(
    *,
    uow: UnitOfWork,
    territory_id: int,
    order_id: int,
    reason: str,
    actor: Actor,
    now: dt.datetime | None = None,
) -> list[int]:
    """Return the order's waiting or failed parcels to their shops (see
    ``shop_core.orders.returns.return_to_merchant``) and close the stops of rounds that
    were to deliver them; returns the merchant orders returned. One transaction."""
    now = now or utcnow()
    plans = uow.session.scalars(
        select(RoundRun.plan_id)
        .join(Stop, Stop.run_id == RoundRun.id)
        .join(MerchantOrder, MerchantOrder.id == Stop.merchant_order_id)
        .where(MerchantOrder.order_id == order_id, Stop.status == StopStatus.TODO)
        .distinct()
    ).all()
    for plan_id in sorted(plans):
        lock_day(uow, plan_id)
    returned = returns.return_to_merchant(
        uow=uow, territory_id=territory_id, order_id=order_id, reason=reason, actor=actor,
        now=now, commit=False,
    )  # fmt: skip
    for stop in _open_stops(uow, order_id):
        if stop.merchant_order_id in returned:
            stop.status, stop.reason = StopStatus.FAILED, RETURNED_REASON
    uow.commit()
    return returned
