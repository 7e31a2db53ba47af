"""A courier at the stops: collect, deliver against the code, failed delivery and what next."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.cash import hand_in_run
from delivery.exports import stops_csv
from delivery.geocoding import order_query
from delivery.model import GeocodeEntry, Stop, StopKind, StopStatus
from delivery.planning import plan_day
from delivery.queries import PlaceVisit, RunView, courier_runs
from delivery.stops import (
    NOT_READY_REASON,
    AfterFailure,
    AlreadyRecorded,
    Collection,
    NotReady,
    collect,
    deliver,
    fail,
)
from shop_core.accounts.model import Role
from shop_core.accounts.services import delete_account
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.invoices.model import Invoice
from shop_core.orders.delivery_codes import MissingDeliveryCode, WrongDeliveryCode
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order, PaymentStatus
from shop_core.orders.pickup_points import hand_over_at_point
from shop_core.orders.services import DeliveryAddress, transition
from shop_core.payments.model import OfflinePayment, PaymentMeans
from shop_core.payments.offline import CodeAndMeansRefused, held_at_points
from shop_core.territories.admin import update_pickup_point
from shop_core.territories.model import PickupPoint, Territory
from shop_core.testing.factories import make_user

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import (
    DISTANCES,
    SETTINGS,
    Fleet,
    add_fleet,
    make_ready,
    merchant_orders,
    order,
    stops_of_plan,
)

PARIS = ZoneInfo("Europe/Paris")
CASH = PaymentMeans.CASH
S = MerchantOrderStatus


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def planned(db: Database, shop: Shop, *, date: dt.date = TUESDAY, now: dt.datetime = NOW) -> None:
    with db.uow() as uow:
        plan_day(
            uow=uow, territory_id=shop.territory_id, date=date, distances=DISTANCES,
            settings=SETTINGS, now=now,
        )  # fmt: skip


def one_order(
    db: Database, shop: Shop, *, ready: bool = True, fleet: Fleet | None = None
) -> tuple[Fleet, int, Stop, Stop]:
    fleet = fleet or add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1})
    if ready:
        make_ready(db, oid)
    planned(db, shop)
    pickup, drop = stops_of_plan(db, shop.territory_id)
    assert (pickup.kind, drop.kind) == (StopKind.COLLECT, StopKind.DELIVER)
    return fleet, oid, pickup, drop


def code_of(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        found = uow.session.get(Order, order_id)
        assert found is not None
        return found.delivery_code


def status(db: Database, order_id: int) -> S:
    (mo,) = merchant_orders(db, order_id)
    return mo.status


def courier_runs_of(db: Database, shop: Shop, fleet: Fleet) -> list[RunView]:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        return courier_runs(
            uow.session, territory=territory, courier_id=fleet.couriers[0], date=TUESDAY
        )


def courier_visits(db: Database, shop: Shop, fleet: Fleet) -> list[PlaceVisit]:
    return [v for run in courier_runs_of(db, shop, fleet) for v in run.visits]


def do(action, db: Database, shop: Shop, fleet: Fleet, stop: Stop, **kwargs):  # type: ignore[no-untyped-def]
    with db.uow() as uow:
        return action(
            uow=uow, territory_id=shop.territory_id, courier_id=fleet.couriers[0],
            stop_id=stop.id, **kwargs,
        )  # fmt: skip


def test_collecting_hands_the_merchant_order_to_the_courier(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)

    assert do(collect, db, shop, fleet, pickup, now=at(9)) == Collection(collected=1)

    assert status(db, oid) is S.HANDED_TO_COURIER
    with db.uow() as uow:
        stop = uow.session.get(Stop, pickup.id)
        assert stop is not None
        assert (stop.status, stop.done_by_id, stop.done_at) == (
            StopStatus.DONE, fleet.couriers[0], at(9),
        )  # fmt: skip


def test_a_parcel_not_ready_at_the_shop_cannot_be_collected(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, _ = one_order(db, shop, ready=False)

    with pytest.raises(NotReady, match="pas encore prête"):
        do(collect, db, shop, fleet, pickup, now=at(9))

    assert status(db, oid) is S.PLACED
    assert stops_of_plan(db, shop.territory_id)[0].status is StopStatus.TODO


def test_the_courier_can_take_the_ready_parcels_and_leave_the_others_for_a_later_round(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    ready = order(db, shop, {shop.bread_id: 1})
    make_ready(db, ready)
    late = order(db, shop, {shop.bread_id: 2})  # same shop, same door: one visit
    planned(db, shop)
    collects = [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT]
    assert len(collects) == 2 and len({s.run_id for s in collects}) == 1

    with pytest.raises(NotReady, match="partez sans elle"):
        do(collect, db, shop, fleet, collects[0], now=at(9))
    left = do(collect, db, shop, fleet, collects[0], leave_unready=True, now=at(9))

    (late_mo,) = merchant_orders(db, late)
    assert left == Collection(collected=1, left=(late_mo.id,))
    assert (status(db, ready), status(db, late)) == (S.HANDED_TO_COURIER, S.PLACED)
    stops = {(s.merchant_order.order_id, s.kind): s for s in stops_of_plan(db, shop.territory_id)}
    assert (stops[late, StopKind.COLLECT].status, stops[late, StopKind.COLLECT].reason) == (
        StopStatus.FAILED, NOT_READY_REASON,
    )  # fmt: skip
    assert stops[late, StopKind.DELIVER].status is StopStatus.FAILED
    assert stops[ready, StopKind.DELIVER].status is StopStatus.TODO

    # The baker finishes it; the next planning sends a courier back to the shop for it,
    # and does not count it among the parcels on board.
    make_ready(db, late)
    planned(db, shop, now=at(9, 30))
    todo = [
        (s.merchant_order.order_id, s.kind)
        for s in stops_of_plan(db, shop.territory_id)
        if s.status is StopStatus.TODO
    ]
    assert (late, StopKind.COLLECT) in todo and (late, StopKind.DELIVER) in todo
    assert (ready, StopKind.COLLECT) not in todo and (ready, StopKind.DELIVER) in todo
    assert todo.index((late, StopKind.COLLECT)) < todo.index((late, StopKind.DELIVER))


def test_delivering_needs_the_shoppers_code(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    right = code_of(db, oid)
    wrong = f"{(int(right) + 1) % 10000:04d}"

    with pytest.raises(WrongDeliveryCode, match="Code incorrect"):
        do(deliver, db, shop, fleet, drop, code=wrong, now=at(9, 30))
    assert status(db, oid) is S.HANDED_TO_COURIER

    code = f" {right[:2]} {right[2:]} "
    assert do(deliver, db, shop, fleet, drop, code=code, means=CASH, now=at(9, 30)) == 1
    assert status(db, oid) is S.DELIVERED
    with db.uow() as uow:
        assert uow.session.scalar(select(Invoice.id)) is not None  # the sale is complete
        assert uow.session.get(Stop, drop.id).status is StopStatus.DONE  # type: ignore[union-attr]


def test_an_order_paid_on_delivery_is_paid_at_the_door(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    code = code_of(db, oid)

    with pytest.raises(ValidationError, match="espèces ou chèque"):
        do(deliver, db, shop, fleet, drop, code=code, now=at(9, 30))
    assert status(db, oid) is S.HANDED_TO_COURIER  # nothing half-recorded
    with db.uow() as uow:
        assert uow.session.get_one(Stop, drop.id).status is StopStatus.TODO
        assert uow.session.scalar(select(OfflinePayment.id)) is None

    do(deliver, db, shop, fleet, drop, code=code, means=PaymentMeans.CHEQUE, now=at(9, 30))

    (mo,) = merchant_orders(db, oid)
    with db.uow() as uow:
        (payment,) = uow.session.scalars(select(OfflinePayment))
        assert (payment.merchant_order_id, payment.amount_cents) == (mo.id, mo.total_incl_cents)
        assert (payment.means, payment.received_by_id) == (PaymentMeans.CHEQUE, fleet.couriers[0])
        assert payment.handed_in_at is None
        assert uow.session.get_one(Order, oid).payment_status is PaymentStatus.PAID
    (visit,) = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert (visit.due_cents, visit.paid_cents) == (mo.total_incl_cents, mo.total_incl_cents)


def test_a_door_without_the_code_nor_the_means_says_both_at_once(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))

    with pytest.raises(CodeAndMeansRefused) as refused:
        do(deliver, db, shop, fleet, drop, code="", now=at(9, 30))

    assert isinstance(refused.value.code_error, MissingDeliveryCode)
    assert refused.value.means_error.field == "means"
    assert status(db, oid) is S.HANDED_TO_COURIER  # nothing half-recorded
    with db.uow() as uow:
        assert uow.session.get_one(Stop, drop.id).status is StopStatus.TODO
        assert uow.session.scalar(select(OfflinePayment.id)) is None


def test_the_operator_receives_what_the_courier_took_once(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(deliver, db, shop, fleet, drop, code=code_of(db, oid), means=CASH, now=at(9, 30))
    operator = Actor(user_id=fleet.couriers[1])

    with db.uow() as uow:
        with pytest.raises(NotFound):
            hand_in_run(
                uow=uow, territory_id=shop.territory_id + 1, run_id=drop.run_id, actor=operator
            )
        uow.rollback()
        amount = hand_in_run(
            uow=uow, territory_id=shop.territory_id, run_id=drop.run_id, actor=operator,
            now=at(14),
        )  # fmt: skip

    (mo,) = merchant_orders(db, oid)
    assert amount == mo.total_incl_cents
    (run,) = courier_runs_of(db, shop, fleet)
    assert run.to_hand_in_cents == 0 and run.taken_cents == amount
    assert run.handed_in_at == at(14)
    assert run.handed_in_at.hour == 14  # on the territory's clock: the board said « remis à 13 h »
    with db.uow() as uow, pytest.raises(ValidationError, match="rien à remettre"):
        hand_in_run(uow=uow, territory_id=shop.territory_id, run_id=drop.run_id, actor=operator)


def test_the_couriers_hand_in_leaves_the_money_a_pickup_point_took(
    db: Database, shop: Shop
) -> None:
    """The courier drops an order at a pickup point, whose staff then take its payment and
    keep it for the operator: confirming the courier's hand-in marked that money handed in
    too (the QA walk saw 75,30 € at the doors confirmed as 153,20 €, the point's cash
    gone from the point's page)."""
    fleet = add_fleet(db, shop)
    home = order(db, shop, {shop.bread_id: 1})
    at_point = order(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)
    make_ready(db, home)
    make_ready(db, at_point)
    planned(db, shop)
    stops = stops_of_plan(db, shop.territory_id)
    for stop in stops:
        if stop.kind is StopKind.COLLECT:
            with contextlib.suppress(AlreadyRecorded):  # one visit collects the shop's orders
                do(collect, db, shop, fleet, stop, now=at(9))
    for stop in stops:
        if stop.kind is StopKind.DELIVER:
            home_stop = stop.merchant_order.order_id == home
            do(
                deliver, db, shop, fleet, stop, now=at(10),
                code=code_of(db, home) if home_stop else None,
                means=CASH if home_stop else None,
            )  # fmt: skip
    with db.uow() as uow:
        hand_over_at_point(
            uow=uow, territory_id=shop.territory_id, order_id=at_point,
            code=code_of(db, at_point), means=PaymentMeans.CHEQUE,
            actor=Actor(user_id=fleet.couriers[1]), now=at(11), point_id=fleet.point_id,
        )  # fmt: skip
    (run,) = {s.run_id for s in stops}

    with db.uow() as uow:
        amount = hand_in_run(
            uow=uow, territory_id=shop.territory_id, run_id=run,
            actor=Actor(user_id=fleet.couriers[1]), now=at(14),
        )  # fmt: skip

    (home_part,) = merchant_orders(db, home)
    assert amount == home_part.total_incl_cents
    with db.uow() as uow:
        held = held_at_points(uow.session, territory_id=shop.territory_id)
    (point_part,) = merchant_orders(db, at_point)
    assert [h.total_cents for h in held] == [point_part.total_incl_cents]


def test_delivering_before_collecting_is_refused(db: Database, shop: Shop) -> None:
    fleet, oid, _, drop = one_order(db, shop)
    with pytest.raises(NotReady, match="enregistrez d'abord la collecte"):
        do(deliver, db, shop, fleet, drop, code=code_of(db, oid), now=at(9))


def test_a_courier_cannot_act_on_another_couriers_stop(db: Database, shop: Shop) -> None:
    fleet, _, pickup, _ = one_order(db, shop)
    with db.uow() as uow, pytest.raises(NotFound):
        collect(
            uow=uow, territory_id=shop.territory_id, courier_id=fleet.couriers[1], stop_id=pickup.id
        )


def test_a_failed_delivery_needs_a_reason(db: Database, shop: Shop) -> None:
    fleet, _, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    with pytest.raises(ValidationError, match="Indiquez ce qui s'est passé"):
        do(fail, db, shop, fleet, drop, reason="  ", then=AfterFailure.NEXT_ROUND, now=at(10))


def test_a_failed_delivery_goes_on_the_next_round_and_is_delivered_then(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))

    outcome = do(
        fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND, now=at(10)
    )

    wednesday = TUESDAY + dt.timedelta(days=1)
    assert outcome.date == wednesday
    assert status(db, oid) is S.DELIVERY_FAILED
    with db.uow() as uow:
        assert uow.session.get(Order, oid).delivery_date == wednesday  # type: ignore[union-attr]
        failed = uow.session.get(Stop, drop.id)
        assert (failed.status, failed.reason) == (StopStatus.FAILED, "Absent")  # type: ignore[union-attr]

    planned(db, shop, date=wednesday, now=at(18))
    (again,) = stops_of_plan(db, shop.territory_id, wednesday)
    assert again.kind is StopKind.DELIVER  # the parcel leaves from the depot: nothing to collect
    do(
        deliver, db, shop, fleet, again, code=code_of(db, oid), means=CASH,
        now=at(10, day=wednesday),
    )  # fmt: skip
    assert status(db, oid) is S.DELIVERED


