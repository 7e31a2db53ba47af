"""Orders a planned day will not deliver, moved to their next possible date."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import StopKind
from delivery.postponing import Kept, PostponeReport, postpone_unserved
from delivery.stops import collect
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.model import Order
from shop_core.orders.services import transition

from .at_once import at_once
from .conftest import TUESDAY, Shop
from .delivery_setup import add_fleet, make_ready, merchant_orders, order, stops_of_plan
from .test_delivery_stops import at, do, planned

OPERATOR = Actor.system()


def postpone(
    db: Database, shop: Shop, date: dt.date = TUESDAY, today: dt.date | None = None
) -> PostponeReport:
    with db.uow() as uow:
        return postpone_unserved(
            uow=uow, territory_id=shop.territory_id, date=date, actor=OPERATOR, today=today
        )


def date_of(db: Database, order_id: int) -> dt.date:
    with db.uow() as uow:
        found = uow.session.get(Order, order_id)
        assert found is not None
        return found.delivery_date


def test_a_day_not_planned_has_nothing_to_postpone(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    with pytest.raises(ValidationError, match="pas encore planifiée"):
        postpone(db, shop)


def test_an_order_whose_other_shop_is_on_the_van_stays_on_its_day(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    both = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = merchant_orders(db, both)
    with db.uow() as uow:  # the baker has the bread ready; the farmer only accepted
        for target in (S.ACCEPTED, S.READY):
            transition(uow=uow, merchant_order_id=bread.id, target=target, actor=OPERATOR)
        transition(uow=uow, merchant_order_id=apples.id, target=S.ACCEPTED, actor=OPERATOR)
    planned(db, shop)
    collects = {
        s.merchant_order_id: s for s in stops_of_plan(db, shop.territory_id)
        if s.kind is StopKind.COLLECT
    }  # fmt: skip
    do(collect, db, shop, fleet, collects[bread.id], now=at(9))
    do(collect, db, shop, fleet, collects[apples.id], leave_unready=True, now=at(9))

    report = postpone(db, shop)

    assert report.moved == ()
    assert report.kept == (
        Kept(
            merchant_orders(db, both)[0].order.reference,
            "Une autre boutique de cette commande est livrée ce jour-là : décidez avec le client.",
        ),
    )
    assert date_of(db, both) == TUESDAY


def test_only_orders_the_plan_left_behind_move_and_the_rest_stays(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    ready = order(db, shop, {shop.bread_id: 1})
    make_ready(db, ready)
    left = order(db, shop, {shop.cake_id: 1})  # same shop, not ready at the visit
    planned(db, shop)
    placed_after = order(db, shop, {shop.bread_id: 2})  # after the planning: to insert
    first = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT)
    do(collect, db, shop, fleet, first, leave_unready=True, now=at(9))

    report = postpone(db, shop)

    assert [(p.order_id, p.previous, p.date) for p in report.moved] == [
        (left, TUESDAY, TUESDAY + dt.timedelta(days=1))
    ]
    assert report.kept == ()
    assert (date_of(db, ready), date_of(db, left), date_of(db, placed_after)) == (
        TUESDAY, TUESDAY + dt.timedelta(days=1), TUESDAY,
    )  # fmt: skip
    assert postpone(db, shop).moved == ()  # done once


def test_a_day_gone_by_is_postponed_to_the_coming_days_not_to_another_past_one(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    left = order(db, shop, {shop.cake_id: 1})
    planned(db, shop)
    first = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT)
    do(collect, db, shop, fleet, first, leave_unready=True, now=at(9))

    thursday = TUESDAY + dt.timedelta(days=2)  # nobody acted on Tuesday
    report = postpone(db, shop, today=thursday)

    assert [p.date for p in report.moved] == [thursday + dt.timedelta(days=1)]
    assert date_of(db, left) == thursday + dt.timedelta(days=1)


def test_two_clicks_at_once_postpone_each_order_once(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    make_ready(db, order(db, shop, {shop.bread_id: 1}))
    unready = [order(db, shop, {shop.bread_id: 1}) for _ in range(3)]
    planned(db, shop)
    first = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT)
    do(collect, db, shop, fleet, first, leave_unready=True, now=at(9))  # left at the shop
    moved: list[int] = []

    def click() -> None:
        moved.extend(p.order_id for p in postpone(db, shop).moved)

    outcomes = at_once(click, click, click)

    assert outcomes == ["ok"] * 3
    assert sorted(moved) == sorted(unready)  # each moved by one click only
    with db.uow() as uow:
        redirects = select(func.count(AuditEntry.id)).where(AuditEntry.action == "order.redirect")
        assert uow.session.scalar(redirects) == len(unready)
