"""A shopper's parcels on two rounds brought to the door by one (``delivery.one_visit``).

Places on a straight road (``delivery_cases.ROAD``): depot 0, mill 500 m, baker 1 km,
grocer 2 km, farm 3 km, hamlet 9 km. The shopper's door is the farm.
"""

from __future__ import annotations

from dataclasses import replace

from delivery.one_visit import one_visit_per_door
from delivery.optimiser import Solution, StopKind, route_cost, timed_route
from delivery.problem import Problem, Shipment
from tests.unit.delivery.delivery_cases import line_problem, parcel, van

P, D = StopKind.PICKUP, StopKind.DELIVERY
DOORS = {"bread": "farm door", "flour": "farm door"}  # "tools" goes to no shopper's door


def plan_of(
    shipments: list[Shipment],
    capacities: tuple[int, int],
    one: list,  # type: ignore[type-arg]
    two: list,  # type: ignore[type-arg]
    *,
    second_may_visit: frozenset[int] | None = None,
) -> tuple[Problem, Solution]:
    second = replace(van("van-2", capacities[1]), allowed_locations=second_may_visit)
    problem = line_problem(shipments, [van("van-1", capacities[0]), second])
    routes = [
        timed_route(problem, problem.vehicles[k], visits) for k, visits in ((0, one), (1, two))
    ]
    assert all(route is not None for route in routes)
    return problem, Solution(tuple(routes), (), route_cost(problem, routes))  # type: ignore[arg-type]


def carriers(plan: Solution) -> dict[str, str]:
    return {s.shipment_id: r.vehicle_id for r in plan.routes for s in r.stops}


def test_the_doors_parcels_go_on_the_round_where_they_add_least() -> None:
    shipments = [
        parcel("bread", "baker", "farm"),
        parcel("flour", "mill", "farm"),
        parcel("tools", "grocer", "hamlet"),
    ]
    # van-1: baker, farm (6 km); van-2: mill, grocer, farm, hamlet (18 km).
    problem, plan = plan_of(shipments, (10, 10), [(0, P), (0, D)], [(1, P), (2, P), (1, D), (2, D)])

    after = one_visit_per_door(problem, plan, DOORS, max_added_m=5_000)

    # van-2 passes the baker on its way to the farm: the bread costs it nothing, and van-1
    # stays at the depot (putting the flour on van-1 instead would save nothing).
    assert carriers(after) == {"bread": "van-2", "flour": "van-2", "tools": "van-2"}
    assert (plan.cost, after.cost) == (24_000, 18_000)
    assert [route.vehicle_id for route in after.routes] == ["van-2"]


def test_a_door_keeps_its_two_visits_when_one_would_cost_more_than_allowed() -> None:
    shipments = [
        parcel("bread", "baker", "farm"),
        parcel("flour", "hamlet", "farm"),
        parcel("tools", "grocer", "hamlet"),
    ]
    # van-2 may not stop at the baker (a lane too narrow): grocer, hamlet, farm.
    problem, plan = plan_of(
        shipments, (2, 1), [(0, P), (0, D)], [(2, P), (2, D), (1, P), (1, D)],
        second_may_visit=frozenset({2, 3, 5}),
    )  # fmt: skip

    # The bread cannot go on van-2; the flour on van-1 means 12 km more to the hamlet.
    assert one_visit_per_door(problem, plan, DOORS, max_added_m=11_999) == plan
    after = one_visit_per_door(problem, plan, DOORS, max_added_m=12_000)
    assert carriers(after) == {"bread": "van-1", "flour": "van-1", "tools": "van-2"}
    assert after.cost == plan.cost + 12_000


def test_a_parcel_already_on_a_van_stays_there_and_the_others_join_it() -> None:
    shipments = [
        parcel("bread", "baker", "farm"),
        Shipment("flour", delivery=parcel("x", "mill", "farm").delivery, pickup=None),
        parcel("tools", "grocer", "hamlet"),
    ]
    problem, plan = plan_of(shipments, (10, 10), [(0, P), (0, D)], [(1, D), (2, P), (2, D)])

    after = one_visit_per_door(problem, plan, DOORS, max_added_m=50_000)

    # The flour on board van-2 cannot move; the bread joins it on van-2's way.
    assert carriers(after) == {"bread": "van-2", "flour": "van-2", "tools": "van-2"}
