"""Parcels a courier left at a depot after a failed delivery: only a round leaving from that
depot, and not under way yet, takes them; the courier is told to load them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pytest

from delivery.model import Round, RoundRun, Stop, StopKind, StopStatus
from delivery.plan_state import get_plan, holding_depots, returns_to_add
from delivery.planning import PlanReport, plan_day
from delivery.postponing import postpone_unserved
from delivery.queries import board, courier_runs
from delivery.replanning import insert_late_orders, move_shipment
from delivery.returns import return_to_merchant
from delivery.route_sheets import round_sheet_pdf
from delivery.services import DepotInput, RoundInput, create_depot, create_round
from delivery.stops import AfterFailure, collect, deliver, fail
from delivery.transfers import carry_to_depot
from shop_core.accounts.model import Role
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import ValidationError
from shop_core.orders.model import MerchantOrderStatus, Order
from shop_core.orders.services import DeliveryAddress
from shop_core.payments.model import PaymentMeans
from shop_core.territories.model import Territory
from shop_core.testing.factories import make_user

from .conftest import TUESDAY, Shop
from .delivery_setup import DISTANCES, SETTINGS, SYSTEM, make_ready, order, stops_of_plan
from .test_delivery_sheets import pdf_text
from .test_delivery_stops import at, code_of, status

# Another shopper of Saint-Pol (another door).
NEIGHBOUR = DeliveryAddress(
    recipient="Paul Leroy",
    line1="8 rue d'Hesdin",
    postal_code="62130",
    city="Saint-Pol-sur-Ternoise",
    insee_code="62767",
    lat=50.3790,
    lon=2.3240,
)
WEDNESDAY = TUESDAY + dt.timedelta(days=1)
THURSDAY = TUESDAY + dt.timedelta(days=2)
FRIDAY = TUESDAY + dt.timedelta(days=3)
ALL_WEEK = (0, 1, 2, 3, 4, 5)


@dataclass
class TwoDepots:
    far: int
    near: int
    """Round from the Frévent depot, and round from the Saint-Pol depot (next to the
    shopper): both serve Saint-Pol."""
    far_courier: int
    near_courier: int


def two_depots(
    db: Database,
    shop: Shop,
    *,
    far_days: Sequence[int] = ALL_WEEK,
    near_days: Sequence[int] = (2, 3, 4, 5),
) -> TwoDepots:
    """Two depots, a round from each serving Saint-Pol. By default only the far one runs
    on Tuesday, so it collects Tuesday's orders."""
    with db.uow() as uow:
        couriers = [
            make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name=name)
            for name in ("Marc Facteur", "Lucie Route")
        ]
        rounds = []
        for (name, city, postal, lat, lon), days, courier in zip(
            (
                ("Dépôt de Frévent", "Frévent", "62270", 50.2760, 2.2880),
                ("Bureau de poste", "Saint-Pol-sur-Ternoise", "62130", 50.3839, 2.3292),
            ),
            (far_days, near_days),
            couriers,
            strict=True,
        ):
            depot = create_depot(
                uow=uow,
                territory_id=shop.territory_id,
                data=DepotInput(name, "1 place du Marché", postal, city, lat, lon),
                actor=SYSTEM,
            )
            rounds.append(
                create_round(
                    uow=uow,
                    territory_id=shop.territory_id,
                    data=RoundInput(
                        name=f"Tournée depuis {city}",
                        depot_id=depot,
                        weekdays=tuple(days),
                        starts=dt.time(7, 30),
                        ends=dt.time(19),
                        capacity=20,
                        courier_id=courier,
                        insee_codes=("62767",),
                    ),
                    actor=SYSTEM,
                )
            )
    return TwoDepots(rounds[0], rounds[1], couriers[0], couriers[1])


def plan(db: Database, shop: Shop, date: dt.date, now: dt.datetime):  # type: ignore[no-untyped-def]
    with db.uow() as uow:
        return plan_day(
            uow=uow, territory_id=shop.territory_id, date=date, distances=DISTANCES,
            settings=SETTINGS, now=now,
        )  # fmt: skip


