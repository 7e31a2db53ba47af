"""A round moved to another depot: the parcels its runs left at the old depot stay there
(only a round leaving from there loads them), a run under way comes back to the depot it
left from, and the runs planned for the days to come leave from the new depot once their
day is planned again."""

from __future__ import annotations

import datetime as dt

from delivery.model import Round, StopKind
from delivery.plan_state import get_plan, holding_depots
from delivery.queries import RunView, courier_runs
from delivery.services import RoundInput, days_planned_before_change, update_round
from delivery.stops import AfterFailure, collect, fail
from shop_core.database import Database
from shop_core.territories.model import Territory

from .conftest import TUESDAY, Shop
from .delivery_setup import SYSTEM, make_ready, order, stops_of_plan
from .test_delivery_stops import at
from .test_depot_parcels import (
    THURSDAY,
    WEDNESDAY,
    TwoDepots,
    act,
    failed_on_tuesday,
    insert,
    left_in_frevent_one_sent_back,
    plan,
    two_depots,
)
from .test_parcel_transfers import depot_of, merchant_order_of


def move_round(db: Database, shop: Shop, round_id: int, depot_id: int) -> None:
    """The operator sets another depot on the round's form, nothing else changed."""
    with db.uow() as uow:
        r = uow.session.get_one(Round, round_id)
        data = RoundInput(
            name=r.name, depot_id=depot_id, weekdays=r.weekday_numbers, starts=r.starts,
            ends=r.ends, capacity=r.capacity, courier_id=r.courier_id,
            max_duration_min=r.max_duration_min, insee_codes=sorted(r.insee_codes),
            active=r.active,
        )  # fmt: skip
        update_round(
            uow=uow, territory_id=shop.territory_id, round_id=round_id, data=data, actor=SYSTEM
        )


def swap_depots(db: Database, shop: Shop, fleet: TwoDepots) -> tuple[int, int]:
    """The round from Frévent now leaves from Saint-Pol, and the other way round: the
    depots (Frévent, Saint-Pol)."""
    frevent, saint_pol = depot_of(db, fleet.far), depot_of(db, fleet.near)
    move_round(db, shop, fleet.far, saint_pol)
    move_round(db, shop, fleet.near, frevent)
    return frevent, saint_pol


def run_depot(db: Database, shop: Shop, date: dt.date, round_id: int) -> int:
    with db.uow() as uow:
        plan_row = get_plan(uow.session, shop.territory_id, date)
        assert plan_row is not None
        (run,) = [r for r in plan_row.runs if r.round_id == round_id]
        return run.depot_id


def runs_of(db: Database, shop: Shop, courier_id: int, date: dt.date) -> list[RunView]:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        return courier_runs(uow.session, territory=territory, courier_id=courier_id, date=date)


