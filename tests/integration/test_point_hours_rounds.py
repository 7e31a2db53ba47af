"""A pickup point's weekly hours bind the checkout and the rounds: nobody takes parcels in at
a closed town hall, so no order is placed for such a day, and a round leaves them there only
while it is open."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import StopKind
from delivery.planning import plan_day
from shop_core.database import Database
from shop_core.errors import PointClosedThen
from shop_core.territories.model import PickupPointHours

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import DISTANCES, SETTINGS, SYSTEM, add_fleet, order, stops_of_plan

PARIS = ZoneInfo("Europe/Paris")
WEDNESDAY = TUESDAY + dt.timedelta(days=1)


def open_on(db: Database, point_id: int, hours: dict[int, tuple[dt.time, dt.time]]) -> None:
    """The point's weekly hours become ``hours`` (weekday -> one window)."""
    with db.uow() as uow:
        uow.session.execute(
            delete(PickupPointHours).where(PickupPointHours.pickup_point_id == point_id)
        )
        for weekday, (opens, closes) in hours.items():
            uow.session.add(
                PickupPointHours(
                    pickup_point_id=point_id, weekday=weekday, opens=opens, closes=closes
                )
            )
        uow.commit()


# The Saint-Pol round runs from 8 h to 13 h.
LATE_MORNINGS = {day: (dt.time(10, 30), dt.time(12)) for day in range(5)}
NOT_TUESDAY = {day: window for day, window in LATE_MORNINGS.items() if day != 1}


def test_no_order_is_placed_for_a_day_the_point_is_closed(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    open_on(db, fleet.point_id, NOT_TUESDAY)

    with pytest.raises(PointClosedThen) as refused:
        order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)

    assert refused.value.params["opens"] == WEDNESDAY.isoformat()
    assert "il ouvre le 25/11/2026" in refused.value.message
    assert order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id, date=WEDNESDAY)
    open_on(db, fleet.point_id, {})  # no hours given: any day, as before hours existed
    assert order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)


def test_the_round_leaves_the_parcels_while_the_point_is_open(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    open_on(db, fleet.point_id, LATE_MORNINGS)
    order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)

    with db.uow() as uow:
        report = plan_day(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, actor=SYSTEM, now=NOW,
        )  # fmt: skip

    assert report.unplanned == ()
    (drop,) = [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER]
    opens = dt.datetime.combine(TUESDAY, dt.time(10, 30), tzinfo=PARIS)
    closes = dt.datetime.combine(TUESDAY, dt.time(12), tzinfo=PARIS)
    # Shown as the point's hours (was « 10 h 30 – 11 h 59 »: the latest start of service).
    assert (drop.window_start, drop.window_end) == (opens, closes)
    assert opens <= drop.expected_start <= closes - dt.timedelta(seconds=SETTINGS.point_per_order_s)


def test_an_order_for_a_day_the_point_no_longer_opens_is_reported_with_its_next_day(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)
    # The operator typed the town hall's hours since: closed on Tuesdays and Wednesdays.
    open_on(db, fleet.point_id, {d: w for d, w in LATE_MORNINGS.items() if d not in (1, 2)})

    with db.uow() as uow:
        report = plan_day(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, actor=SYSTEM, now=NOW,
        )  # fmt: skip

    (left,) = report.unplanned
    assert left.reason_code == "point_closed"
    assert "est fermé ce jour-là" in left.reason
    assert left.next_date == WEDNESDAY + dt.timedelta(days=1)  # rounds run on Wednesdays too
    assert not [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER]
