"""A late order joins the plan without moving what couriers have already done."""

from __future__ import annotations

from dataclasses import replace

import pytest

from delivery.insertion import insert_shipment
from delivery.optimiser import Problem, Solution, StopKind, UnassignedReason, solve
from delivery.validation import validate
from tests.unit.delivery.delivery_cases import line_problem, parcel, van, village_problem

HOUR = 3600


def with_shipment(problem: Problem, *shipments: object) -> Problem:
    return replace(problem, shipments=(*problem.shipments, *shipments))


def stops_started_before(solution: Solution, now: int) -> dict[str, list[object]]:
    return {
        route.vehicle_id: [stop for stop in route.stops if stop.start < now]
        for route in solution.routes
        if route.departure < now
    }


def halfway(plan: Solution) -> int:
    """A moment when the longest round has served two stops and has more to go."""
    longest = max(plan.routes, key=lambda route: len(route.stops))
    assert len(longest.stops) >= 3
    return longest.stops[1].start + 1


@pytest.fixture(scope="module")
def morning_plan() -> tuple[Problem, Solution]:
    problem = village_problem()
    return problem, solve(problem, time_limit=0.5, workers=1)


def test_late_order_is_inserted_after_the_stops_already_done(
    morning_plan: tuple[Problem, Solution],
) -> None:
    problem, plan = morning_plan
    now = halfway(plan)
    done = stops_started_before(plan, now)
    late = parcel("LATE", "baker", "mill", window=(now, 18 * HOUR))
    late = replace(late, pickup=replace(late.pickup, earliest=now))  # type: ignore[arg-type]
    bigger = with_shipment(problem, late)

    updated = insert_shipment(bigger, plan, "LATE", now=now)

    assert validate(bigger, updated) == []
    assert updated.unassigned == ()
    assert stops_started_before(updated, now) == done
    late_stops = [s for r in updated.routes for s in r.stops if s.shipment_id == "LATE"]
    assert [s.kind for s in late_stops] == [StopKind.PICKUP, StopKind.DELIVERY]
    assert all(s.start >= now for s in late_stops)


def test_insertion_prefers_the_cheapest_position(morning_plan: tuple[Problem, Solution]) -> None:
    # A parcel from the grocer to the farm, both already on van-2's afternoon round, costs
    # no extra distance there.
    problem, plan = morning_plan
    free = parcel("FREE", "grocer", "farm", window=(14 * HOUR, 18 * HOUR))
    bigger = with_shipment(problem, free)
    updated = insert_shipment(bigger, plan, "FREE", now=8 * HOUR)
    assert validate(bigger, updated) == []
    assert updated.cost == plan.cost


def test_order_that_fits_nowhere_is_reported_and_the_plan_is_unchanged() -> None:
    problem = line_problem(
        [parcel("A", "baker", "hamlet", window=(9 * HOUR, 9 * HOUR + 600))], [van("van-1")]
    )
    plan = solve(problem, time_limit=0.3, workers=1)
    clash = parcel("B", "baker", "mill", window=(9 * HOUR, 9 * HOUR + 600))
    bigger = with_shipment(problem, clash)
    updated = insert_shipment(bigger, plan, "B", now=8 * HOUR)
    assert updated.routes == plan.routes
    assert [(u.shipment_id, u.reason) for u in updated.unassigned] == [
        ("B", UnassignedReason.FLEET_FULL)
    ]
    assert validate(bigger, updated) == []


def test_order_too_big_for_any_vehicle_is_reported_as_such(
    morning_plan: tuple[Problem, Solution],
) -> None:
    problem, plan = morning_plan
    bigger = with_shipment(problem, parcel("HUGE", "baker", "farm", size=99))
    updated = insert_shipment(bigger, plan, "HUGE")
    assert [(u.shipment_id, u.reason) for u in updated.unassigned] == [
        ("HUGE", UnassignedReason.TOO_LARGE)
    ]


def test_an_idle_vehicle_takes_the_order_when_the_others_cannot() -> None:
    problem = line_problem(
        [parcel("A", "baker", "hamlet", window=(9 * HOUR, 9 * HOUR + 600))],
        [van("van-1"), van("van-2")],
    )
    plan = solve(problem, time_limit=0.3, workers=1)
    assert len(plan.routes) == 1
    bigger = with_shipment(problem, parcel("B", "baker", "mill", window=(9 * HOUR, 9 * HOUR + 600)))
    updated = insert_shipment(bigger, plan, "B", now=8 * HOUR)
    assert validate(bigger, updated) == []
    assert len(updated.routes) == 2 and updated.unassigned == ()


def test_depot_parcel_cannot_join_a_round_that_has_left(
    morning_plan: tuple[Problem, Solution],
) -> None:
    problem, plan = morning_plan
    late = replace(parcel("DEPOT", "baker", "farm"), pickup=None)
    bigger = with_shipment(problem, late)
    now = halfway(plan)
    updated = insert_shipment(bigger, plan, "DEPOT", now=now)
    assert validate(bigger, updated) == []
    assert stops_started_before(updated, now) == stops_started_before(plan, now)
    for route in updated.routes:
        if any(s.shipment_id == "DEPOT" for s in route.stops):
            assert route.departure >= now


def test_inserting_a_planned_shipment_again_is_refused(
    morning_plan: tuple[Problem, Solution],
) -> None:
    problem, plan = morning_plan
    with pytest.raises(ValueError, match="already planned"):
        insert_shipment(problem, plan, "A")