def test_parcels_left_at_a_depot_stay_there_when_their_round_moves_to_another(
    db: Database, shop: Shop
) -> None:
    """Tuesday's round from Frévent left the parcel in Frévent; the operator then swaps the
    depots of the two rounds. The parcel is still in Frévent: on Wednesday the round that
    leaves from Frévent now (the other one) loads it there."""
    fleet = two_depots(db, shop)
    oid, _ = failed_on_tuesday(db, shop, fleet)
    mo_id = merchant_order_of(db, oid)
    frevent, _ = swap_depots(db, shop, fleet)

    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: frevent}
    report = plan(db, shop, WEDNESDAY, at(18))

    assert report.unplanned == ()
    (again,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    assert (again.kind, again.run.round_id) == (StopKind.DELIVER, fleet.near)
    assert run_depot(db, shop, WEDNESDAY, fleet.near) == frevent
    (run,) = runs_of(db, shop, fleet.near_courier, WEDNESDAY)
    assert run.depot_name == "Dépôt de Frévent"
    assert [item.merchant_order_id for _, item in run.from_depot] == [mo_id]


def test_parcels_at_a_depot_no_round_leaves_from_any_more_wait_there(
    db: Database, shop: Shop
) -> None:
    """The round from Frévent moved to Saint-Pol: both rounds leave from Saint-Pol, none
    loads the parcel left in Frévent on Tuesday, and the plan says where it waits."""
    fleet = two_depots(db, shop)
    failed_on_tuesday(db, shop, fleet)
    move_round(db, shop, fleet.far, depot_of(db, fleet.near))

    report = plan(db, shop, WEDNESDAY, at(18))

    (unplanned,) = report.unplanned
    assert unplanned.reason_code == "held_at_depot"
    assert "« Dépôt de Frévent »" in unplanned.reason
    assert stops_of_plan(db, shop.territory_id, WEDNESDAY) == []


def test_a_run_under_way_when_its_round_moves_comes_back_to_the_depot_it_left_from(
    db: Database, shop: Shop
) -> None:
    """Tuesday's round from Frévent has collected the parcel when the operator swaps the
    depots and plans the day again: the run still ends in Frévent, where the courier leaves
    the parcel after a failed delivery; Thursday's round from Frévent (the other one, now)
    takes it, not Wednesday's round from Saint-Pol."""
    fleet = two_depots(db, shop, near_days=(3, 4, 5))
    oid = order(db, shop, {shop.bread_id: 1})
    make_ready(db, oid)
    plan(db, shop, TUESDAY, at(7))
    pickup, drop = stops_of_plan(db, shop.territory_id)
    act(collect, db, shop, fleet.far_courier, pickup.id, now=at(9))
    frevent, _ = swap_depots(db, shop, fleet)

    plan(db, shop, TUESDAY, at(9, 30))

    assert run_depot(db, shop, TUESDAY, fleet.far) == frevent
    (run,) = runs_of(db, shop, fleet.far_courier, TUESDAY)
    assert run.depot_name == "Dépôt de Frévent"
    assert run.distance_m > 10_000  # the way back to Frévent, not to Saint-Pol next door
    outcome = act(
        fail, db, shop, fleet.far_courier, drop.id, reason="Absent",
        then=AfterFailure.NEXT_ROUND, now=at(10),
    )  # fmt: skip
    assert outcome.date == THURSDAY
    mo_id = merchant_order_of(db, oid)
    with db.uow() as uow:
        assert holding_depots(uow.session, [mo_id]) == {mo_id: frevent}
    assert plan(db, shop, THURSDAY, at(18)).unplanned == ()
    (again,) = stops_of_plan(db, shop.territory_id, THURSDAY)
    assert (again.kind, again.run.round_id) == (StopKind.DELIVER, fleet.near)


def test_runs_still_to_come_leave_from_the_new_depot_once_their_day_is_planned_again(
    db: Database, shop: Shop
) -> None:
    """Wednesday is planned when the round from Frévent moves to Saint-Pol: the stored run
    leaves from Frévent, as computed, and an order added to it does not change that;
    planning Wednesday again makes it leave from Saint-Pol."""
    fleet = two_depots(db, shop, near_days=(5,))  # only the round from Frévent on Wednesday
    fresh = order(db, shop, {shop.cake_id: 1}, date=WEDNESDAY)
    make_ready(db, fresh)
    plan(db, shop, WEDNESDAY, at(17))
    frevent, saint_pol = depot_of(db, fleet.far), depot_of(db, fleet.near)
    move_round(db, shop, fleet.far, saint_pol)

    late = order(db, shop, {shop.bread_id: 1}, date=WEDNESDAY)
    make_ready(db, late)
    assert insert(db, shop, WEDNESDAY, at(17, 30)).unplanned == ()
    assert run_depot(db, shop, WEDNESDAY, fleet.far) == frevent
    assert [v.depot_name for v in runs_of(db, shop, fleet.far_courier, WEDNESDAY)] == [
        "Dépôt de Frévent"
    ]

    assert plan(db, shop, WEDNESDAY, at(18)).unplanned == ()

    assert run_depot(db, shop, WEDNESDAY, fleet.far) == saint_pol
    (run,) = runs_of(db, shop, fleet.far_courier, WEDNESDAY)
    assert run.depot_name == "Bureau de poste"


def test_a_run_whose_stops_only_the_system_closed_leaves_from_its_rounds_new_depot(
    db: Database, shop: Shop
) -> None:
    """Wednesday's run from Frévent has a stop closed by the system (its parcel sent back
    on Tuesday evening) and no courier has left: the operator is told to plan Wednesday
    again after moving its round to Saint-Pol, and doing so makes it leave from there.
    The parcel still to load waits in Frévent, where no round leaves from any more."""
    fleet = two_depots(db, shop)
    loaded = left_in_frevent_one_sent_back(db, shop, fleet)
    frevent, saint_pol = depot_of(db, fleet.far), depot_of(db, fleet.near)
    move_round(db, shop, fleet.far, saint_pol)
    with db.uow() as uow:
        assert days_planned_before_change(
            uow.session, territory_id=shop.territory_id, round_id=fleet.far,
            from_day=WEDNESDAY,
        ) == (WEDNESDAY,)  # fmt: skip

    report = plan(db, shop, WEDNESDAY, at(19, 30))

    assert run_depot(db, shop, WEDNESDAY, fleet.far) == saint_pol
    (run,) = runs_of(db, shop, fleet.far_courier, WEDNESDAY)
    assert run.depot_name == "Bureau de poste"
    (unplanned,) = report.unplanned
    assert (unplanned.merchant_order_id, unplanned.reason_code) == (
        loaded.merchant_order_id,
        "held_at_depot",
    )
    with db.uow() as uow:
        mo_id = loaded.merchant_order_id
        assert holding_depots(uow.session, [mo_id]) == {mo_id: frevent}


def test_the_days_planned_before_a_change_are_those_not_begun(db: Database, shop: Shop) -> None:
    """Tuesday's run from Frévent is under way (a stop recorded), Wednesday's is planned and
    not begun: only Wednesday keeps the round as it was until planned again."""
    fleet = two_depots(db, shop)
    failed_on_tuesday(db, shop, fleet)
    plan(db, shop, WEDNESDAY, at(18))

    with db.uow() as uow:

        def planned(round_id: int, from_day: dt.date) -> tuple[dt.date, ...]:
            return days_planned_before_change(
                uow.session, territory_id=shop.territory_id, round_id=round_id,
                from_day=from_day,
            )  # fmt: skip

        assert planned(fleet.far, TUESDAY) == (WEDNESDAY,)
        assert planned(fleet.near, TUESDAY) == (WEDNESDAY,)  # it does not run on Tuesdays
        assert planned(fleet.far, THURSDAY) == ()