def test_a_failure_recorded_late_goes_to_a_round_still_to_come(db: Database, shop: Shop) -> None:
    """The courier's phone was offline: Tuesday's failure reaches the server on Wednesday
    morning, after Wednesday's round has left. The parcel goes on Thursday's."""
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    wednesday = TUESDAY + dt.timedelta(days=1)

    outcome = do(
        fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND,
        now=at(11, day=wednesday),
    )  # fmt: skip

    thursday = wednesday + dt.timedelta(days=1)
    assert outcome.date == thursday
    with db.uow() as uow:
        assert uow.session.get(Order, oid).delivery_date == thursday  # type: ignore[union-attr]


def test_a_failure_made_without_network_keeps_its_time_and_goes_to_a_round_to_come(
    db: Database, shop: Shop
) -> None:
    """Tapped on Tuesday at 10:00 without network, sent on Wednesday at 11:00: the stop
    says 10:00 on Tuesday, the parcel goes on Thursday's round."""
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    wednesday = TUESDAY + dt.timedelta(days=1)

    outcome = do(
        fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND,
        now=at(10), received=at(11, day=wednesday),
    )  # fmt: skip

    assert outcome.date == wednesday + dt.timedelta(days=1)
    with db.uow() as uow:
        assert uow.session.get_one(Stop, drop.id).done_at == at(10)


