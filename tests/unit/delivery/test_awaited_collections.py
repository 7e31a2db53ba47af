"""What a delivery on the courier's page waits to be collected first
(``delivery.queries.RunView.awaited``), by the rule that refuses it
(``delivery.stops.awaits_collection``)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from delivery.model import StopKind, StopStatus
from delivery.queries import PlaceVisit, RunView, VisitItem
from delivery.stops import awaits_collection
from shop_core.orders.model import MerchantOrderStatus

S = MerchantOrderStatus
MORNING = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
BREAD, MEAT, FLOWERS = 1, 2, 3
SHOPS = {BREAD: "Boulangerie Wimet", MEAT: "Boucherie Delattre", FLOWERS: "Fleurs de Ternoise"}


def item(mo_id: int, order_status: S, status: StopStatus = StopStatus.TODO) -> VisitItem:
    return VisitItem(
        stop_id=10 * mo_id, merchant_order_id=mo_id, reference=f"TER-{mo_id}",
        merchant_id=mo_id, merchant=SHOPS[mo_id], parcels=1, status=status,
        order_status=order_status, reason="", lines=(),
    )  # fmt: skip


def visit(number: int, kind: StopKind, *items: VisitItem) -> PlaceVisit:
    return PlaceVisit(
        stop_id=100 + number, number=number, kind=kind, place_name="", address="",
        lat=50.38, lon=2.33, approximate=False, expected=MORNING, window=None, customer="",
        phone="", instructions="", order_id=None, order_reference="", at_pickup_point=False,
        items=items,
    )  # fmt: skip


def run(*visits: PlaceVisit) -> RunView:
    return RunView(
        run_id=1, round_id=1, round_name="Ternoise", date=MORNING.date(), courier_id=1,
        courier_name="Thomas", depot_name="Dépôt", depot_address="", depot_lat=50.3,
        depot_lon=2.3, departure=MORNING, return_time=MORNING, distance_m=1000, capacity=40,
        visits=visits,
    )  # fmt: skip


def test_only_parcels_out_of_their_shop_can_be_handed_over() -> None:
    waiting = [s for s in S if awaits_collection(s)]

    assert not awaits_collection(S.HANDED_TO_COURIER)  # collected
    assert not awaits_collection(S.DELIVERY_FAILED)  # back at the depot, or still on board
    assert S.READY in waiting and S.PREPARING in waiting


def test_a_door_waits_for_each_shop_still_to_collect_in_the_order_of_the_round() -> None:
    door = visit(
        4,
        StopKind.DELIVER,
        item(BREAD, S.READY),
        item(MEAT, S.READY),
        item(FLOWERS, S.HANDED_TO_COURIER),  # collected already
    )
    day = run(
        visit(1, StopKind.COLLECT, item(FLOWERS, S.HANDED_TO_COURIER, StopStatus.DONE)),
        visit(2, StopKind.COLLECT, item(MEAT, S.READY)),
        visit(3, StopKind.COLLECT, item(BREAD, S.READY)),
        door,
    )

    awaited = day.awaited(door)

    assert [(a.merchant, a.references) for a in awaited] == [
        ("Boucherie Delattre", ("TER-2",)),
        ("Boulangerie Wimet", ("TER-1",)),
    ]
    assert [a.collection.number if a.collection else None for a in awaited] == [2, 3]
    assert [i.merchant_order_id for i in door.to_collect_first] == [BREAD, MEAT]


def test_a_door_whose_parcels_are_on_board_or_handed_over_waits_for_nothing() -> None:
    done = visit(2, StopKind.DELIVER, item(BREAD, S.DELIVERED, StopStatus.DONE))
    from_depot = visit(3, StopKind.DELIVER, item(MEAT, S.DELIVERY_FAILED))
    day = run(done, from_depot)

    assert day.awaited(done) == day.awaited(from_depot) == ()


def test_a_collection_no_visit_of_the_run_makes_is_named_without_a_stop() -> None:
    # The operator gave the collection to another courier's round.
    door = visit(1, StopKind.DELIVER, item(BREAD, S.READY))

    (awaited,) = run(door).awaited(door)

    assert awaited.merchant == "Boulangerie Wimet" and awaited.collection is None
    pickup = dataclasses.replace(door, kind=StopKind.COLLECT)
    assert pickup.to_collect_first == ()  # a collection waits for nothing
