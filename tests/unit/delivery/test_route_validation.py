"""The validator catches each kind of broken plan, built by hand."""

from __future__ import annotations

from dataclasses import replace

from delivery.optimiser import (
    Problem,
    Route,
    Solution,
    Stop,
    StopKind,
    Unassigned,
    UnassignedReason,
    route_cost,
    timed_route,
)
from delivery.validation import ViolationKind, recompute_cost, validate
from tests.unit.delivery.delivery_cases import line_problem, parcel, place, van, village_problem

P, D = StopKind.PICKUP, StopKind.DELIVERY


def plan(problem: Problem, *rounds: tuple[str, list[tuple[str, StopKind]]]) -> Solution:
    """A solution with the given stop orders, timed by the optimiser's own scheduler."""
    routes = []
    for vehicle_id, visits in rounds:
        indexed = [(problem.shipment_index[sid], kind) for sid, kind in visits]
        route = timed_route(problem, problem.vehicle(vehicle_id), indexed)
        assert route is not None, f"{vehicle_id} {visits} cannot be timed"
        routes.append(route)
    return Solution(tuple(routes), (), route_cost(problem, routes))


def kinds(problem: Problem, solution: Solution) -> set[ViolationKind]:
    return {violation.kind for violation in validate(problem, solution)}


def good_plan(problem: Problem) -> Solution:
    return plan(
        problem,
        ("van-1", [("A", P), ("B", P), ("B", D), ("A", D)]),
        ("van-2", [("C", P), ("D", P), ("D", D), ("C", D)]),
    )


def test_a_correct_plan_has_no_violation() -> None:
    problem = village_problem()
    assert validate(problem, good_plan(problem)) == []


def test_cost_is_recomputed_from_the_locations() -> None:
    problem = village_problem()
    # van-1: depot-baker-baker-mill-farm-depot = 1000 + 0 + 500 + 2500 + 3000
    # van-2: depot-grocer-grocer-farm-hamlet-depot = 2000 + 0 + 1000 + 6000 + 9000
    assert recompute_cost(problem, good_plan(problem)) == 7_000 + 18_000


def test_wrong_reported_cost_is_a_violation() -> None:
    problem = village_problem()
    solution = good_plan(problem)
    assert kinds(problem, replace(solution, cost=solution.cost - 1)) == {ViolationKind.COST}


def test_shipment_delivered_twice_is_caught() -> None:
    problem = village_problem()
    solution = good_plan(problem)
    first = solution.routes[0]
    doubled = replace(first, stops=(*first.stops, first.stops[-1]))
    broken = replace(solution, routes=(doubled, solution.routes[1]))
    assert ViolationKind.SERVED_TWICE in kinds(problem, broken)


def test_shipment_both_served_and_unassigned_is_caught() -> None:
    problem = village_problem()
    solution = good_plan(problem)
    broken = replace(solution, unassigned=(Unassigned("A", UnassignedReason.FLEET_FULL),))
    assert kinds(problem, broken) == {ViolationKind.SERVED_TWICE}


def test_shipment_neither_served_nor_reported_is_caught() -> None:
    problem = village_problem()
    solution = plan(
        problem,
        ("van-1", [("A", P), ("B", P), ("B", D), ("A", D)]),
        ("van-2", [("C", P), ("C", D)]),
    )
    violations = validate(problem, solution)
    assert [(v.kind, v.shipment_id) for v in violations] == [(ViolationKind.NOT_REPORTED, "D")]


def test_reporting_it_as_unassigned_makes_the_plan_consistent() -> None:
    problem = village_problem()
    solution = plan(
        problem,
        ("van-1", [("A", P), ("B", P), ("B", D), ("A", D)]),
        ("van-2", [("C", P), ("C", D)]),
    )
    reported = replace(solution, unassigned=(Unassigned("D", UnassignedReason.FLEET_FULL),))
    assert validate(problem, reported) == []


def test_delivery_before_pickup_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "farm")])
    solution = plan(problem, ("van-1", [("A", D), ("A", P)]))
    assert kinds(problem, solution) == {ViolationKind.PRECEDENCE}


def test_pickup_and_delivery_on_different_routes_are_caught() -> None:
    problem = line_problem([parcel("A", "baker", "farm")])
    solution = plan(problem, ("van-1", [("A", P)]), ("van-2", [("A", D)]))
    assert kinds(problem, solution) == {ViolationKind.PRECEDENCE}


def test_load_above_capacity_is_caught() -> None:
    parcels = [parcel("A", "baker", "farm", size=3), parcel("B", "baker", "farm", size=3)]
    roomy = line_problem(parcels, [van("van-1", capacity=6)])
    solution = plan(roomy, ("van-1", [("A", P), ("B", P), ("A", D), ("B", D)]))
    assert validate(roomy, solution) == []
    cramped = line_problem(parcels, [van("van-1", capacity=5)])
    assert kinds(cramped, solution) == {ViolationKind.CAPACITY}