def act(action, db: Database, shop: Shop, courier: int, stop_id: int, **kwargs):  # type: ignore[no-untyped-def]
    with db.uow() as uow:
        return action(
            uow=uow, territory_id=shop.territory_id, courier_id=courier, stop_id=stop_id,
            **kwargs,
        )  # fmt: skip


def send_back(db: Database, shop: Shop, order_id: int, *, now: dt.datetime) -> None:
    """The operator sends the order's parcels back to their shop (the shopper refuses it)."""
    with db.uow() as uow:
        return_to_merchant(
            uow=uow, territory_id=shop.territory_id, order_id=order_id, reason="Refusée",
            actor=Actor(user_id=None), now=now,
        )  # fmt: skip


def insert(db: Database, shop: Shop, date: dt.date, now: dt.datetime) -> PlanReport:
    """Late orders and ways back given to the day's rounds (the board's button)."""
    with db.uow() as uow:
        return insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=date, distances=DISTANCES,
            settings=SETTINGS, now=now,
        )  # fmt: skip


def move_to(db: Database, order_id: int, date: dt.date) -> None:
    """The order's delivery day changed by hand (the operator's decision)."""
    with db.uow() as uow:
        uow.session.get_one(Order, order_id).delivery_date = date
        uow.commit()


def failed_on_tuesday(db: Database, shop: Shop, fleet: TwoDepots) -> tuple[int, dt.date | None]:
    """Tuesday's order, collected by the round from Frévent, not delivered (absent): the
    order and the day the failure sent it to."""
    oid = order(db, shop, {shop.bread_id: 1})
    make_ready(db, oid)
    plan(db, shop, TUESDAY, at(7))
    pickup, drop = stops_of_plan(db, shop.territory_id)
    assert pickup.run.round_id == fleet.far
    act(collect, db, shop, fleet.far_courier, pickup.id, now=at(9))
    outcome = act(
        fail, db, shop, fleet.far_courier, drop.id, reason="Absent",
        then=AfterFailure.NEXT_ROUND, now=at(10),
    )  # fmt: skip
    return oid, outcome.date


