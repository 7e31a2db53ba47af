"""Planning a day: orders into rounds, reasons for those left out, re-planning, late orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery import planning
from delivery.model import DayPlan, Round, RoundRun, Stop, StopKind, StopStatus, Unplanned
from delivery.optimiser import Solution, route_cost, timed_route
from delivery.optimiser import StopKind as PlannedKind
from delivery.plan_state import PlanningFailed
from delivery.planning import plan_day
from delivery.replanning import assign_run, insert_late_orders, move_shipment
from delivery.services import RoundInput, create_round
from delivery.stops import collect
from shop_core.accounts.model import Role
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrder, MerchantOrderStatus
from shop_core.testing.factories import make_user

from .at_once import at_once
from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import (
    DISTANCES,
    FREVENT,
    SAINT_POL,
    SETTINGS,
    SYSTEM,
    Fleet,
    add_fleet,
    make_ready,
    merchant_orders,
    order,
    stops_of_plan,
)

PARIS = ZoneInfo("Europe/Paris")


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PARIS)


def plan(db: Database, shop: Shop, now: dt.datetime = NOW, date: dt.date = TUESDAY):  # type: ignore[no-untyped-def]
    with db.uow() as uow:
        return plan_day(
            uow=uow,
            territory_id=shop.territory_id,
            date=date,
            distances=DISTANCES,
            settings=SETTINGS,
            actor=SYSTEM,
            now=now,
        )


def test_due_orders_are_planned_into_the_rounds_serving_their_communes(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    both = order(db, shop, {shop.bread_id: 1, shop.apples_id: 2})
    frevent = order(db, shop, {shop.cake_id: 1}, address=FREVENT, slot="apres-midi")
    point = order(db, shop, {shop.bread_id: 2}, point_id=fleet.point_id)

    report = plan(db, shop)

    assert report.unplanned == ()
    assert report.planned == 4  # two merchant orders for the first order
    stops = stops_of_plan(db, shop.territory_id)
    by_mo: dict[int, list[Stop]] = {}
    for stop in stops:
        by_mo.setdefault(stop.merchant_order_id, []).append(stop)
    assert len(by_mo) == 4
    for pair in by_mo.values():
        kinds = [s.kind for s in pair]
        assert kinds == [StopKind.COLLECT, StopKind.DELIVER]  # collected first
        assert pair[0].run_id == pair[1].run_id  # by the same courier
        assert pair[0].sequence < pair[1].sequence
        assert pair[0].expected_start <= pair[1].expected_start
    rounds = {
        s.merchant_order.order_id: s.run.round.name for s in stops if s.kind is StopKind.DELIVER
    }
    assert rounds[frevent] == "Frévent après-midi"
    assert rounds[both] == rounds[point] == "Saint-Pol matin"
    morning = [s for s in stops if s.merchant_order.order_id == both and s.kind is StopKind.DELIVER]
    for stop in morning:  # within the chosen slot (9 h - 12 h)
        assert at(9) <= stop.expected_start <= at(12)
        assert stop.window_start == at(9) and stop.window_end == at(12)


def test_a_place_visited_for_several_orders_counts_its_arrival_once(
    db: Database, shop: Shop
) -> None:
    # Jeanne's basket from the baker and the farm is one visit at her door, and the baker's
    # two orders one visit at the shop: the courier parks once, then hands each order over.
    fleet = add_fleet(db, shop)
    both = order(db, shop, {shop.bread_id: 1, shop.apples_id: 2})
    order(db, shop, {shop.bread_id: 2}, point_id=fleet.point_id)

    plan(db, shop)

    stops = [s for s in stops_of_plan(db, shop.territory_id) if s.status is StopStatus.TODO]
    runs = {s.run_id for s in stops}
    assert len(runs) == 1  # all on Saint-Pol's morning round
    stops.sort(key=lambda s: s.sequence)
    door = [i for i, s in enumerate(stops) if s.kind is StopKind.DELIVER and
            s.merchant_order.order_id == both]  # fmt: skip
    assert door == [door[0], door[0] + 1]  # one after the other
    first, second = stops[door[0]], stops[door[1]]
    assert second.expected_start - first.expected_start == dt.timedelta(
        seconds=SETTINGS.home_per_order_s
    )  # not a second arrival of 150 s
    baker = [
        s for s in stops if s.kind is StopKind.COLLECT and s.place_name == "Boulangerie Lefebvre"
    ]
    assert [s.sequence for s in baker] == [baker[0].sequence, baker[0].sequence + 1]
    assert baker[1].expected_start - baker[0].expected_start == dt.timedelta(
        seconds=SETTINGS.collect_per_parcel_s * baker[0].parcels
    )  # not a second arrival of 120 s


def fleet_with_second_morning_round(db: Database, shop: Shop) -> tuple[Fleet, int]:
    """The fleet, and a second morning round for Saint-Pol ("Saint-Pol bis", Léa's)."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        courier = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name="Léa")
        second = create_round(
            uow=uow, territory_id=shop.territory_id,
            data=RoundInput(
                name="Saint-Pol bis", depot_id=fleet.depot_id, weekdays=(0, 1, 2, 3, 4),
                starts=dt.time(8), ends=dt.time(13), capacity=12, courier_id=courier,
                insee_codes=("62767",),
            ),
            actor=SYSTEM,
        )  # fmt: skip
    return fleet, second


def test_a_basket_the_solver_splits_over_two_rounds_reaches_the_door_once(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A second morning round for Saint-Pol; the solver (a stand-in here) gives the bread
    # to one round and the apples to the other: Jeanne would open her door twice.
    fleet, second = fleet_with_second_morning_round(db, shop)
    oid = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})

    def split(problem, *, time_limit, seed, workers):  # type: ignore[no-untyped-def]
        vehicles = [problem.vehicle(f"round{fleet.saint_pol}"), problem.vehicle(f"round{second}")]
        routes = tuple(
            timed_route(problem, vehicle, [(k, PlannedKind.PICKUP), (k, PlannedKind.DELIVERY)])
            for k, vehicle in enumerate(vehicles)
        )
        return Solution(routes, (), route_cost(problem, routes))  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "solve", split)
    plan(db, shop)

    drops = [
        s for s in stops_of_plan(db, shop.territory_id)
        if s.kind is StopKind.DELIVER and s.merchant_order.order_id == oid
    ]  # fmt: skip
    assert len(drops) == 2 and len({s.run_id for s in drops}) == 1  # one round, one visit
    assert abs(drops[0].sequence - drops[1].sequence) == 1