def test_load_is_fine_when_parcels_are_delivered_before_the_next_pickup() -> None:
    parcels = [parcel("A", "baker", "farm", size=3), parcel("B", "baker", "farm", size=3)]
    problem = line_problem(parcels, [van("van-1", capacity=3)])
    solution = plan(problem, ("van-1", [("A", P), ("A", D), ("B", P), ("B", D)]))
    assert validate(problem, solution) == []


def test_depot_parcels_count_from_the_departure() -> None:
    from_depot = [
        replace(parcel("A", "baker", "farm", size=2), pickup=None),
        replace(parcel("B", "baker", "mill", size=2), pickup=None),
    ]
    roomy = line_problem(from_depot, [van("van-1", capacity=4)])
    solution = plan(roomy, ("van-1", [("A", D), ("B", D)]))
    assert validate(roomy, solution) == []
    cramped = line_problem(from_depot, [van("van-1", capacity=3)])
    assert kinds(cramped, solution) == {ViolationKind.CAPACITY}


def test_late_delivery_is_caught() -> None:
    wide = line_problem([parcel("A", "baker", "farm")])
    solution = plan(wide, ("van-1", [("A", P), ("A", D)]))
    # The van leaves at 8:00 and reaches the farm at 8:06.
    narrow = line_problem([parcel("A", "baker", "farm", window=(8 * 3600, 8 * 3600 + 60))])
    assert kinds(narrow, solution) == {ViolationKind.TIME_WINDOW}


def test_waiting_for_a_window_to_open_is_allowed() -> None:
    problem = line_problem([parcel("A", "baker", "farm", window=(15 * 3600, 16 * 3600))])
    eight = 8 * 3600
    # Leaves at 8:00, picks up at the baker (100 s away), reaches the farm (200 s further,
    # after 60 s of service) at 8:06 and waits until 15:00.
    stops = (
        Stop("A", P, place("baker"), eight + 100, eight + 100),
        Stop("A", D, place("farm"), eight + 360, 15 * 3600),
    )
    route = Route("van-1", stops, departure=eight, return_time=15 * 3600 + 360, distance=6_000)
    assert validate(problem, Solution((route,), (), 6_000)) == []


def test_return_after_the_shift_end_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "hamlet")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    short_shift = line_problem(
        [parcel("A", "baker", "hamlet")], [van("van-1", shift_end=8 * 3600 + 1_000)]
    )
    assert ViolationKind.SHIFT in kinds(short_shift, solution)


def test_departure_before_the_shift_start_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "farm")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    late_start = line_problem([parcel("A", "baker", "farm")], [van("van-1", shift_start=10 * 3600)])
    assert ViolationKind.SHIFT in kinds(late_start, solution)


def test_round_longer_than_the_maximum_duration_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "hamlet")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    capped = line_problem([parcel("A", "baker", "hamlet")], [van("van-1", max_duration=1_000)])
    assert kinds(capped, solution) == {ViolationKind.MAX_DURATION}


def test_inconsistent_arrival_time_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "farm")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    route = solution.routes[0]
    shifted = (replace(route.stops[0], arrival=route.stops[0].arrival - 5), route.stops[1])
    broken = replace(solution, routes=(replace(route, stops=shifted),))
    assert kinds(problem, broken) == {ViolationKind.SCHEDULE}


def test_stop_at_the_wrong_place_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "farm")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    route = solution.routes[0]
    moved = (route.stops[0], replace(route.stops[1], location=place("mill")))
    broken = replace(solution, routes=(replace(route, stops=moved),))
    assert ViolationKind.WRONG_LOCATION in kinds(problem, broken)


def test_vehicle_outside_its_allowed_places_is_caught() -> None:
    problem = line_problem([parcel("A", "baker", "hamlet")])
    solution = plan(problem, ("van-1", [("A", P), ("A", D)]))
    bike = replace(van("van-1"), allowed_locations=frozenset({place("baker"), place("farm")}))
    restricted = line_problem([parcel("A", "baker", "hamlet")], [bike])
    assert kinds(restricted, solution) == {ViolationKind.NOT_ALLOWED}


def test_unknown_vehicle_and_reused_vehicle_are_caught() -> None:
    problem = village_problem()
    solution = good_plan(problem)
    first, second = solution.routes
    reused = replace(solution, routes=(first, replace(second, vehicle_id="van-1")))
    assert ViolationKind.VEHICLE_REUSED in kinds(problem, reused)
    ghost = replace(solution, routes=(first, replace(second, vehicle_id="ghost")))
    assert ViolationKind.UNKNOWN in kinds(problem, ghost)


def test_unknown_shipment_is_caught() -> None:
    problem = village_problem()
    solution = good_plan(problem)
    stray = Stop("Z", StopKind.DELIVERY, 0, 0, 0)
    first = solution.routes[0]
    broken = replace(solution, routes=(replace(first, stops=(*first.stops, stray)),))
    assert ViolationKind.UNKNOWN in kinds(problem, broken)