def test_a_parcel_left_at_a_depot_leaves_with_a_round_from_that_depot(
    db: Database, shop: Shop
) -> None:
    fleet = two_depots(db, shop)
    oid, date = failed_on_tuesday(db, shop, fleet)
    assert date == WEDNESDAY

    # On Wednesday the round from Saint-Pol, whose depot is next door, runs as well; the
    # parcel is in Frévent.
    report = plan(db, shop, WEDNESDAY, at(18))

    assert report.unplanned == ()
    (again,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert again.kind is StopKind.DELIVER
    assert again.run.round_id == fleet.far
    act(
        deliver, db, shop, fleet.far_courier, again.id, code=code_of(db, oid),
        means=PaymentMeans.CASH, now=at(10, day=WEDNESDAY),
    )  # fmt: skip
    assert status(db, oid) is MerchantOrderStatus.DELIVERED


def test_a_failure_goes_to_the_next_day_a_round_leaves_from_the_depot(
    db: Database, shop: Shop
) -> None:
    """On Wednesday only the round from Saint-Pol runs: the parcel, in Frévent, waits for
    Thursday's round from there; a plan of Wednesday says why it cannot go."""
    fleet = two_depots(db, shop, far_days=(1, 3))
    oid, date = failed_on_tuesday(db, shop, fleet)
    assert date == THURSDAY

    move_to(db, oid, WEDNESDAY)  # the operator moves it to Wednesday all the same
    report = plan(db, shop, WEDNESDAY, at(18))

    (unplanned,) = report.unplanned
    assert unplanned.reason_code == "held_at_depot"
    assert "« Dépôt de Frévent »" in unplanned.reason
    assert unplanned.next_date == THURSDAY
    assert stops_of_plan(db, shop.territory_id, WEDNESDAY) == []
    with db.uow() as uow:  # the board names the depot, for the app to word it
        territory = uow.session.get_one(Territory, shop.territory_id)
        (row,) = board(uow.session, territory=territory, date=WEDNESDAY).unplanned
    assert (row.reason_code, row.depot, row.parcels) == ("held_at_depot", "Dépôt de Frévent", 1)


def test_a_parcel_loaded_at_the_depot_stays_on_the_round_under_way(
    db: Database, shop: Shop
) -> None:
    """Wednesday's round from Frévent left with the parcel and has done a stop; planning
    the day again at 10:00 keeps the parcel on it, not on the round from Saint-Pol that has
    not left yet."""
    fleet = two_depots(db, shop)
    oid, _ = failed_on_tuesday(db, shop, fleet)
    other = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
    make_ready(db, other)
    plan(db, shop, WEDNESDAY, at(18))
    stops = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    far = [s for s in stops if s.run.round_id == fleet.far]
    assert any(s.kind is StopKind.DELIVER and s.merchant_order_id for s in far)
    first = far[0]
    if first.kind is StopKind.COLLECT:
        act(collect, db, shop, fleet.far_courier, first.id, now=at(9, day=WEDNESDAY))
    else:
        act(
            deliver, db, shop, fleet.far_courier, first.id, code=code_of(db, oid),
            means=PaymentMeans.CASH, now=at(9, day=WEDNESDAY),
        )  # fmt: skip

    report = plan(db, shop, WEDNESDAY, at(10, day=WEDNESDAY))

    assert report.unplanned == ()
    for stop in stops_of_plan(db, shop.territory_id, WEDNESDAY):
        if stop.merchant_order.order_id == oid:
            assert stop.run.round_id == fleet.far


def test_the_courier_is_told_what_to_load_at_the_depot(db: Database, shop: Shop) -> None:
    fleet = two_depots(db, shop)
    oid, _ = failed_on_tuesday(db, shop, fleet)
    fresh = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
    make_ready(db, fresh)
    plan(db, shop, WEDNESDAY, at(18))

    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = courier_runs(
            uow.session, territory=territory, courier_id=fleet.far_courier, date=WEDNESDAY
        )
        reference = uow.session.get_one(Order, oid).reference
    loads = [load for run in runs for load in run.from_depot]
    # The parcel left on Tuesday, not the order collected at the shop on the way.
    assert [(visit.kind, item.reference.split("-")[0]) for visit, item in loads] == [
        (StopKind.DELIVER, reference.split("-")[0])
    ]
    (visit, item) = loads[0]
    assert item.status is StopStatus.TODO and item.parcels == 1
    text = pdf_text(round_sheet_pdf(runs[0], territory_name="Ternois"))
    assert "À prendre au dépôt avant de partir" in text
    assert item.reference in text

    # Once handed over, it is no longer listed.
    (shop_visit,) = [v for run in runs for v in run.visits if v.kind is StopKind.COLLECT]
    act(collect, db, shop, fleet.far_courier, shop_visit.stop_id, now=at(9, day=WEDNESDAY))
    act(
        deliver, db, shop, fleet.far_courier, visit.stop_id, code=code_of(db, oid),
        means=PaymentMeans.CASH, now=at(10, day=WEDNESDAY),
    )  # fmt: skip
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        runs = courier_runs(
            uow.session, territory=territory, courier_id=fleet.far_courier, date=WEDNESDAY
        )
    assert [load for run in runs for load in run.from_depot] == []
    assert "À prendre au dépôt" not in pdf_text(round_sheet_pdf(runs[0], territory_name="T"))


@pytest.mark.parametrize(
    ("far_days", "back_on"),
    [(ALL_WEEK, WEDNESDAY), ((1, 3), THURSDAY)],
    ids=["next-day", "next-day-a-round-leaves-from-there"],
)
def test_parcels_sent_back_from_a_depot_go_to_the_shop_with_a_round_from_there(
    db: Database, shop: Shop, far_days: tuple[int, ...], back_on: dt.date
) -> None:
    """The shopper refuses the parcel left in Frévent: a round from Frévent brings it back
    to the baker, on Wednesday, or on Thursday when none leaves from there on Wednesday
    (the round from Saint-Pol does)."""
    fleet = two_depots(db, shop, far_days=far_days)
    oid, _ = failed_on_tuesday(db, shop, fleet)
    send_back(db, shop, oid, now=at(18))

    wednesday = plan(db, shop, WEDNESDAY, at(18, 30))
    if back_on == THURSDAY:
        assert (wednesday.returns, wednesday.returns_left_out) == (0, 1)
        assert stops_of_plan(db, shop.territory_id, WEDNESDAY) == []
    report = plan(db, shop, back_on, at(18, 30)) if back_on != WEDNESDAY else wednesday

    assert report.returns == 1
    (back,) = stops_of_plan(db, shop.territory_id, back_on)
    assert (back.kind, back.run.round_id) == (StopKind.BRING_BACK, fleet.far)


def test_parcels_sent_back_after_the_planning_are_given_to_a_round_from_their_depot(
    db: Database, shop: Shop
) -> None:
    """Wednesday is planned; on Tuesday evening the operator sends the parcel in Frévent
    back to the baker. Giving the ways back to the day's rounds puts it on the round from
    Frévent, before it leaves, without moving the other stops."""
    fleet = two_depots(db, shop)
    oid, _ = failed_on_tuesday(db, shop, fleet)
    fresh = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
    make_ready(db, fresh)
    move_to(db, oid, THURSDAY)  # the failed one is refused before Wednesday is planned again
    plan(db, shop, WEDNESDAY, at(18))
    before = [(s.id, s.run.round_id) for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)]
    send_back(db, shop, oid, now=at(19))
    with db.uow() as uow:
        plan_row = get_plan(uow.session, shop.territory_id, WEDNESDAY)
        assert plan_row is not None
        assert [t.depot_id for t in returns_to_add(uow.session, plan_row, TUESDAY)] == [
            stop_depot(uow, fleet.far)
        ]

    report = insert(db, shop, WEDNESDAY, at(19))

    assert (report.returns, report.returns_left_out) == (1, 0)
    after = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    (back,) = [s for s in after if s.kind is StopKind.BRING_BACK]
    assert back.run.round_id == fleet.far
    assert [(s.id, s.run.round_id) for s in after if s.id != back.id] == before


