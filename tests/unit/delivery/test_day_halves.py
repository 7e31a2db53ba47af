"""A day of two slots is planned as two half-days, joined at lunchtime, then as a whole."""

from __future__ import annotations

import logging

import pytest

from delivery import day_halves
from delivery.optimiser import Shipment, StopKind, Visit, solve
from delivery.problem import Problem, Solution, assemble
from delivery.rural import DAYS, make_day
from delivery.validation import validate
from tests.unit.delivery.delivery_cases import ROAD, line_problem, parcel, place, van

HOUR = 3600
MORNING = (9 * HOUR, 12 * HOUR)
AFTERNOON = (14 * HOUR, 18 * HOUR)


def lunch_problem(capacity: int = 10) -> Problem:
    # Two morning parcels from the baker, one to the farm and one to the mill; in the
    # afternoon one parcel leaves the farm and one the mill.
    return line_problem(
        [
            parcel("A", "baker", "farm", window=MORNING),
            parcel("B", "baker", "mill", window=MORNING),
            parcel("C", "farm", "hamlet", window=AFTERNOON, size=3),
            parcel("D", "mill", "baker", window=AFTERNOON),
        ],
        [van("van-1", capacity=capacity), van("van-2")],
    )


def half_plan(half: Problem, routes: dict[str, list[str]]) -> Solution:
    """Each listed shipment collected then delivered, in order, by the vehicle named."""
    planned = []
    for vehicle_id, shipments in routes.items():
        visits = []
        for shipment_id in shipments:
            index = half.shipment_index[shipment_id]
            visits += [(index, StopKind.PICKUP), (index, StopKind.DELIVERY)]
        planned.append((half.vehicle(vehicle_id), visits))
    plan = assemble(half, planned, {})
    assert not plan.unassigned
    return plan


def planned_halves(problem: Problem) -> tuple[day_halves.Halves, Solution, Solution]:
    split = day_halves.find_split(problem)
    assert split is not None
    parts = day_halves.halves(problem, split)
    morning = half_plan(parts.morning, {"van-1": ["A"], "van-2": ["B"]})
    # As planned, each afternoon part starts far from where its courier's morning ended.
    afternoon = half_plan(parts.afternoon, {"van-1": ["D"], "van-2": ["C"]})
    return parts, morning, afternoon


def test_deliveries_split_at_the_gap_between_the_slots() -> None:
    split = day_halves.find_split(lunch_problem())
    assert split == day_halves.Split((0, 1), (2, 3), noon=12 * HOUR, afternoon_start=14 * HOUR)


def test_no_split_when_windows_overlap_or_a_parcel_leaves_from_the_depot() -> None:
    overlapping = line_problem(
        [
            parcel("A", "baker", "farm", window=(9 * HOUR, 13 * HOUR)),
            parcel("B", "baker", "mill", window=(12 * HOUR, 18 * HOUR)),
        ]
    )
    assert day_halves.find_split(overlapping) is None
    from_depot = Shipment("Z", delivery=Visit(place("farm"), *AFTERNOON, 60))
    assert day_halves.find_split(line_problem([*lunch_problem().shipments, from_depot])) is None
    assert day_halves.find_split(line_problem([parcel("A", "baker", "farm")])) is None


def test_no_split_when_one_side_of_the_gap_is_not_one_slot() -> None:
    # Narrow windows spread over the day, as in the Li & Lim files: the afternoon windows
    # share no moment, so the day is not two slots.
    spread = line_problem(
        [
            parcel("A", "baker", "farm", window=(9 * HOUR, 10 * HOUR)),
            parcel("B", "baker", "mill", window=(9 * HOUR + 1800, 10 * HOUR + 1800)),
            parcel("C", "grocer", "hamlet", window=(14 * HOUR, 15 * HOUR)),
            parcel("D", "grocer", "farm", window=(16 * HOUR, 17 * HOUR)),
        ]
    )
    assert day_halves.find_split(spread) is None
    # Three slots: no split leaves two groups each sharing a moment.
    three = line_problem(
        [
            parcel("A", "baker", "farm", window=MORNING),
            parcel("B", "baker", "mill", window=(12 * HOUR + 1800, 13 * HOUR + 1800)),
            parcel("C", "grocer", "hamlet", window=AFTERNOON),
        ]
    )
    assert day_halves.find_split(three) is None


def test_morning_rounds_end_anywhere_near_an_afternoon_shop_and_afternoon_ones_start_anywhere() -> (
    None
):
    problem = lunch_problem()
    split = day_halves.find_split(problem)
    assert split is not None
    parts = day_halves.halves(problem, split)
    anywhere = parts.anywhere
    assert anywhere == len(ROAD)
    assert [s.id for s in parts.morning.shipments] == ["A", "B"]
    assert [s.id for s in parts.afternoon.shipments] == ["C", "D"]
    for vehicle in parts.morning.vehicles:
        assert (vehicle.start, vehicle.end) == (0, anywhere)
        assert vehicle.shift_end == 14 * HOUR
    for vehicle in parts.afternoon.vehicles:
        assert (vehicle.start, vehicle.end) == (anywhere, 0)
        assert vehicle.shift_start == 12 * HOUR
    # Afternoon parcels are collected at the farm (3,000 m) and the mill (500 m): ending the
    # morning at the baker (1,000 m) costs the 500 m to the mill; leaving "anywhere", nothing.
    distances = parts.morning.distances
    assert distances[place("baker"), anywhere] == 500
    assert distances[place("hamlet"), anywhere] == 6_000
    assert distances[place("farm"), anywhere] == 0
    assert set(distances[anywhere, :].tolist()) == {0}
    assert parts.morning.durations[place("baker"), anywhere] == 50