def test_an_order_no_round_of_the_day_serves_is_reported_with_reason_and_next_date(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop, frevent_days=(3,))  # Frévent only on Thursdays
    frevent = order(db, shop, {shop.cake_id: 1}, address=FREVENT, slot="apres-midi")

    report = plan(db, shop)

    (left,) = report.unplanned
    assert left.reason_code == "not_allowed"
    assert left.reason == "Aucune tournée de ce jour ne dessert Frévent."
    assert left.next_date == dt.date(2026, 11, 26)  # Thursday
    with db.uow() as uow:
        row = uow.session.scalar(select(Unplanned))
        assert row is not None
        assert row.merchant_order.order_id == frevent
        assert row.next_date == dt.date(2026, 11, 26)


def test_a_merchant_order_bigger_than_every_round_is_reported_without_a_date(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop, capacity=5)
    oid = order(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        mo = uow.session.scalars(select(MerchantOrder).where(MerchantOrder.order_id == oid)).one()
        mo.parcels = 8
        uow.commit()

    report = plan(db, shop)

    (left,) = report.unplanned
    assert left.reason_code == "too_large"
    assert left.reason == "8 colis : plus que n'en prend une tournée."
    assert left.next_date is None


def test_without_any_round_that_day_every_order_is_reported_no_round(
    db: Database, shop: Shop
) -> None:
    oid = order(db, shop, {shop.bread_id: 1})

    report = plan(db, shop)

    assert [u.reason for u in report.unplanned] == ["Aucune tournée ne circule ce jour-là."]
    assert report.unplanned[0].reference.startswith(merchant_orders(db, oid)[0].reference[:3])


def test_replanning_keeps_the_stops_already_done_and_the_parcels_on_board(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    first = order(db, shop, {shop.bread_id: 1})
    make_ready(db, first)
    plan(db, shop)
    collect_stop = next(
        s for s in stops_of_plan(db, shop.territory_id) if s.kind is StopKind.COLLECT
    )
    with db.uow() as uow:
        collect(
            uow=uow,
            territory_id=shop.territory_id,
            courier_id=fleet.couriers[0],
            stop_id=collect_stop.id,
            now=at(9, 10),
        )
    order(db, shop, {shop.apples_id: 1}, slot="apres-midi", address=FREVENT)

    report = plan(db, shop, now=at(9, 15))

    assert report.kept_stops == 1
    stops = stops_of_plan(db, shop.territory_id)
    kept = next(s for s in stops if s.id == collect_stop.id)
    assert kept.status is StopStatus.DONE and kept.sequence == 1
    on_board = [s for s in stops if s.merchant_order_id == collect_stop.merchant_order_id]
    assert [s.kind for s in on_board] == [StopKind.COLLECT, StopKind.DELIVER]
    assert {s.run_id for s in on_board} == {collect_stop.run_id}  # stays with its courier
    assert all(s.expected_start >= at(9, 10) for s in stops if s.status is StopStatus.TODO)


def _late_apples_for_jeanne(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch, max_added_m: int
) -> tuple[dict[int, str], int, int]:
    """The farm is 1.5 km out of Saint-Pol. Round A goes there for Marc's apples; round
    "bis" brings Jeanne her bread. Jeanne then orders apples, inserted late: cheapest on A
    (already at the farm, near Marc), but then she would open her door twice; on "bis" it
    costs a detour to the farm. The delivering round of each order, and the two orders."""
    fleet, second = fleet_with_second_morning_round(db, shop)
    with db.uow() as uow:
        marc = make_user(uow, territory_id=shop.territory_id, role=Role.SHOPPER, name="Marc")
        farm = uow.session.get_one(Merchant, shop.farmer_id)
        farm.lat, farm.lon = 50.3950, 2.3400
        uow.commit()
    near_marc = replace(
        SAINT_POL, recipient="Marc", line1="1 rue du Moulin", lat=50.3920, lon=2.3330
    )
    order(db, shop, {shop.apples_id: 1}, address=near_marc, user_id=marc)
    bread = order(db, shop, {shop.bread_id: 1})

    def by_round(problem, *, time_limit, seed, workers):  # type: ignore[no-untyped-def]
        routes = tuple(
            timed_route(
                problem, problem.vehicle(vid), [(k, PlannedKind.PICKUP), (k, PlannedKind.DELIVERY)]
            )
            for k, vid in enumerate((f"round{fleet.saint_pol}", f"round{second}"))
        )  # Marc's apples on A, Jeanne's bread on "bis"
        return Solution(routes, (), route_cost(problem, routes))  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "solve", by_round)
    plan(db, shop)
    apples = order(db, shop, {shop.apples_id: 1}, now=NOW + dt.timedelta(hours=1))
    with db.uow() as uow:
        insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=replace(SETTINGS, one_visit_max_added_m=max_added_m), actor=SYSTEM,
            now=NOW + dt.timedelta(hours=1),
        )  # fmt: skip
    rounds = {
        s.merchant_order.order_id: s.run.round.name
        for s in stops_of_plan(db, shop.territory_id)
        if s.kind is StopKind.DELIVER
    }
    return rounds, apples, bread


