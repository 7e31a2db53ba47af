"""Stops at one place put together after solving (``plan_state.group_same_place``)."""

from __future__ import annotations

from delivery.optimiser import Solution, StopKind, route_cost, timed_route
from delivery.plan_state import group_same_place
from tests.unit.delivery.delivery_cases import line_problem, parcel, van

P, D = StopKind.PICKUP, StopKind.DELIVERY


def _regrouped(shipments, visits):  # type: ignore[no-untyped-def]
    problem = line_problem(shipments, [van("van-1")])
    route = timed_route(problem, problem.vehicles[0], visits)
    assert route is not None
    plan = group_same_place(problem, Solution((route,), (), route_cost(problem, [route])))
    (after,) = plan.routes
    order = [(s.shipment_id, s.kind) for s in after.stops]
    return route.distance, after.distance, order


def test_a_second_delivery_at_a_door_is_brought_forward_when_its_parcel_is_on_board() -> None:
    shipments = [parcel("A", "baker", "farm"), parcel("B", "grocer", "farm"),
                 parcel("C", "mill", "baker")]  # fmt: skip
    # baker, grocer, farm (A), mill, baker (C), farm again (B)
    visits = [(0, P), (1, P), (0, D), (2, P), (2, D), (1, D)]

    before, after, order = _regrouped(shipments, visits)

    assert (before, after) == (11_000, 7_000)
    assert order == [("A", P), ("B", P), ("A", D), ("B", D), ("C", P), ("C", D)]


def test_a_first_delivery_waits_at_the_door_for_a_parcel_collected_later() -> None:
    shipments = [parcel("A", "baker", "farm"), parcel("B", "grocer", "farm")]
    visits = [(0, P), (0, D), (1, P), (1, D)]  # baker, farm (A), grocer, farm again (B)

    before, after, order = _regrouped(shipments, visits)

    assert (before, after) == (8_000, 6_000)
    assert order == [("A", P), ("B", P), ("A", D), ("B", D)]


def test_deliveries_stay_apart_when_together_would_miss_a_window() -> None:
    morning, afternoon = (9 * 3600, 10 * 3600), (16 * 3600, 17 * 3600)
    shipments = [parcel("A", "baker", "farm", window=morning),
                 parcel("B", "grocer", "farm", window=afternoon)]  # fmt: skip
    visits = [(0, P), (0, D), (1, P), (1, D)]

    before, after, order = _regrouped(shipments, visits)

    assert after == before
    assert order == [("A", P), ("A", D), ("B", P), ("B", D)]


def test_a_collection_split_for_nothing_is_made_at_once() -> None:
    shipments = [parcel("A", "baker", "farm"), parcel("B", "baker", "mill")]
    visits = [(0, P), (0, D), (1, P), (1, D)]  # baker, farm, baker again, mill

    before, after, order = _regrouped(shipments, visits)

    assert after <= before  # on a straight road the way back costs what the detour did
    assert order[:2] == [("A", P), ("B", P)]


def test_a_collection_is_merged_when_leaving_a_minute_earlier_keeps_the_doors_slot() -> None:
    # A's door must be served at 9:00 sharp; the round leaves as late as it can for that.
    # Taking B at the baker with A costs a minute there: the round then leaves earlier,
    # rather than coming back to the baker after the farm.
    shipments = [parcel("A", "baker", "farm", window=(9 * 3600, 9 * 3600)),
                 parcel("B", "baker", "grocer")]  # fmt: skip
    visits = [(0, P), (0, D), (1, P), (1, D)]  # baker, farm (A), baker again, grocer

    before, after, order = _regrouped(shipments, visits)

    assert (before, after) == (8_000, 6_000)
    assert order == [("A", P), ("B", P), ("A", D), ("B", D)]
