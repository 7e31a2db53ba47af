"""Orders with the same collection and drop-off are searched as one and planned together."""

from __future__ import annotations

from delivery.consolidation import consolidate, expand
from delivery.optimiser import Shipment, StopKind, Visit, solve
from delivery.problem import UnassignedReason, assemble
from delivery.validation import validate
from tests.unit.delivery.delivery_cases import line_problem, parcel, place, van

MORNING = (9 * 3600, 12 * 3600)


def test_same_shop_same_drop_same_windows_become_one_shipment() -> None:
    problem = line_problem(
        [
            parcel("A", "baker", "farm", window=MORNING, size=2),
            parcel("B", "grocer", "farm", window=MORNING),  # another shop
            parcel("C", "baker", "farm", window=MORNING, size=3),
            parcel("D", "baker", "farm", window=(14 * 3600, 18 * 3600)),  # another slot
            parcel("E", "baker", "mill", window=MORNING),  # another drop-off
        ]
    )
    grouped = consolidate(problem, range(5))
    assert grouped.members == ((0, 2), (1,), (3,), (4,))
    merged = grouped.problem.shipments[0]
    assert merged.id == "A" and merged.size == 5
    assert merged.pickup is not None and merged.pickup.service == 120
    # C starts 60 s after A: the pair must start a minute before the end of the window.
    assert (merged.delivery.earliest, merged.delivery.latest) == (9 * 3600, 12 * 3600 - 60)
    assert merged.delivery.service == 120
    assert grouped.problem.shipments[1:] == problem.shipments[1:2] + problem.shipments[3:]


def test_groups_are_split_to_fit_the_largest_vehicle_and_the_window() -> None:
    big = [parcel(f"P{k}", "baker", "farm", size=4) for k in range(3)]
    grouped = consolidate(line_problem(big, [van("van-1", capacity=9)]), range(3))
    assert grouped.members == ((0, 1), (2,))

    tight = Visit(place("farm"), 9 * 3600, 9 * 3600 + 100, 60)
    crowded = [
        Shipment(f"T{k}", pickup=Visit(place("baker"), 8 * 3600, 18 * 3600, 60), delivery=tight)
        for k in range(4)
    ]
    # Three deliveries of 60 s cannot all start within a 100 s window: two at most.
    grouped = consolidate(line_problem(crowded), range(4))
    assert grouped.members == ((0, 1), (2, 3))


def test_expanded_plan_serves_each_order_in_turn_and_passes_the_validator() -> None:
    problem = line_problem(
        [
            parcel("A", "baker", "farm", window=MORNING),
            parcel("B", "baker", "farm", window=MORNING),
            parcel("C", "grocer", "hamlet", window=MORNING),
            parcel("Z", "grocer", "hamlet", size=20),  # rejected before grouping
        ],
        [van("van-1")],
    )
    grouped = consolidate(problem, range(3))
    plan = assemble(
        grouped.problem,
        [
            (
                problem.vehicles[0],
                [(0, StopKind.PICKUP), (1, StopKind.PICKUP), (0, StopKind.DELIVERY)]
                + [(1, StopKind.DELIVERY)],
            )
        ],
        {},
    )
    full = expand(problem, grouped, plan, {"Z": UnassignedReason.TOO_LARGE})
    assert validate(problem, full) == []
    (route,) = full.routes
    assert [(s.shipment_id, s.kind) for s in route.stops] == [
        ("A", StopKind.PICKUP),
        ("B", StopKind.PICKUP),
        ("C", StopKind.PICKUP),
        ("A", StopKind.DELIVERY),
        ("B", StopKind.DELIVERY),
        ("C", StopKind.DELIVERY),
    ]
    assert route.stops[1].start == route.stops[0].start + 60  # one after the other
    assert full.cost == plan.cost
    assert [(u.shipment_id, u.reason) for u in full.unassigned] == [
        ("Z", UnassignedReason.TOO_LARGE)
    ]


def test_solve_plans_grouped_orders_as_separate_stops() -> None:
    problem = line_problem(
        [parcel(f"S{k}", "baker", "farm", window=MORNING) for k in range(6)]
        + [parcel("X", "grocer", "hamlet", size=8)],
        [van("van-1"), van("van-2", capacity=4)],
    )
    plan = solve(problem, time_limit=1, workers=1)
    assert validate(problem, plan) == []
    assert not plan.unassigned
    served = sorted(s.shipment_id for r in plan.routes for s in r.stops)
    assert served == sorted(2 * [s.id for s in problem.shipments])