def test_a_forgotten_item_comes_with_the_rest_of_the_basket(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds, apples, bread = _late_apples_for_jeanne(db, shop, monkeypatch, max_added_m=5_000)
    assert rounds[apples] == rounds[bread] == "Saint-Pol bis"  # one ring at Jeanne's door


def test_a_forgotten_item_goes_where_cheapest_when_the_detour_is_too_long(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    rounds, apples, bread = _late_apples_for_jeanne(db, shop, monkeypatch, max_added_m=0)
    assert (rounds[apples], rounds[bread]) == ("Saint-Pol matin", "Saint-Pol bis")


def test_a_late_order_is_inserted_without_moving_other_stops(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    order(db, shop, {shop.apples_id: 1}, address=FREVENT, slot="apres-midi")
    plan(db, shop)
    before = {
        s.id: (s.run_id, s.merchant_order_id, s.kind) for s in stops_of_plan(db, shop.territory_id)
    }
    late = order(db, shop, {shop.cake_id: 1}, now=NOW + dt.timedelta(hours=2))

    # Its speed (the "≤ 1 s") is measured by `python -m delivery.bench rural`, which
    # inserts five late orders into each planned day: a timed test fails on a loaded machine.
    with db.uow() as uow:
        report = insert_late_orders(
            uow=uow,
            territory_id=shop.territory_id,
            date=TUESDAY,
            distances=DISTANCES,
            settings=SETTINGS,
            actor=SYSTEM,
            now=NOW + dt.timedelta(hours=2),
        )

    assert report.planned == 1 and report.unplanned == ()
    after = stops_of_plan(db, shop.territory_id)
    new = [s for s in after if s.merchant_order.order_id == late]
    assert [s.kind for s in new] == [StopKind.COLLECT, StopKind.DELIVER]
    kept = [s for s in after if s.id in before]
    assert len(kept) == len(before)
    for run_id in {s.run_id for s in kept}:  # the others keep their order
        ids = [s.id for s in kept if s.run_id == run_id]
        assert ids == sorted(ids, key=lambda i: next(s.sequence for s in after if s.id == i))
        assert [before[i][0] for i in ids] == [run_id] * len(ids)


def test_two_clicks_at_once_insert_a_late_order_once(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    plan(db, shop)
    late = order(db, shop, {shop.cake_id: 1}, now=NOW + dt.timedelta(hours=2))
    planned: list[int] = []

    def click() -> None:
        with db.uow() as uow:
            report = insert_late_orders(
                uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
                settings=SETTINGS, actor=SYSTEM, now=NOW + dt.timedelta(hours=2),
            )  # fmt: skip
        planned.append(report.planned)

    outcomes = at_once(click, click, click)

    assert outcomes == ["ok"] * 3 and sorted(planned) == [0, 0, 1]
    kinds = [
        s.kind for s in stops_of_plan(db, shop.territory_id) if s.merchant_order.order_id == late
    ]
    assert kinds == [StopKind.COLLECT, StopKind.DELIVER]


def test_inserting_without_a_plan_asks_to_plan_first(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    with db.uow() as uow, pytest.raises(ValidationError, match="pas encore planifiée"):
        insert_late_orders(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES, now=NOW
        )


def test_the_operator_moves_a_shipment_to_another_run_of_the_day(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)
    plan(db, shop)
    (collect_stop, deliver_stop) = [
        s for s in stops_of_plan(db, shop.territory_id) if s.merchant_order.order_id == oid
    ]
    with db.uow() as uow:
        target = uow.session.scalars(
            select(RoundRun).where(RoundRun.round_id == fleet.frevent)
        ).one()
        target_id = target.id
    assert collect_stop.run_id != target_id

    with db.uow() as uow:
        move_shipment(
            uow=uow,
            territory_id=shop.territory_id,
            stop_id=deliver_stop.id,
            run_id=target_id,
            distances=DISTANCES,
            actor=SYSTEM,
            now=NOW,
        )

    moved = [s for s in stops_of_plan(db, shop.territory_id) if s.merchant_order.order_id == oid]
    assert [s.kind for s in moved] == [StopKind.COLLECT, StopKind.DELIVER]
    assert {s.run_id for s in moved} == {target_id}


def _ready_on_the_morning_run(db: Database, shop: Shop) -> tuple[Fleet, int, Stop, Stop, int]:
    """A ready order planned on the morning run: fleet, order, its two stops, the other run."""
    fleet = add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)
    make_ready(db, oid)
    plan(db, shop)
    collect_stop, deliver_stop = stops_of_plan(db, shop.territory_id)
    with db.uow() as uow:
        runs = select(RoundRun.id).where(RoundRun.round_id == fleet.frevent)
        other = uow.session.scalars(runs).one()
    return fleet, oid, collect_stop, deliver_stop, other


def test_a_parcel_already_on_board_cannot_change_run(db: Database, shop: Shop) -> None:
    fleet, _, collect_stop, deliver_stop, other = _ready_on_the_morning_run(db, shop)
    with db.uow() as uow:
        collect(
            uow=uow,
            territory_id=shop.territory_id,
            courier_id=fleet.couriers[0],
            stop_id=collect_stop.id,
            now=at(9),
        )
    with db.uow() as uow, pytest.raises(ValidationError, match="déjà à bord"):
        move_shipment(
            uow=uow, territory_id=shop.territory_id, stop_id=deliver_stop.id, run_id=other,
            distances=DISTANCES, actor=SYSTEM, now=at(9, 5),
        )  # fmt: skip


def test_a_whole_run_goes_to_another_courier_unless_they_drive_at_the_same_time(
    db: Database, shop: Shop
) -> None:
    fleet = add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    plan(db, shop)
    with db.uow() as uow:
        runs = {r.round_id: r.id for r in uow.session.scalars(select(RoundRun))}

    with db.uow() as uow:  # the afternoon courier can also drive the morning round
        assign_run(
            uow=uow,
            territory_id=shop.territory_id,
            run_id=runs[fleet.saint_pol],
            courier_id=fleet.couriers[1],
            actor=SYSTEM,
        )
    with db.uow() as uow:
        assert uow.session.get(RoundRun, runs[fleet.saint_pol]).courier_id == fleet.couriers[1]  # type: ignore[union-attr]
    with db.uow() as uow, pytest.raises(ValidationError, match="Choisissez un livreur"):
        assign_run(
            uow=uow, territory_id=shop.territory_id, run_id=runs[fleet.frevent],
            courier_id=shop.shopper_id, actor=SYSTEM,
        )  # fmt: skip
    with db.uow() as uow, pytest.raises(NotFound):
        assign_run(uow=uow, territory_id=shop.territory_id + 1000, run_id=runs[fleet.frevent],
                   courier_id=fleet.couriers[0], actor=SYSTEM)  # fmt: skip


def test_a_past_date_cannot_be_planned(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    with pytest.raises(ValidationError, match="passée"):
        plan(db, shop, now=at(8, day=TUESDAY + dt.timedelta(days=1)))
    with db.uow() as uow:
        assert uow.session.scalar(select(DayPlan.id)) is None


def test_the_solver_holds_no_lock_and_what_changed_meanwhile_is_planned_too(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = add_fleet(db, shop)
    first = order(db, shop, {shop.bread_id: 1})
    solve = planning.solve
    late: list[int] = []

    def solve_while_a_shopper_checks_out(*args: object, **kwargs: object) -> Solution:
        if not late:  # a checkout while the solver runs: it must not wait for the planning
            late.append(order(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id))
        return solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "solve", solve_while_a_shopper_checks_out)
    report = plan(db, shop)

    assert report.unplanned == ()
    assert report.planned == 2  # the order placed during the first solve is on a round too
    planned_orders = {s.merchant_order.order_id for s in stops_of_plan(db, shop.territory_id)}
    assert planned_orders == {first, late[0]}


def test_a_day_that_keeps_changing_while_planning_is_not_stored(
    db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_fleet(db, shop)
    order(db, shop, {shop.bread_id: 1})
    solve = planning.solve
    calls: list[int] = []

    def solve_while_orders_keep_coming(*args: object, **kwargs: object) -> Solution:
        calls.append(order(db, shop, {shop.apples_id: 1}))
        return solve(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(planning, "solve", solve_while_orders_keep_coming)
    with pytest.raises(PlanningFailed, match="ont changé pendant le calcul"):
        plan(db, shop)

    assert len(calls) == 2  # planned again once, then given up
    with db.uow() as uow:
        assert uow.session.scalar(select(DayPlan.id)) is None
        assert uow.session.scalar(select(Stop.id)) is None


def test_a_parcel_collected_while_the_operator_moves_it_stays_with_its_courier(
    db: Database, shop: Shop
) -> None:
    """The courier taps *Colis collectés* while the operator moves the order to another
    round: either the move comes first (the courier is then told the stop left the round)
    or the collection does (the move is refused: the parcel is on board). Never both: a
    collection recorded on a round the order has left, or deleted with it."""
    fleet, oid, collect_stop, deliver_stop, other = _ready_on_the_morning_run(db, shop)

    def collecting() -> None:
        with db.uow() as uow:
            collect(uow=uow, territory_id=shop.territory_id, courier_id=fleet.couriers[0],
                    stop_id=collect_stop.id, now=at(9))  # fmt: skip

    def moving() -> None:
        with db.uow() as uow:
            move_shipment(uow=uow, territory_id=shop.territory_id, stop_id=deliver_stop.id,
                          run_id=other, distances=DISTANCES, actor=SYSTEM, now=at(9))  # fmt: skip

    outcomes = at_once(collecting, moving)

    assert outcomes[0] == "ok" and outcomes[1].startswith("refused: "), outcomes
    stops = [s for s in stops_of_plan(db, shop.territory_id) if s.merchant_order.order_id == oid]
    assert [s.kind for s in stops] == [StopKind.COLLECT, StopKind.DELIVER]
    assert len({s.run_id for s in stops}) == 1
    (mo,) = merchant_orders(db, oid)
    if stops[0].run_id == collect_stop.run_id:  # collected first
        assert "déjà à bord" in outcomes[1]
        assert stops[0].status is StopStatus.DONE
        assert mo.status is MerchantOrderStatus.HANDED_TO_COURIER
    else:  # moved first
        assert stops[0].run_id == other
        assert stops[0].status is StopStatus.TODO
        assert mo.status is not MerchantOrderStatus.HANDED_TO_COURIER


def test_a_round_switched_off_since_the_planning_loses_its_run_when_the_day_is_planned_again(
    db: Database, shop: Shop
) -> None:
    """Tuesday is planned; the operator then switches off the round that carries the loaf
    (not begun) and plans the day again: the loaf goes on the other round serving
    Saint-Pol, and the switched-off round's run goes, instead of keeping its stops too."""
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        relief = make_user(uow, territory_id=shop.territory_id, role=Role.COURIER, name="Léa")
        create_round(
            uow=uow, territory_id=shop.territory_id, actor=SYSTEM,
            data=RoundInput(
                name="Saint-Pol renfort", depot_id=fleet.depot_id, weekdays=(1,),
                starts=dt.time(8), ends=dt.time(13), capacity=20, courier_id=relief,
                insee_codes=(SAINT_POL.insee_code,),
            ),
        )  # fmt: skip
    loaf = order(db, shop, {shop.bread_id: 1})
    make_ready(db, loaf)
    plan(db, shop)
    (mo,) = merchant_orders(db, loaf)
    first = {s.run.round_id for s in stops_of_plan(db, shop.territory_id)}
    assert len(first) == 1
    with db.uow() as uow:
        uow.session.get_one(Round, first.pop()).active = False
        uow.commit()

    report = plan(db, shop)

    assert report.unplanned == ()
    stops = [s for s in stops_of_plan(db, shop.territory_id) if s.merchant_order_id == mo.id]
    assert [s.kind for s in stops] == [StopKind.COLLECT, StopKind.DELIVER]
    assert {s.run.round.active for s in stops} == {True}
    with db.uow() as uow:
        runs = uow.session.scalars(select(RoundRun)).all()
        assert all(run.round.active for run in runs)
