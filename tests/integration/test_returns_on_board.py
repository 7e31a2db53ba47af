"""The operator's return leaves in the van what a courier has on board.

A failed delivery presented again is loaded at the depot; once its run has left, the
parcels are in the courier's vehicle and the shopper may be waiting at the door. Sending
them back from the office would only close a stop under the courier's eyes: they stay on
their round, and the rest of the order goes back."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from delivery.model import RoundRun, Stop, StopKind, StopStatus
from delivery.replanning import move_shipment
from delivery.returns import ON_THE_ROUND, RETURNED_REASON, OnBoard, on_board, return_to_merchant
from delivery.services import RoundInput, create_round
from delivery.stops import AfterFailure, collect, deliver, fail
from shop_core.accounts.model import Role
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrderStatus, ParcelReturn
from shop_core.orders.returns import failed_deliveries
from shop_core.payments.model import PaymentMeans
from shop_core.testing.factories import make_user

from .conftest import TUESDAY, Shop
from .delivery_setup import (
    DISTANCES,
    SETTINGS,
    SYSTEM,
    WEEKDAYS,
    Fleet,
    add_fleet,
    make_ready,
    merchant_orders,
    order,
    stops_of_plan,
)
from .test_delivery_stops import at, code_of, planned
from .test_depot_parcels import NEIGHBOUR, act

S = MerchantOrderStatus
OPERATOR = Actor(user_id=None)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
THURSDAY = TUESDAY + dt.timedelta(days=2)


def send_back(db: Database, shop: Shop, order_id: int, now: dt.datetime) -> list[int]:
    with db.uow() as uow:
        try:
            return return_to_merchant(
                uow=uow, territory_id=shop.territory_id, order_id=order_id,
                reason="Client injoignable", actor=OPERATOR, now=now,
            )  # fmt: skip
        except Exception:
            uow.rollback()
            raise


def failed_on_tuesday(db: Database, shop: Shop, items: dict[int, int]) -> tuple[Fleet, int]:
    """Jeanne's order, collected on Tuesday and not delivered (absent): on Wednesday's
    round now. The fleet and the order."""
    fleet = add_fleet(db, shop)
    oid = order(db, shop, items)
    make_ready(db, oid)
    planned(db, shop)
    stops = stops_of_plan(db, shop.territory_id)
    for pickup in [s for s in stops if s.kind is StopKind.COLLECT]:
        act(collect, db, shop, fleet.couriers[0], pickup.id, now=at(9))
    door = next(s for s in stops if s.kind is StopKind.DELIVER)
    act(
        fail, db, shop, fleet.couriers[0], door.id, reason="Absent",
        then=AfterFailure.NEXT_ROUND, now=at(10),
    )  # fmt: skip
    return fleet, oid


def neighbours_order(db: Database, shop: Shop) -> int:
    """A neighbour's tart for Wednesday: the round collects it at the bakery first."""
    oid = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY, address=NEIGHBOUR)
    make_ready(db, oid)
    return oid


def on_wednesday(db: Database, shop: Shop, order_id: int) -> dict[int, Stop]:
    """The order's stops of Wednesday, by merchant."""
    return {
        s.merchant_order.merchant_id: s
        for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)
        if s.merchant_order.order_id == order_id
    }


def leave_with_the_tart(db: Database, shop: Shop, fleet: Fleet, tart_order: int) -> None:
    """Wednesday, 9 h: the morning round collects the tart at the bakery; it has left."""
    (pickup,) = [
        s
        for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)
        if s.merchant_order.order_id == tart_order and s.kind is StopKind.COLLECT
    ]
    act(collect, db, shop, fleet.couriers[0], pickup.id, now=at(9, day=WEDNESDAY))


def give_to(db: Database, shop: Shop, round_id: int, order_id: int, merchant_id: int) -> None:
    """The operator gives a shop's part of the order to the run of ``round_id`` on
    Wednesday (the planning may have done so already)."""
    stop = next(
        s
        for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)
        if s.merchant_order.order_id == order_id and s.merchant_order.merchant_id == merchant_id
    )
    if stop.run.round_id == round_id:
        return
    with db.uow() as uow:
        run = uow.session.scalar(
            select(RoundRun.id).where(
                RoundRun.plan_id == stop.run.plan_id, RoundRun.round_id == round_id
            )
        )
        assert run is not None
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=stop.id, run_id=run,
            distances=DISTANCES, settings=SETTINGS, actor=OPERATOR, now=at(19),
        )  # fmt: skip


def statuses(db: Database, order_id: int) -> dict[int, S]:
    return {mo.merchant_id: mo.status for mo in merchant_orders(db, order_id)}


def nothing_sent_back(db: Database) -> bool:
    with db.uow() as uow:
        returns = uow.session.scalar(select(func.count()).select_from(ParcelReturn))
        audited = uow.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "order.returned_to_merchant")
        )
    return returns == audited == 0


