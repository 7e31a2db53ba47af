"""solve() returns plans the independent validator accepts, and says why it leaves orders out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from delivery.insertion import fill_unassigned
from delivery.optimiser import (
    Location,
    Problem,
    Shipment,
    Solution,
    StopKind,
    Unassigned,
    UnassignedReason,
    Vehicle,
    Visit,
    screen,
    solve,
)
from delivery.pyvrp_model import _prizes
from delivery.validation import validate
from tests.unit.delivery.delivery_cases import line_problem, parcel, place, van, village_problem

HOUR = 3600


def reasons(unassigned: tuple[Unassigned, ...]) -> dict[str, UnassignedReason]:
    return {u.shipment_id: u.reason for u in unassigned}


def test_small_village_day_is_planned_feasibly_and_completely() -> None:
    problem = village_problem()
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert solution.unassigned == ()
    served = {stop.shipment_id for route in solution.routes for stop in route.stops}
    assert served == {"A", "B", "C", "D"}


def test_every_pickup_comes_before_its_delivery_on_the_same_route() -> None:
    problem = village_problem()
    solution = solve(problem, time_limit=0.5, workers=1)
    for route in solution.routes:
        seen: set[str] = set()
        for stop in route.stops:
            if stop.kind is StopKind.PICKUP:
                seen.add(stop.shipment_id)
            else:
                assert stop.shipment_id in seen


def test_on_a_line_the_optimum_is_one_trip_to_the_far_end() -> None:
    # Every parcel lies on the road to the hamlet; one van driving there and back (18 km)
    # serves all, and no plan can be shorter than reaching the hamlet.
    problem = line_problem(
        [parcel("A", "baker", "farm"), parcel("B", "mill", "hamlet"), parcel("C", "grocer", "farm")]
    )
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert solution.cost == 18_000
    assert len(solution.routes) == 1


def test_two_workers_return_a_valid_plan() -> None:
    problem = village_problem()
    solution = solve(problem, time_limit=1.0, seed=3, workers=2)
    assert validate(problem, solution) == []
    assert solution.unassigned == ()


def test_parallel_rounds_keep_the_best_complete_plan() -> None:
    # Parcels waiting at the depot (no pickup pairs) are searched with every shipment
    # required; over 5 s the workers restart twice from the best complete plan.
    from_depot = [
        replace(parcel(name, "baker", place, size=4), pickup=None)
        for name, place in [("A", "farm"), ("B", "mill"), ("C", "hamlet"), ("D", "grocer")]
    ]
    problem = line_problem(from_depot)
    alone = solve(problem, time_limit=0.5, workers=1)
    rounds = solve(problem, time_limit=5.3, seed=5, workers=2)
    assert validate(problem, rounds) == []
    assert rounds.unassigned == ()
    assert rounds.cost <= alone.cost


def test_parcel_bigger_than_every_vehicle_is_left_out_as_too_large() -> None:
    problem = line_problem([parcel("A", "baker", "farm"), parcel("BIG", "baker", "farm", size=11)])
    solution = solve(problem, time_limit=0.3, workers=1)
    assert reasons(solution.unassigned) == {"BIG": UnassignedReason.TOO_LARGE}
    assert validate(problem, solution) == []


def test_slot_no_vehicle_can_reach_is_left_out_as_out_of_hours() -> None:
    # The vans start at 8:00 and the slot closes at 8:01: the hamlet is 15 minutes away.
    late = parcel("LATE", "baker", "hamlet", window=(7 * HOUR, 8 * HOUR + 60))
    problem = line_problem([parcel("A", "baker", "farm"), late])
    solution = solve(problem, time_limit=0.3, workers=1)
    assert reasons(solution.unassigned) == {"LATE": UnassignedReason.OUT_OF_HOURS}
    assert validate(problem, solution) == []


def test_place_no_vehicle_may_visit_is_left_out_as_not_allowed() -> None:
    bike = replace(van("bike"), allowed_locations=frozenset({place("baker"), place("farm")}))
    problem = line_problem([parcel("A", "baker", "farm"), parcel("H", "baker", "hamlet")], [bike])
    solution = solve(problem, time_limit=0.3, workers=1)
    assert reasons(solution.unassigned) == {"H": UnassignedReason.NOT_ALLOWED}
    assert validate(problem, solution) == []


def test_restricted_vehicle_leaves_the_far_place_to_the_other_one() -> None:
    bike = replace(van("bike"), allowed_locations=frozenset({place("baker"), place("farm")}))
    problem = line_problem(
        [parcel("A", "baker", "farm"), parcel("H", "baker", "hamlet")], [bike, van("van")]
    )
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert solution.unassigned == ()
    bike_places = {s.location for r in solution.routes if r.vehicle_id == "bike" for s in r.stops}
    assert place("hamlet") not in bike_places


def test_when_the_fleet_is_full_the_rest_is_left_out_as_fleet_full() -> None:
    # One van, two parcels due at opposite ends of the road within the same two minutes.
    rush = (8 * HOUR + 400, 8 * HOUR + 520)
    problem = line_problem(
        [
            parcel("EAST", "depot", "farm", window=rush, service=0),
            parcel("WEST", "depot", "mill", window=rush, service=0),
        ],
        [van("van-1")],
    )
    assert screen(problem) == {}
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert len(solution.unassigned) == 1
    assert solution.unassigned[0].reason is UnassignedReason.FLEET_FULL


def test_parallel_rounds_restart_from_the_best_plan_even_when_the_fleet_is_short() -> None:
    # Over 5 s the two workers search in two rounds, the second from the best plan of the
    # first; with one van for two clashing parcels that plan leaves one out.
    rush = (8 * HOUR + 400, 8 * HOUR + 520)
    problem = line_problem(
        [
            parcel("EAST", "depot", "farm", window=rush, service=0),
            parcel("WEST", "depot", "mill", window=rush, service=0),
            parcel("LATER", "baker", "grocer", window=(14 * HOUR, 15 * HOUR)),
        ],
        [van("van-1")],
    )
    solution = solve(problem, time_limit=5.3, workers=2)
    assert validate(problem, solution) == []
    assert [u.reason for u in solution.unassigned] == [UnassignedReason.FLEET_FULL]


def test_depot_parcels_and_heterogeneous_fleet_with_two_depots() -> None:
    # Vans based at both ends of the road deliver parcels waiting at their own depot.
    positions = np.array([0, 4_000, 6_000, 10_000], dtype=np.int64)
    distances = np.abs(positions[:, None] - positions[None, :])
    vehicles = (
        Vehicle("west", capacity=2, start=0, end=0),
        Vehicle("east", capacity=5, start=3, end=3, fixed_cost=100),
    )
    shipments = tuple(
        Shipment(f"P{k}", delivery=Visit(location), size=1)
        for k, location in enumerate([1, 1, 2, 2, 2])
    )
    locations = tuple(Location(name) for name in "WABE")
    problem = Problem(locations, vehicles, shipments, distances, distances // 10)
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert solution.unassigned == ()
    for route in solution.routes:
        load = sum(problem.shipment(s.shipment_id).size for s in route.stops)
        assert load <= problem.vehicle(route.vehicle_id).capacity


def test_maximum_duration_is_respected() -> None:
    # Two parcels for the hamlet in different slots: a 3-hour cap forbids one van doing both.
    problem = line_problem(
        [
            parcel("AM", "baker", "hamlet", window=(9 * HOUR, 10 * HOUR)),
            parcel("PM", "baker", "hamlet", window=(15 * HOUR, 16 * HOUR)),
        ],
        [van("van-1", max_duration=3 * HOUR), van("van-2", max_duration=3 * HOUR)],
    )
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    assert solution.unassigned == ()
    assert len(solution.routes) == 2


def test_problem_rejects_matrices_of_the_wrong_shape() -> None:
    problem = village_problem()
    with pytest.raises(ValueError, match="distances"):
        replace(problem, distances=problem.distances[:-1])


def test_problem_rejects_duplicate_shipment_ids() -> None:
    with pytest.raises(ValueError, match="unique"):
        line_problem([parcel("A", "baker", "farm"), parcel("A", "grocer", "farm")])


def test_no_vehicle_means_everything_is_left_out() -> None:
    problem = line_problem([parcel("A", "baker", "farm")], [])
    solution = solve(problem, time_limit=0.2)
    assert [u.shipment_id for u in solution.unassigned] == ["A"]
    assert validate(problem, solution) == []


def _one_or_the_other(first: str) -> Problem:
    """1,950 s allow the far parcel (1,920 s) or the near one (720 s), not both (2,040 s:
    the near one lies on the way); ``first`` has the higher priority."""
    return line_problem(
        [
            replace(parcel("far", "baker", "hamlet"), priority=int(first == "far")),
            replace(parcel("near", "mill", "farm"), priority=int(first == "near")),
        ],
        [van("van-1", max_duration=1_950)],
    )


@pytest.mark.parametrize("first", ["far", "near"])
def test_a_shipment_of_higher_priority_is_kept_when_the_fleet_is_short(first: str) -> None:
    # A shopper's order (priority 1) before a returned parcel's way back (0), whichever
    # costs more.
    problem = _one_or_the_other(first)
    solution = solve(problem, time_limit=0.5, workers=1)
    assert validate(problem, solution) == []
    served = {stop.shipment_id for route in solution.routes for stop in route.stops}
    assert served == {first}
    (other,) = {"far", "near"} - {first}
    assert reasons(solution.unassigned) == {other: UnassignedReason.FLEET_FULL}


@pytest.mark.parametrize("first", ["far", "near"])
def test_insertion_of_what_was_left_out_takes_the_higher_priority_first(first: str) -> None:
    problem = _one_or_the_other(first)
    (other,) = {"far", "near"} - {first}
    nothing = Solution(
        (),
        (
            Unassigned(other, UnassignedReason.FLEET_FULL),
            Unassigned(first, UnassignedReason.FLEET_FULL),
        ),
        0,
    )
    filled = fill_unassigned(problem, nothing)
    assert [stop.shipment_id for route in filled.routes for stop in route.stops] == [first] * 2
    assert reasons(filled.unassigned) == {other: UnassignedReason.FLEET_FULL}


def test_each_shipment_of_higher_priority_outweighs_all_lower_ones_in_the_search() -> None:
    problem = line_problem(
        [replace(parcel(f"R{k}", "mill", "farm"), priority=0) for k in range(3)]
        + [parcel(f"O{k}", "baker", "hamlet") for k in range(2)]
    )
    prizes = _prizes(problem, range(5))
    base = 4 * 9_000 + 1  # four times the longest leg: more than serving any one costs
    assert [prizes[k] for k in range(3)] == [base] * 3
    assert prizes[3] == prizes[4] == 3 * base + base
    assert prizes[3] > sum(prizes[k] for k in range(3))
    same = line_problem([parcel("A", "mill", "farm"), parcel("B", "baker", "hamlet")])
    assert _prizes(same, range(2)) == {0: base, 1: base}  # one priority: as before