def test_a_failed_delivery_can_go_to_a_pickup_point_on_the_same_run(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    with db.uow() as uow:  # open on Tuesdays 9-12 and 14-18
        point = uow.session.get_one(PickupPoint, fleet.point_id)
        update_pickup_point(
            uow=uow, territory_id=shop.territory_id, point_id=point.id, name=point.name,
            address=point.address, postal_code=point.postal_code, city=point.city,
            hours=[(1, dt.time(9), dt.time(12)), (1, dt.time(14), dt.time(18))],
        )  # fmt: skip
    do(collect, db, shop, fleet, pickup, now=at(9))

    outcome = do(
        fail, db, shop, fleet, drop, reason="Personne", then=AfterFailure.PICKUP_POINT,
        pickup_point_id=fleet.point_id, now=at(10),
    )  # fmt: skip

    assert outcome.pickup_point == "Mairie de Saint-Pol"
    with db.uow() as uow:
        redirected = uow.session.get(Order, oid)
        assert redirected is not None
        assert redirected.delivery_method is DeliveryMethod.PICKUP_POINT
        assert redirected.pickup_point_id == fleet.point_id
        assert redirected.delivery_date == TUESDAY
    stops = stops_of_plan(db, shop.territory_id)
    assert [(s.kind, s.status) for s in stops] == [
        (StopKind.COLLECT, StopStatus.DONE),
        (StopKind.DELIVER, StopStatus.FAILED),
        (StopKind.DELIVER, StopStatus.TODO),
    ]
    assert stops[2].place_name == "Mairie de Saint-Pol"
    # Its hours that day, as a planned drop there shows them (the added one had none).
    assert (stops[2].window_start, stops[2].window_end) == (at(14), at(18))

    do(deliver, db, shop, fleet, stops[2], now=at(14, 20))  # no code at a pickup point
    assert status(db, oid) is S.DELIVERED


def test_a_failed_door_sent_to_a_pickup_point_still_reads_as_the_door_it_went_to(
    db: Database, shop: Shop
) -> None:
    """The order now goes to the point, but the failed stop was at Jeanne's door: the
    courier's page, the board, the sheet and the exports (all read from the visits) say
    so, and only the added drop is one at the point."""
    fleet, _oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(
        fail, db, shop, fleet, drop, reason="Personne", then=AfterFailure.PICKUP_POINT,
        pickup_point_id=fleet.point_id, now=at(10),
    )  # fmt: skip

    door, point = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert (door.status, door.at_pickup_point, door.customer) == (
        StopStatus.FAILED, False, "Jeanne Martin",
    )  # fmt: skip
    assert door.needs_code and door.order_id is not None
    assert (point.status, point.at_pickup_point, point.place_name) == (
        StopStatus.TODO, True, "Mairie de Saint-Pol",
    )  # fmt: skip
    actions = [
        row.split(";")[4] for row in stops_csv(courier_runs_of(db, shop, fleet)).splitlines()[1:]
    ]
    assert actions[-2:] == ["Livraison", "Dépôt en point de retrait"]


def test_a_drop_at_a_point_added_to_the_run_does_not_split_a_door_in_two(
    db: Database, shop: Shop
) -> None:
    """Paul is out; the point is beyond Jeanne's door, whose farm parcel stayed at the farm
    (its drop closed, not ready). The drop at the point comes after the whole of Jeanne's
    visit: put between her two stops, it made her door two visits, her name twice on the
    courier's page and the times out of order."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        paul = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Paul")
    pauls = order(db, shop, {shop.bread_id: 1}, user_id=paul, address=PAULS_DOOR)
    make_ready(db, pauls)
    jeannes = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = sorted(
        merchant_orders(db, jeannes), key=lambda mo: mo.merchant_id != shop.baker_id
    )
    for step in (S.ACCEPTED, S.READY):
        with db.uow() as uow:
            transition(
                uow=uow, merchant_order_id=bread.id, target=step, actor=Actor.system(), now=NOW
            )
    planned(db, shop)
    # On the way north: Paul's door, then Jeanne's (bread, then apples), then the point.
    with db.uow() as uow:
        stops = stops_of_plan(db, shop.territory_id)
        run = uow.session.get_one(Stop, stops[0].id).run
        collects = [s for s in run.stops if s.kind is StopKind.COLLECT]
        drop_of = {s.merchant_order_id: s for s in run.stops if s.kind is StopKind.DELIVER}
        (paul_drop,) = [s for s in drop_of.values() if s.merchant_order.order_id == pauls]
        ordered = [*collects, paul_drop, drop_of[bread.id], drop_of[apples.id]]
        for sequence, (stop, lat) in enumerate(
            zip(ordered, [None] * len(collects) + [50.3618, 50.3718, 50.3718], strict=True), 1
        ):
            stop.sequence = sequence
            if lat is not None:
                stop.lat, stop.lon = lat, 2.3334  # the point is at 50.3818, 2.3334
        uow.commit()
        ids = [s.id for s in ordered]
    for collect_id in ids[: len(collects)]:
        with contextlib.suppress(AlreadyRecorded):  # the baker's two orders: one visit
            do(collect, db, shop, fleet, _stop(db, collect_id), leave_unready=True, now=at(9))
    assert _stop(db, ids[-1]).status is StopStatus.FAILED  # the apples stayed at the farm

    do(
        fail, db, shop, fleet, _stop(db, ids[-3]), reason="Absent",
        then=AfterFailure.PICKUP_POINT, pickup_point_id=fleet.point_id, now=at(10),
    )  # fmt: skip

    after = stops_of_plan(db, shop.territory_id)
    assert [s.id for s in after[-4:-1]] == ids[-3:]  # Paul's door, then Jeanne's, whole
    assert after[-1].place_name == "Mairie de Saint-Pol"
    doors = [v.customer for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert doors.count("Jeanne Martin") == 1


PAULS_DOOR = DeliveryAddress(
    recipient="Paul Voisin",
    line1="12 rue d'Hesdin",
    postal_code="62130",
    city="Saint-Pol-sur-Ternoise",
    insee_code="62767",
    lat=50.3618,
    lon=2.3334,
)


def _stop(db: Database, stop_id: int) -> Stop:
    with db.uow() as uow:
        return uow.session.get_one(Stop, stop_id)


def test_deleting_the_shoppers_account_erases_the_stop_copied_from_its_order(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(deliver, db, shop, fleet, drop, code=code_of(db, oid), means=CASH, now=at(9, 30))
    with db.uow() as uow:
        before = uow.session.get_one(Stop, drop.id)
        street, shop_address = before.address, uow.session.get_one(Stop, pickup.id).address
        order_row = uow.session.get_one(Order, oid)
        user_id = order_row.user_id
        uow.session.add(GeocodeEntry(query=order_query(order_row).key, provider="ban"))
        uow.commit()
    assert user_id is not None and "rue" in street

    with db.uow() as uow:
        delete_account(uow=uow, user_id=user_id)

    with db.uow() as uow:
        after = uow.session.get_one(Stop, drop.id)
        assert after.place_name == "Compte supprimé"
        assert after.address == "62130 Saint-Pol-sur-Ternoise" and after.approximate
        assert uow.session.get_one(Stop, pickup.id).address == shop_address  # the shop's
        assert uow.session.scalar(select(GeocodeEntry.id)) is None


def test_two_orders_of_one_shopper_at_one_door_are_one_visit_and_either_code_hands_both(
    db: Database, shop: Shop
) -> None:
    """A shopper who ordered twice for the same morning (the bread forgotten in the first
    basket) is visited once: one code, either of the two, hands over both parcels."""
    fleet = add_fleet(db, shop)
    first = order(db, shop, {shop.bread_id: 1})
    second = order(db, shop, {shop.apples_id: 1})
    for oid in (first, second):
        make_ready(db, oid)
    planned(db, shop)
    for pickup in [s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT]:
        with contextlib.suppress(AlreadyRecorded):
            do(collect, db, shop, fleet, pickup, now=at(9))
    (visit,) = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert {item.merchant_order_id for item in visit.items} == {
        mo.id for oid in (first, second) for mo in merchant_orders(db, oid)
    }
    # Each order carries the address's instructions as they were when it was placed.
    said = {first: "Sonnez deux fois.", second: "Sonnez deux fois. Portail vert."}
    for oid, text in said.items():
        _instruct(db, oid, text)
    (visit,) = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert visit.instructions == "Sonnez deux fois. Portail vert."
    _instruct(db, first, "Chien gentil.")
    (visit,) = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]
    assert set(visit.instructions.split(" · ")) == {"Chien gentil.", said[second]}
    drop = next(s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.DELIVER)
    right = code_of(db, second)
    wrong = next(f"{n:04d}" for n in range(10000) if f"{n:04d}" not in (right, code_of(db, first)))

    with pytest.raises(WrongDeliveryCode):
        do(deliver, db, shop, fleet, drop, code=wrong, means=CASH, now=at(9, 30))
    assert do(deliver, db, shop, fleet, drop, code=right, means=CASH, now=at(9, 30)) == len(
        visit.items
    )

    assert (status(db, first), status(db, second)) == (S.DELIVERED, S.DELIVERED)


@pytest.mark.parametrize("then", [AfterFailure.NEXT_ROUND, AfterFailure.PICKUP_POINT])
def test_a_failed_door_with_two_orders_of_one_shopper_sends_both_on(
    db: Database, shop: Shop, then: AfterFailure
) -> None:
    """Nobody home for the shopper's two orders (one visit): both go to the next round, or
    both to the pickup point; neither is left on a day gone by."""
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
        fail, db, shop, fleet, drop, reason="Absent", then=then,
        pickup_point_id=fleet.point_id if then is AfterFailure.PICKUP_POINT else None,
        now=at(10),
    )  # fmt: skip

    with db.uow() as uow:
        for oid in (first, second):
            sent = uow.session.get_one(Order, oid)
            if then is AfterFailure.NEXT_ROUND:
                assert sent.delivery_date == outcome.date == TUESDAY + dt.timedelta(days=1)
            else:
                assert sent.delivery_method is DeliveryMethod.PICKUP_POINT
                assert sent.pickup_point_id == fleet.point_id
    assert (status(db, first), status(db, second)) == (S.DELIVERY_FAILED, S.DELIVERY_FAILED)


def test_two_shoppers_at_one_address_are_two_visits_with_their_own_codes(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    mine = order(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        neighbour = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Paul")
    theirs = order(db, shop, {shop.apples_id: 1}, user_id=neighbour)
    for oid in (mine, theirs):
        make_ready(db, oid)
    planned(db, shop)

    drops = [v for v in courier_visits(db, shop, fleet) if v.kind is StopKind.DELIVER]

    assert len(drops) == 2


def _instruct(db: Database, order_id: int, text: str) -> None:
    with db.uow() as uow:
        uow.session.get_one(Order, order_id).delivery_instructions = text
        uow.commit()
