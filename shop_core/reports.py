"""Figures per ISO week: a merchant's sales and best sellers, a territory's indicators.

Weeks start on Monday at midnight in the territory's time zone. Each figure comes from one
aggregate query grouped by week: the week of a timestamp is a ``CASE`` over the week
boundaries (computed here, in UTC), which both SQLite and PostgreSQL evaluate the same way.
Refused and cancelled merchant orders count neither as orders nor as sales.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from shop_core.merchants.model import Merchant, MerchantStatus
from shop_core.orders.model import (
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    OrderLine,
    StatusChange,
)

#: Merchant orders that sold nothing: refused, cancelled, or sent back to the shop.
NOT_SALES = (
    MerchantOrderStatus.REFUSED,
    MerchantOrderStatus.CANCELLED,
    MerchantOrderStatus.RETURNED,
)


@dataclass(frozen=True, slots=True)
class Week:
    """An ISO week: its Monday, and year and number as ISO 8601 counts them."""

    start: dt.date

    @property
    def iso_year(self) -> int:
        return self.start.isocalendar().year

    @property
    def number(self) -> int:
        return self.start.isocalendar().week

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=6)


def last_weeks(today: dt.date, count: int = 8) -> list[Week]:
    """The ``count`` weeks up to the one containing ``today``, oldest first."""
    monday = today - dt.timedelta(days=today.weekday())
    return [Week(monday - dt.timedelta(weeks=n)) for n in range(count - 1, -1, -1)]


def _bounds(weeks: list[Week], timezone: str) -> list[dt.datetime]:
    """Each week's start, then the end of the last one, as UTC instants."""
    tz = ZoneInfo(timezone)
    days = [w.start for w in weeks] + [weeks[-1].start + dt.timedelta(weeks=1)]
    return [dt.datetime.combine(d, dt.time(0), tzinfo=tz).astimezone(dt.UTC) for d in days]


def _week_index(column: Any, bounds: list[dt.datetime]) -> ColumnElement[int]:
    """0 for the oldest week … n-1 for the newest (rows outside are filtered out)."""
    whens = [(column >= bounds[i], i) for i in range(len(bounds) - 2, 0, -1)]
    return case(*whens, else_=0)


@dataclass(frozen=True, slots=True)
class BestSeller:
    name: str
    quantity: int
    revenue_cents: int


@dataclass(slots=True)
class MerchantWeek:
    """A merchant's week: merchant orders, sales including VAT, best sellers."""

    week: Week
    orders: int = 0
    revenue_cents: int = 0
    best_sellers: list[BestSeller] = field(default_factory=list)


def merchant_weekly_stats(
    session: Session,
    *,
    merchant_id: int,
    today: dt.date,
    timezone: str = "Europe/Paris",
    weeks: int = 8,
    top: int = 3,
) -> list[MerchantWeek]:
    """Orders, revenue and the ``top`` best sellers (by revenue) of each of the last weeks."""
    span = last_weeks(today, weeks)
    bounds = _bounds(span, timezone)
    result = [MerchantWeek(w) for w in span]
    in_range = (
        MerchantOrder.merchant_id == merchant_id,
        MerchantOrder.status.not_in(NOT_SALES),
        MerchantOrder.created_at >= bounds[0],
        MerchantOrder.created_at < bounds[-1],
    )
    totals = (
        select(
            _week_index(MerchantOrder.created_at, bounds).label("week"),
            MerchantOrder.total_incl_cents.label("total"),
        )
        .where(*in_range)
        .subquery()
    )
    for week, count, revenue in session.execute(
        select(totals.c.week, func.count(), func.sum(totals.c.total)).group_by(totals.c.week)
    ):
        result[week].orders = int(count)
        result[week].revenue_cents = int(revenue or 0)
    lines = (
        select(
            _week_index(MerchantOrder.created_at, bounds).label("week"),
            OrderLine.product_name.label("name"),
            OrderLine.quantity.label("quantity"),
            OrderLine.total_incl_cents.label("total"),
        )
        .join(MerchantOrder, MerchantOrder.id == OrderLine.merchant_order_id)
        .where(*in_range)
        .subquery()
    )
    sellers: dict[int, list[BestSeller]] = defaultdict(list)
    for week, name, quantity, revenue in session.execute(
        select(
            lines.c.week, lines.c.name, func.sum(lines.c.quantity), func.sum(lines.c.total)
        ).group_by(lines.c.week, lines.c.name)
    ):
        sellers[week].append(BestSeller(str(name), int(quantity or 0), int(revenue or 0)))
    for week, found in sellers.items():
        found.sort(key=lambda s: (-s.revenue_cents, -s.quantity, s.name))
        result[week].best_sellers = found[:top]
    return result


@dataclass(slots=True)
class TerritoryWeek:
    """A territory's week: orders, sales including VAT, commission, deliveries done."""

    week: Week
    orders: int = 0
    sales_cents: int = 0
    commission_cents: int = 0
    deliveries: int = 0


def territory_weekly_kpis(
    session: Session,
    *,
    territory_id: int,
    today: dt.date,
    timezone: str = "Europe/Paris",
    weeks: int = 8,
) -> list[TerritoryWeek]:
    """The operator's indicators for each of the last ``weeks`` weeks, oldest first.

    A delivery is an order (one stop) that reached the *delivered* status in the week.
    """
    span = last_weeks(today, weeks)
    bounds = _bounds(span, timezone)
    result = [TerritoryWeek(w) for w in span]
    sales = (
        select(
            _week_index(Order.placed_at, bounds).label("week"),
            Order.id.label("order_id"),
            MerchantOrder.total_incl_cents.label("total"),
            MerchantOrder.commission_cents.label("commission"),
        )
        .join(MerchantOrder, MerchantOrder.order_id == Order.id)
        .where(
            Order.territory_id == territory_id,
            MerchantOrder.status.not_in(NOT_SALES),
            Order.placed_at >= bounds[0],
            Order.placed_at < bounds[-1],
        )
        .subquery()
    )
    for week, orders, total, commission in session.execute(
        select(
            sales.c.week,
            func.count(sales.c.order_id.distinct()),
            func.sum(sales.c.total),
            func.sum(sales.c.commission),
        ).group_by(sales.c.week)
    ):
        row = result[week]
        row.orders, row.sales_cents = int(orders), int(total or 0)
        row.commission_cents = int(commission or 0)
    done = (
        select(
            _week_index(StatusChange.at, bounds).label("week"),
            MerchantOrder.order_id.label("order_id"),
        )
        .join(MerchantOrder, MerchantOrder.id == StatusChange.merchant_order_id)
        .join(Order, Order.id == MerchantOrder.order_id)
        .where(
            Order.territory_id == territory_id,
            StatusChange.to_status == MerchantOrderStatus.DELIVERED,
            StatusChange.at >= bounds[0],
            StatusChange.at < bounds[-1],
        )
        .subquery()
    )
    for week, count in session.execute(
        select(done.c.week, func.count(done.c.order_id.distinct())).group_by(done.c.week)
    ):
        result[week].deliveries = int(count)
    return result


def merchant_counts(session: Session, *, territory_id: int) -> dict[MerchantStatus, int]:
    """How many merchants of the territory are pending, active, suspended."""
    counts = dict.fromkeys(MerchantStatus, 0)
    for status, count in session.execute(
        select(Merchant.status, func.count())
        .where(Merchant.territory_id == territory_id)
        .group_by(Merchant.status)
    ):
        counts[MerchantStatus(status)] = int(count)
    return counts