def test_the_part_at_the_depot_goes_back_and_the_one_in_the_van_stays_on_its_round(
    db: Database, shop: Shop
) -> None:
    """Jeanne's bread and apples failed on Tuesday. On Wednesday the operator gave the
    apples to a second morning round; the first has left with the bread when Jeanne phones
    that she wants nothing more: the apples go back to the farm, the bread stays in the van
    (Jeanne may still be at her door, and can refuse it there)."""
    fleet, oid = failed_on_tuesday(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    with db.uow() as uow:
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name="Léa")
        second = create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Saint-Pol bis", depot_id=fleet.depot_id, weekdays=WEEKDAYS,
                starts=dt.time(8), ends=dt.time(13), capacity=12, courier_id=courier,
                insee_codes=("62767",),
            ),
            actor=SYSTEM,
        )  # fmt: skip
    tart = neighbours_order(db, shop)
    planned(db, shop, date=WEDNESDAY, now=at(18))
    give_to(db, shop, fleet.saint_pol, tart, shop.baker_id)
    give_to(db, shop, fleet.saint_pol, oid, shop.baker_id)
    give_to(db, shop, second, oid, shop.farmer_id)
    leave_with_the_tart(db, shop, fleet, tart)
    stops = on_wednesday(db, shop, oid)
    bread, apples = stops[shop.baker_id], stops[shop.farmer_id]
    assert (bread.run.round_id, apples.run.round_id) == (fleet.saint_pol, second)

    returned = send_back(db, shop, oid, at(9, 30, day=WEDNESDAY))

    assert returned == [apples.merchant_order_id]
    assert statuses(db, oid) == {shop.baker_id: S.DELIVERY_FAILED, shop.farmer_id: S.RETURNED}
    with db.uow() as uow:
        assert uow.session.get_one(Stop, bread.id).status is StopStatus.TODO
        closed = uow.session.get_one(Stop, apples.id)
        assert (closed.status, closed.reason) == (StopStatus.FAILED, RETURNED_REASON)
        # Where the operator's page says the bread is.
        (failed,) = failed_deliveries(uow.session, territory_id=shop.territory_id)
        assert [p.merchant_order_id for p in failed.parts] == [bread.merchant_order_id]
        assert on_board(
            uow.session, territory_id=shop.territory_id,
            merchant_order_ids=[bread.merchant_order_id, apples.merchant_order_id],
            today=WEDNESDAY,
        ) == {
            bread.merchant_order_id: OnBoard(
                bread.merchant_order_id, "Saint-Pol matin", "Marc Facteur",
                bread.expected_start.astimezone(at(9).tzinfo),
            ),
        }  # fmt: skip

    # Jeanne was at home after all: the courier hands the bread over.
    act(
        deliver, db, shop, fleet.couriers[0], bread.id, code=code_of(db, oid),
        means=PaymentMeans.CASH, now=at(10, day=WEDNESDAY),
    )  # fmt: skip
    assert statuses(db, oid) == {shop.baker_id: S.DELIVERED, shop.farmer_id: S.RETURNED}


@pytest.mark.parametrize(
    ("left", "when", "goes_back"),
    [
        (False, at(8, 30, day=WEDNESDAY), True),  # the van has not left the depot
        (True, at(9, 30, day=WEDNESDAY), False),
        # Wednesday's courier never said what became of it: not a van of today.
        (True, at(9, day=THURSDAY), True),
    ],
    ids=["before-the-round-leaves", "in-the-van", "the-day-after"],
)
def test_a_failed_parcel_goes_back_unless_the_round_has_left_with_it_that_day(
    db: Database, shop: Shop, left: bool, when: dt.datetime, goes_back: bool
) -> None:
    fleet, oid = failed_on_tuesday(db, shop, {shop.bread_id: 1})
    tart = neighbours_order(db, shop)
    planned(db, shop, date=WEDNESDAY, now=at(18))
    door = on_wednesday(db, shop, oid)[shop.baker_id]
    if left:
        leave_with_the_tart(db, shop, fleet, tart)

    if goes_back:
        assert send_back(db, shop, oid, when) == [door.merchant_order_id]
        assert statuses(db, oid) == {shop.baker_id: S.RETURNED}
        return
    with pytest.raises(ValidationError) as refused:
        send_back(db, shop, oid, when)
    assert (refused.value.code, str(refused.value)) == ("on_the_round", ON_THE_ROUND)
    assert statuses(db, oid) == {shop.baker_id: S.DELIVERY_FAILED}
    with db.uow() as uow:
        assert uow.session.get_one(Stop, door.id).status is StopStatus.TODO
    assert nothing_sent_back(db)


def test_a_parcel_redirected_to_a_pickup_point_goes_back_once_left_there(
    db: Database, shop: Shop
) -> None:
    """Jeanne was out on Tuesday; the courier keeps the parcel in the van for the town
    hall's point, later on the round. Not before it is left there can the operator send it
    back."""
    fleet = add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1})
    make_ready(db, oid)
    planned(db, shop)
    pickup, door = stops_of_plan(db, shop.territory_id)
    act(collect, db, shop, fleet.couriers[0], pickup.id, now=at(9))
    act(
        fail, db, shop, fleet.couriers[0], door.id, reason="Absent",
        then=AfterFailure.PICKUP_POINT, pickup_point_id=fleet.point_id, now=at(10),
    )  # fmt: skip

    with pytest.raises(ValidationError, match="dans la camionnette"):
        send_back(db, shop, oid, at(10, 30))
    assert nothing_sent_back(db)

    drop = next(s for s in stops_of_plan(db, shop.territory_id) if s.is_open)
    act(deliver, db, shop, fleet.couriers[0], drop.id, now=at(11))
    assert statuses(db, oid) == {shop.baker_id: S.DELIVERED}  # waiting at the point
    assert send_back(db, shop, oid, at(12)) != []
    assert statuses(db, oid) == {shop.baker_id: S.RETURNED}
