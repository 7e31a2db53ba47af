"""When the courier should come to a shop: one window per visit, from the day's plan, for
the shop's own orders still to collect."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.collection_times import CollectionWindow, expected_collections
from delivery.model import Stop, StopKind
from delivery.planning import plan_day
from delivery.queries import window_around
from delivery.stops import collect
from shop_core.database import Database
from shop_core.orders.model import MerchantOrder
from shop_core.territories.model import Territory

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import (
    DISTANCES,
    SETTINGS,
    SYSTEM,
    add_fleet,
    make_ready,
    merchant_orders,
    order,
    stops_of_plan,
)


def plan(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        plan_day(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, actor=SYSTEM, now=NOW,
        )  # fmt: skip


def collections(
    db: Database, shop: Shop, merchant_id: int, today: dt.date = TUESDAY
) -> dict[int, CollectionWindow]:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        return expected_collections(
            uow.session, territory=territory, merchant_id=merchant_id, today=today
        )


def baker_order(db: Database, shop: Shop, oid: int) -> int:
    (mo,) = [mo for mo in merchant_orders(db, oid) if mo.merchant_id == shop.baker_id]
    return mo.id


def test_before_planning_no_collection_time_is_known(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})

    assert collections(db, shop, shop.baker_id) == {}


def test_the_shop_is_told_one_window_for_the_orders_taken_in_one_visit(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    home = baker_order(db, shop, order(db, shop, {shop.bread_id: 1}))
    point = baker_order(db, shop, order(db, shop, {shop.bread_id: 2}, point_id=fleet.point_id))
    plan(db, shop)
    visit = [
        s for s in stops_of_plan(db, shop.territory_id)
        if s.kind is StopKind.COLLECT and s.merchant_order_id in (home, point)
    ]  # fmt: skip
    visit.sort(key=lambda s: s.sequence)
    assert len(visit) == 2 and visit[0].run_id == visit[1].run_id  # collected together
    assert visit[1].sequence == visit[0].sequence + 1
    with db.uow() as uow:  # the second parcel taken at length after the first
        second = uow.session.get_one(Stop, visit[1].id)
        second.expected_start = visit[0].expected_start + dt.timedelta(minutes=40)
        uow.commit()

    found = collections(db, shop, shop.baker_id)

    first = visit[0]
    told = window_around(first.expected_start, opens=first.window_start, closes=first.window_end)
    assert found[home] == found[point]  # the visit's time, not each stop's
    assert (found[home].earliest, found[home].latest) == told
    assert found[home].earliest <= first.expected_start <= found[home].latest
    assert found[home].earliest.utcoffset() == dt.timedelta(hours=1)  # Paris in November


def test_only_the_merchants_own_orders_still_to_collect_are_told(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    make_ready(db, oid)
    plan(db, shop)
    farm = next(mo.id for mo in merchant_orders(db, oid) if mo.merchant_id == shop.farmer_id)
    baker = baker_order(db, shop, oid)

    assert set(collections(db, shop, shop.baker_id)) == {baker}
    with db.uow() as uow:
        (stop,) = uow.session.scalars(
            select(Stop).where(Stop.merchant_order_id == baker, Stop.kind == StopKind.COLLECT)
        )
        run = stop.run
        collect(uow=uow, territory_id=shop.territory_id, courier_id=run.courier_id,
                stop_id=stop.id, now=NOW + dt.timedelta(days=1), today=TUESDAY)  # fmt: skip
    assert collections(db, shop, shop.baker_id) == {}  # collected: nothing to wait for
    assert set(collections(db, shop, shop.farmer_id)) == {farm}


def test_a_past_day_or_a_postponed_order_is_not_told_an_old_time(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    baker = baker_order(db, shop, order(db, shop, {shop.bread_id: 1}))
    plan(db, shop)
    assert set(collections(db, shop, shop.baker_id)) == {baker}

    assert collections(db, shop, shop.baker_id, today=TUESDAY + dt.timedelta(days=1)) == {}
    with db.uow() as uow:  # moved to Wednesday, Tuesday's plan not redone yet
        mo = uow.session.get_one(MerchantOrder, baker)
        mo.order.delivery_date = TUESDAY + dt.timedelta(days=1)
        uow.commit()
    assert collections(db, shop, shop.baker_id) == {}
