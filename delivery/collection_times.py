"""When the courier should come to a shop to collect its orders, once the day is planned.

The merchant is told a window by the shopper's rule (:func:`delivery.queries.window_around`):
the time the courier's visit starts — its first stop, as several orders of the shop are taken
at once — give or take ``ARRIVAL_MARGIN``, widened to the quarter of an hour and kept within
the hours the plan collects in (the shop's opening hours).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, selectinload

from delivery.model import DayPlan, RoundRun, Stop, StopKind, StopStatus, territory_stops
from delivery.queries import window_around
from delivery.stops import visit_of
from shop_core.orders.model import MerchantOrder, Order
from shop_core.territories.model import Territory


@dataclass(frozen=True)
class CollectionWindow:
    """When the courier should come to the shop for an order, on the territory's clock."""

    earliest: dt.datetime
    latest: dt.datetime


def expected_collections(
    session: Session, *, territory: Territory, merchant_id: int, today: dt.date
) -> dict[int, CollectionWindow]:
    """When the courier should come for each of the merchant's orders still to collect on
    a planned day from ``today`` on, by merchant order id; an order no plan collects yet
    (its day not planned, or no round could take it) is not there."""
    stops = session.scalars(
        territory_stops(territory.id)
        .join(MerchantOrder, Stop.merchant_order_id == MerchantOrder.id)
        .join(Order, MerchantOrder.order_id == Order.id)
        .where(
            DayPlan.date >= today,
            # The plan of the order's day: one postponed since is collected on its new day.
            DayPlan.date == Order.delivery_date,
            MerchantOrder.merchant_id == merchant_id,
            Stop.kind == StopKind.COLLECT,
            Stop.status == StopStatus.TODO,
        )
        .options(
            selectinload(Stop.run).selectinload(RoundRun.stops).selectinload(Stop.merchant_order)
        )
    ).all()
    zone = ZoneInfo(territory.timezone)
    found: dict[int, CollectionWindow] = {}
    for stop in stops:
        # The visit's time: the shop's orders of one visit are taken together, and the
        # merchant is told one window for them.
        start = visit_of(stop)[0].expected_start
        earliest, latest = window_around(start, opens=stop.window_start, closes=stop.window_end)
        found[stop.merchant_order_id] = CollectionWindow(
            earliest.astimezone(zone), latest.astimezone(zone)
        )
    return found