def test_parcels_sent_back_once_the_round_from_their_depot_has_left_wait(
    db: Database, shop: Shop
) -> None:
    """Two parcels left in Frévent on Tuesday; Wednesday's round from there leaves with
    one and delivers it. The other, sent back to the baker then, waits for another day:
    the round from Saint-Pol has not left, but the parcels are in Frévent."""
    fleet = two_depots(db, shop)
    first = order(db, shop, {shop.bread_id: 1})
    second = order(db, shop, {shop.cake_id: 1}, address=NEIGHBOUR)
    for oid in (first, second):
        make_ready(db, oid)
    plan(db, shop, TUESDAY, at(7))
    for kind in (StopKind.COLLECT, StopKind.DELIVER, StopKind.DELIVER):
        stop = next(
            s
            for s in stops_of_plan(db, shop.territory_id)
            if s.kind is kind and s.status is StopStatus.TODO
        )
        if kind is StopKind.COLLECT:  # one visit at the bakery: both parcels
            act(collect, db, shop, fleet.far_courier, stop.id, now=at(9))
        else:
            act(
                fail, db, shop, fleet.far_courier, stop.id, reason="Absent",
                then=AfterFailure.NEXT_ROUND, now=at(10),
            )  # fmt: skip
    move_to(db, second, THURSDAY)
    plan(db, shop, WEDNESDAY, at(18))
    (loaded,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert loaded.run.round_id == fleet.far
    act(
        deliver, db, shop, fleet.far_courier, loaded.id, code=code_of(db, first),
        means=PaymentMeans.CASH, now=at(9, day=WEDNESDAY),
    )  # fmt: skip
    send_back(db, shop, second, now=at(9, 30, day=WEDNESDAY))

    report = insert(db, shop, WEDNESDAY, at(10, day=WEDNESDAY))

    assert (report.returns, report.returns_left_out) == (0, 1)
    kinds = [s.kind for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)]
    assert kinds == [StopKind.DELIVER]