def test_join_gives_each_afternoon_part_to_the_courier_whose_morning_ends_where_it_begins() -> None:
    problem = lunch_problem()
    _, morning, afternoon = planned_halves(problem)
    plan, pairing = day_halves.join(problem, morning, afternoon)
    # van-1's morning ends at the farm, where C is collected; van-2's at the mill (D).
    assert [s.shipment_id for s in pairing["van-1"][1].stops] == ["C", "C"]  # type: ignore[union-attr]
    assert [s.shipment_id for s in pairing["van-2"][1].stops] == ["D", "D"]  # type: ignore[union-attr]
    assert validate(problem, plan) == []
    assert not plan.unassigned
    by_vehicle = {r.vehicle_id: [(s.shipment_id, s.kind) for s in r.stops] for r in plan.routes}
    assert [shipment for shipment, _ in by_vehicle["van-1"]] == ["A", "A", "C", "C"]
    # depot-baker-farm, farm-farm (lunch), farm-hamlet-depot; depot-baker-mill, mill-baker-depot.
    assert plan.cost == 3_000 + 0 + 15_000 + 1_500 + 0 + 1_500


def test_join_keeps_a_part_off_a_vehicle_too_small_for_it() -> None:
    problem = lunch_problem(capacity=2)  # van-1 cannot carry C (3 parcels)
    _, morning, afternoon = planned_halves(problem)
    plan, pairing = day_halves.join(problem, morning, afternoon)
    assert [s.shipment_id for s in pairing["van-2"][1].stops] == ["C", "C"]  # type: ignore[union-attr]
    assert validate(problem, plan) == []


def test_joined_plan_lists_what_neither_half_served() -> None:
    problem = lunch_problem()
    parts, _, afternoon = planned_halves(problem)
    morning = half_plan(parts.morning, {"van-1": ["A"]})  # B left out of the morning
    plan, _ = day_halves.join(problem, morning, afternoon)
    assert [u.shipment_id for u in plan.unassigned] == ["B"]
    assert validate(problem, plan) == []


def test_refits_tie_each_half_to_the_other_in_place_and_time() -> None:
    problem = lunch_problem()
    parts, morning, afternoon = planned_halves(problem)
    _, pairing = day_halves.join(problem, morning, afternoon)

    refit = day_halves.refit_morning(parts, pairing)
    van1 = refit.vehicle("van-1")
    after = pairing["van-1"][1]
    assert after is not None
    assert van1.end == place("farm") and van1.shift_end == after.stops[0].start
    assert van1.shift_start == max(8 * HOUR, after.return_time - van1.max_duration)

    refit = day_halves.refit_afternoon(parts, pairing)
    van2 = refit.vehicle("van-2")
    before = pairing["van-2"][0]
    assert before is not None
    assert van2.start == place("mill") and van2.shift_start == before.return_time
    assert van2.shift_end == min(18 * HOUR, before.departure + van2.max_duration)

    # A courier with nothing to do in the afternoon goes home after the morning.
    lonely = {"van-1": (pairing["van-1"][0], None), "van-2": pairing["van-2"]}
    assert day_halves.refit_morning(parts, lonely).vehicle("van-1").end == 0


@pytest.mark.parametrize("workers", [1, 2])
def test_two_slot_day_is_planned_by_halves_feasibly_and_completely(
    workers: int, caplog: pytest.LogCaptureFixture
) -> None:
    problem = lunch_problem()
    with caplog.at_level(logging.DEBUG, logger="delivery.optimiser"):
        plan = solve(problem, time_limit=2, seed=1, workers=workers)
    assert validate(problem, plan) == []
    assert not plan.unassigned
    assert any(record.getMessage().startswith("halves") for record in caplog.records)
    # No more than the day joined by hand in the test above.
    assert plan.cost <= 21_000


def test_couriers_working_only_mornings_or_only_afternoons() -> None:
    morning_only = van("van-1", shift_end=11 * HOUR + 1800)
    afternoon_only = van("van-2", shift_start=14 * HOUR + 1800)
    problem = line_problem(list(lunch_problem().shipments), [morning_only, afternoon_only])
    split = day_halves.find_split(problem)
    assert split is not None
    parts = day_halves.halves(problem, split)
    assert parts.afternoon.vehicle("van-1").shift_start == 11 * HOUR + 1800
    assert parts.morning.vehicle("van-2").shift_end == 14 * HOUR + 1800
    plan = solve(problem, time_limit=2, seed=0, workers=2)
    assert validate(problem, plan) == []
    assert not plan.unassigned
    by_vehicle = {r.vehicle_id: {s.shipment_id for s in r.stops} for r in plan.routes}
    assert by_vehicle == {"van-1": {"A", "B"}, "van-2": {"C", "D"}}


def test_rural_day_planned_by_halves_is_valid_and_complete() -> None:
    day = next(d for d in DAYS if d.name == "ternois-40")
    problem = make_day(day)
    plan = solve(problem, time_limit=4, seed=0, workers=2)
    assert validate(problem, plan) == []
    assert not plan.unassigned
