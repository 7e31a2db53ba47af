"""What a courier may record at a stop: a parcel refused at the door goes back to its shop,
never on the next round; a run of a day still to come is only to look at."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.model import Stop, StopKind, StopStatus
from delivery.stops import (
    AfterFailure,
    AlreadyRecorded,
    NotYetItsDay,
    after_failure_choices,
    bring_back,
    collect,
    deliver,
    fail,
    return_failed,
    take_back,
)
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrderStatus, Order, StatusChange
from shop_core.orders.returns import DEPOT, parcel_return
from shop_core.payments.model import PaymentMeans

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import add_fleet, make_ready, merchant_orders, order, stops_of_plan
from .test_delivery_stops import at, code_of, do, one_order, planned, status
from .test_return_trips import return_stops, returned_at_point

S = MerchantOrderStatus
MONDAY = TUESDAY - dt.timedelta(days=1)
REFUSED = "Colis refusé par le client"


def test_a_refused_parcel_may_only_go_back_to_its_shop() -> None:
    assert after_failure_choices(refused=True) == (AfterFailure.RETURN_TO_SHOP,)
    assert after_failure_choices(refused=False) == (
        AfterFailure.NEXT_ROUND,
        AfterFailure.PICKUP_POINT,
    )


def test_a_parcel_refused_at_the_door_goes_back_to_its_shop_at_once(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))

    outcome = do(
        fail, db, shop, fleet, drop, reason=REFUSED, then=AfterFailure.RETURN_TO_SHOP,
        refused=True, now=at(10),
    )  # fmt: skip

    assert (outcome.then, outcome.date, outcome.orders, outcome.returned) == (
        AfterFailure.RETURN_TO_SHOP, None, (oid,), 1,
    )  # fmt: skip
    assert status(db, oid) is S.RETURNED
    (mo,) = merchant_orders(db, oid)
    with db.uow() as uow:
        assert uow.session.get_one(Order, oid).delivery_date == TUESDAY  # not sent on
        way_back = parcel_return(uow.session, mo.id)
        assert way_back is not None and way_back.held_at == DEPOT  # the courier has it
        changes = uow.session.scalars(
            select(StatusChange)
            .where(StatusChange.merchant_order_id == mo.id)
            .order_by(StatusChange.id)
        ).all()
        assert [(c.to_status, c.reason) for c in changes][-2:] == [
            (S.DELIVERY_FAILED, REFUSED),
            (S.RETURNED, REFUSED),
        ]
        stop = uow.session.get_one(Stop, drop.id)
        assert (stop.status, stop.reason, stop.done_at) == (StopStatus.FAILED, REFUSED, at(10))


@pytest.mark.parametrize("then", [AfterFailure.NEXT_ROUND, AfterFailure.PICKUP_POINT])
def test_a_refused_parcel_is_not_presented_again(
    db: Database, shop: Shop, then: AfterFailure
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))

    with pytest.raises(ValidationError, match="ne se représente pas") as refused:
        do(
            fail, db, shop, fleet, drop, reason=REFUSED, then=then, refused=True,
            pickup_point_id=fleet.point_id, now=at(10),
        )  # fmt: skip

    assert (refused.value.code, refused.value.field) == ("refused_goes_back", "then")
    assert status(db, oid) is S.HANDED_TO_COURIER  # nothing recorded
    assert stops_of_plan(db, shop.territory_id)[1].status is StopStatus.TODO


def test_only_a_refused_parcel_goes_back_from_the_round(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))

    with pytest.raises(ValidationError, match="Seul un colis refusé") as refused:
        do(
            fail, db, shop, fleet, drop, reason="Personne", then=AfterFailure.RETURN_TO_SHOP,
            now=at(10),
        )  # fmt: skip

    assert (refused.value.code, refused.value.field) == ("only_refused_goes_back", "then")
    assert status(db, oid) is S.HANDED_TO_COURIER


def test_nobody_refuses_a_shoppers_parcel_at_a_pickup_point(db: Database, shop: Shop) -> None:
    # The drop at a point carries every shopper's parcels for it: none is sent back so.
    fleet = add_fleet(db, shop)
    oid = order(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)
    make_ready(db, oid)
    planned(db, shop)
    pickup, drop = stops_of_plan(db, shop.territory_id)
    do(collect, db, shop, fleet, pickup, now=at(9))

    with pytest.raises(ValidationError, match="choisissez une autre raison") as refused:
        do(
            fail, db, shop, fleet, drop, reason=REFUSED, then=AfterFailure.RETURN_TO_SHOP,
            refused=True, now=at(10),
        )  # fmt: skip

    assert (refused.value.code, refused.value.field) == ("no_refusal_at_point", "reason")
    assert status(db, oid) is S.HANDED_TO_COURIER


def test_a_shoppers_two_orders_refused_at_one_door_both_go_back(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    first = order(db, shop, {shop.bread_id: 1})
    second = order(db, shop, {shop.apples_id: 1})
    for oid in (first, second):
        make_ready(db, oid)
    planned(db, shop)
    for pickup in [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT]:
        with contextlib.suppress(AlreadyRecorded):
            do(collect, db, shop, fleet, pickup, now=at(9))
    drop = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER)

    outcome = do(
        fail, db, shop, fleet, drop, reason=REFUSED, then=AfterFailure.RETURN_TO_SHOP,
        refused=True, now=at(10),
    )  # fmt: skip

    assert sorted(outcome.orders) == sorted((first, second)) and outcome.returned == 2
    assert (status(db, first), status(db, second)) == (S.RETURNED, S.RETURNED)
    delivering = [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER]
    assert {s.status for s in delivering} == {StopStatus.FAILED}


# --- a day still to come ------------------------------------------------------------------


def test_a_collection_of_a_day_still_to_come_is_refused(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)

    with pytest.raises(NotYetItsDay, match="prévue le mardi 24 novembre 2026") as early:
        do(collect, db, shop, fleet, pickup, now=at(18, day=MONDAY))
    with pytest.raises(NotYetItsDay):  # the caller's today, when it gives it
        do(collect, db, shop, fleet, pickup, now=at(9), today=MONDAY)

    assert early.value.params["date"] == "2026-11-24"
    assert status(db, oid) is S.READY
    assert stops_of_plan(db, shop.territory_id)[0].status is StopStatus.TODO


def test_a_delivery_or_a_failure_of_a_day_still_to_come_is_refused(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))  # the data as it would be on the day

    with pytest.raises(NotYetItsDay):
        do(deliver, db, shop, fleet, drop, code=code_of(db, oid), now=at(9), today=MONDAY)
    for then, refused in ((AfterFailure.NEXT_ROUND, False), (AfterFailure.RETURN_TO_SHOP, True)):
        with pytest.raises(NotYetItsDay):
            do(
                fail, db, shop, fleet, drop, reason="Absent", then=then, refused=refused,
                now=at(9), today=MONDAY,
            )  # fmt: skip

    assert status(db, oid) is S.HANDED_TO_COURIER
    assert stops_of_plan(db, shop.territory_id)[1].status is StopStatus.TODO


def test_the_ways_back_of_a_day_still_to_come_are_refused(db: Database, shop: Shop) -> None:
    fleet, _ = returned_at_point(db, shop)
    planned(db, shop)
    take, give = return_stops(db, shop, TUESDAY)

    for action, stop, kwargs in (
        (take_back, take, {}),
        (bring_back, give, {}),
        (return_failed, take, {"reason": "Point de retrait fermé"}),
    ):
        with pytest.raises(NotYetItsDay):
            do(action, db, shop, fleet, stop, now=NOW, **kwargs)  # Monday

    assert {s.status for s in return_stops(db, shop, TUESDAY)} == {StopStatus.TODO}


def test_a_stop_of_a_day_gone_by_can_still_be_recorded(db: Database, shop: Shop) -> None:
    # A tap kept offline, or a round that ran past midnight: the run's day has passed.
    fleet, oid, pickup, drop = one_order(db, shop)
    wednesday = TUESDAY + dt.timedelta(days=1)

    do(collect, db, shop, fleet, pickup, now=at(9), today=wednesday)
    do(
        deliver, db, shop, fleet, drop, code=code_of(db, oid), means=PaymentMeans.CASH,
        now=at(0, 30, day=wednesday),
    )  # fmt: skip

    assert status(db, oid) is S.DELIVERED