def loaded_on_wednesday(db: Database, shop: Shop) -> tuple[TwoDepots, Stop]:
    """The parcel left in Frévent on Tuesday, on Wednesday's round from there (planned)."""
    fleet = two_depots(db, shop)
    failed_on_tuesday(db, shop, fleet)
    plan(db, shop, WEDNESDAY, at(18))
    (loaded,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    return fleet, loaded


def run_of(uow, shop: Shop, round_id: int) -> RoundRun:  # type: ignore[no-untyped-def]
    """Wednesday's run of the round."""
    plan_row = get_plan(uow.session, shop.territory_id, WEDNESDAY)
    assert plan_row is not None
    (run,) = [r for r in plan_row.runs if r.round_id == round_id]
    return run


def stop_depot(uow, round_id: int) -> int:  # type: ignore[no-untyped-def]
    return uow.session.get_one(Round, round_id).depot_id  # type: ignore[no-any-return]


def test_the_operator_cannot_move_parcels_at_a_depot_to_a_round_from_another(
    db: Database, shop: Shop
) -> None:
    fleet, loaded = loaded_on_wednesday(db, shop)
    with db.uow() as uow:
        near_run = run_of(uow, shop, fleet.near).id

    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=loaded.id, run_id=near_run,
            distances=DISTANCES, settings=SETTINGS, actor=Actor(user_id=None), now=at(18),
        )  # fmt: skip

    assert "attendent au dépôt « Dépôt de Frévent »" in str(refused.value)
    assert refused.value.field == "run"
    (still,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert (still.id, still.run.round_id) == (loaded.id, fleet.far)


def test_a_stop_the_system_closed_does_not_say_where_the_parcels_are(
    db: Database, shop: Shop
) -> None:
    """Where parcels wait is read from the stops couriers recorded; a stop closed without
    a courier (the order sent back or cancelled) says nothing of it, whatever its run."""
    fleet, loaded = loaded_on_wednesday(db, shop)
    with db.uow() as uow:
        near_run = run_of(uow, shop, fleet.near)
        stop = uow.session.get_one(Stop, loaded.id)
        near_run.stops.append(
            Stop(
                sequence=1, kind=StopKind.DELIVER, merchant_order_id=stop.merchant_order_id,
                place_name=stop.place_name, address=stop.address, lat=stop.lat, lon=stop.lon,
                expected_arrival=stop.expected_arrival, expected_start=stop.expected_start,
                status=StopStatus.FAILED, reason="Colis retourné à la boutique",
            )
        )  # fmt: skip
        uow.commit()
        mo_id = stop.merchant_order_id
        far_depot = uow.session.get_one(Round, fleet.far).depot_id

    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: far_depot}


def test_parcels_loaded_by_a_round_under_way_cannot_be_moved(db: Database, shop: Shop) -> None:
    """Wednesday's round from Frévent left with the parcel (it collected another order
    first); the operator cannot give the parcel to another round from Frévent that has not
    left: it is on the van."""
    fleet = two_depots(db, shop, near_days=(5,))  # not on Wednesday
    oid, _ = failed_on_tuesday(db, shop, fleet)
    with db.uow() as uow:  # a second round from Frévent, for Frévent only
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name="Léa")
        other = create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Frévent", depot_id=uow.session.get_one(Round, fleet.far).depot_id,
                weekdays=ALL_WEEK, starts=dt.time(7, 30), ends=dt.time(19), capacity=20,
                courier_id=courier, insee_codes=("62361",),
            ),
            actor=SYSTEM,
        )  # fmt: skip
    fresh = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
    make_ready(db, fresh)
    plan(db, shop, WEDNESDAY, at(18))
    stops = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert {s.run.round_id for s in stops} == {fleet.far}
    (loaded,) = [s for s in stops if s.merchant_order.order_id == oid]
    (collection,) = [s for s in stops if s.kind is StopKind.COLLECT]
    act(collect, db, shop, fleet.far_courier, collection.id, now=at(9, day=WEDNESDAY))
    with db.uow() as uow:
        plan_row = get_plan(uow.session, shop.territory_id, WEDNESDAY)
        assert plan_row is not None
        (other_run,) = [r.id for r in plan_row.runs if r.round_id == other]

    with db.uow() as uow, pytest.raises(ValidationError, match="déjà à bord"):
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=loaded.id, run_id=other_run,
            distances=DISTANCES, settings=SETTINGS, actor=Actor(user_id=None),
            now=at(9, 30, day=WEDNESDAY),
        )  # fmt: skip


def left_in_frevent_one_sent_back(db: Database, shop: Shop, fleet: TwoDepots) -> Stop:
    """Two parcels left in Frévent on Tuesday, both on Wednesday's round from there
    (planned on Tuesday evening); the second one's shopper refuses it, so the operator
    sends it back to the baker: its stop is closed by the system, with no time, and no
    courier has left. The stop of the first, to load at the depot."""
    first = order(db, shop, {shop.bread_id: 1})
    second = order(db, shop, {shop.cake_id: 1}, address=NEIGHBOUR)
    for oid in (first, second):
        make_ready(db, oid)
    plan(db, shop, TUESDAY, at(7))
    for kind in (StopKind.COLLECT, StopKind.DELIVER, StopKind.DELIVER):
        stop = next(
            s
            for s in stops_of_plan(db, shop.territory_id)
            if s.kind is kind and s.status is StopStatus.TODO
        )
        if kind is StopKind.COLLECT:  # one visit at the bakery: both parcels
            act(collect, db, shop, fleet.far_courier, stop.id, now=at(9))
        else:
            act(
                fail, db, shop, fleet.far_courier, stop.id, reason="Absent",
                then=AfterFailure.NEXT_ROUND, now=at(10),
            )  # fmt: skip
    plan(db, shop, WEDNESDAY, at(18))
    send_back(db, shop, second, now=at(19))
    stops = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert {s.run.round_id for s in stops} == {fleet.far}
    (closed,) = [s for s in stops if s.merchant_order.order_id == second]
    assert (closed.status, closed.done_at) == (StopStatus.FAILED, None)
    (loaded,) = [s for s in stops if s.merchant_order.order_id == first]
    return loaded


def test_parcels_of_a_run_whose_stops_only_the_system_closed_are_still_at_the_depot(
    db: Database, shop: Shop
) -> None:
    """The run from Frévent has not left (a stop closed by the system is no courier's
    tap): the parcel it is to load is still at the depot, so the operator may give it to
    another round from Frévent, and a transfer is refused because a round is to load it,
    not because it is on a van."""
    fleet = two_depots(db, shop)
    with db.uow() as uow:  # a second round from Frévent, for Frévent only
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name="Léa")
        other = create_round(
            uow=uow,
            territory_id=shop.territory_id,
            data=RoundInput(
                name="Frévent", depot_id=uow.session.get_one(Round, fleet.far).depot_id,
                weekdays=ALL_WEEK, starts=dt.time(7, 30), ends=dt.time(19), capacity=20,
                courier_id=courier, insee_codes=("62361",),
            ),
            actor=SYSTEM,
        )  # fmt: skip
    loaded = left_in_frevent_one_sent_back(db, shop, fleet)
    with db.uow() as uow:
        other_run = run_of(uow, shop, other).id
        near_depot = stop_depot(uow, fleet.near)

    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        carry_to_depot(
            uow=uow, territory_id=shop.territory_id, merchant_order_id=loaded.merchant_order_id,
            depot_id=near_depot, actor=Actor(user_id=None), now=at(19, 30),
        )  # fmt: skip
    assert refused.value.code == "planned_from_depot"
    with db.uow() as uow:
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=loaded.id, run_id=other_run,
            distances=DISTANCES, settings=SETTINGS, actor=Actor(user_id=None),
            now=at(19, 30),
        )  # fmt: skip

    (moved,) = [
        s
        for s in stops_of_plan(db, shop.territory_id, WEDNESDAY)
        if s.merchant_order_id == loaded.merchant_order_id
    ]
    assert moved.run.round_id == other


def test_an_order_whose_parcels_wait_at_a_depot_is_postponed_to_a_round_from_there(
    db: Database, shop: Shop
) -> None:
    """The round from Frévent runs on Tuesdays and Fridays, the one from Saint-Pol every day
    from Wednesday: the parcel left in Frévent on Tuesday goes on Friday, not Thursday."""
    fleet = two_depots(db, shop, far_days=(1, 4))
    oid, date = failed_on_tuesday(db, shop, fleet)
    assert date == FRIDAY
    move_to(db, oid, WEDNESDAY)
    plan(db, shop, WEDNESDAY, at(18))

    with db.uow() as uow:
        report = postpone_unserved(
            uow=uow, territory_id=shop.territory_id, date=WEDNESDAY, actor=SYSTEM,
            today=WEDNESDAY,
        )  # fmt: skip

    assert [(p.order_id, p.date) for p in report.moved] == [(oid, FRIDAY)]
