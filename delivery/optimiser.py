"""Plans couriers' rounds: pickup and delivery with time windows, on PyVRP.

Pure: dataclasses in, routes out. No database, no web framework, no network. The problem
and plan dataclasses live in `delivery.problem` and are re-exported here, so that callers
need one import: `from delivery.optimiser import Problem, solve`.
"""

from __future__ import annotations

import time

from delivery.consolidation import consolidate, expand
from delivery.insertion import fill_unassigned
from delivery.problem import (
    NO_LIMIT,
    Location,
    Problem,
    Route,
    Shipment,
    Solution,
    Stop,
    StopKind,
    Unassigned,
    UnassignedReason,
    Vehicle,
    Visit,
    assemble,
    route_cost,
    screen,
    screen_shipment,
    timed_route,
)
from delivery.pyvrp_model import EncodedRoute, SearchOutcome, build_search_data
from delivery.pyvrp_search import parallel_search

__all__ = [
    "NO_LIMIT",
    "Location",
    "Problem",
    "Route",
    "Shipment",
    "Solution",
    "Stop",
    "StopKind",
    "Unassigned",
    "UnassignedReason",
    "Vehicle",
    "Visit",
    "route_cost",
    "screen",
    "screen_shipment",
    "solve",
    "timed_route",
]

# Kept back from the caller's time limit for process start-up, conversion and validation.
_SAFETY_MARGIN_S = 0.15


def solve(problem: Problem, *, time_limit: float, seed: int = 0, workers: int = 2) -> Solution:
    """Plan routes for `problem` within about `time_limit` seconds on `workers` processes."""
    deadline = time.time() + max(time_limit - _SAFETY_MARGIN_S, 0.0)
    rejected = screen(problem)
    candidates = [i for i, s in enumerate(problem.shipments) if s.id not in rejected]
    if not candidates or not problem.vehicles:
        reason = UnassignedReason.FLEET_FULL
        unassigned = {s.id: rejected.get(s.id, reason) for s in problem.shipments}
        return assemble(problem, [], unassigned)

    # Orders with the same collection and drop-off are searched as one (see consolidation).
    grouped = consolidate(problem, candidates)
    plan = _search(grouped.problem, seed=seed, deadline=deadline, workers=workers)
    return fill_unassigned(problem, expand(problem, grouped, plan, rejected))


def _search(problem: Problem, *, seed: int, deadline: float, workers: int) -> Solution:
    # Every shipment of `problem` is a candidate (screened, then grouped, by `solve`).
    candidates = range(len(problem.shipments))
    search = build_search_data(problem, candidates)

    def to_solution(outcome: SearchOutcome) -> Solution:
        planned: list[tuple[Vehicle, list[tuple[int, StopKind]]]] = []
        pools = {vtype: list(members) for vtype, members in search.vehicles_by_type.items()}
        served: set[int] = set()
        for vtype, activities in outcome.routes:
            vehicle = problem.vehicles[pools[vtype].pop(0)]
            visits = []
            for activity in activities:
                index, is_pickup = search.decode(activity)
                visits.append((index, StopKind.PICKUP if is_pickup else StopKind.DELIVERY))
            planned.append((vehicle, visits))
            served.update(index for index, _ in visits)
        unassigned: dict[str, UnassignedReason] = {}
        for index in candidates:
            if index not in served:
                unassigned[problem.shipments[index].id] = UnassignedReason.FLEET_FULL
        return assemble(problem, planned, unassigned)

    def fill(outcome: SearchOutcome) -> list[EncodedRoute] | None:
        # PyVRP's moves only try to insert an optional shipment near its granular neighbours,
        # and its search sometimes leaves out orders that fit elsewhere. On a 300-order day,
        # cheapest insertion placed 9 of the 14 orders it had left out after 20 s.
        before = to_solution(outcome)
        after = fill_unassigned(problem, before)
        if len(after.unassigned) == len(before.unassigned):
            return None
        return [
            (
                problem.vehicle_index[route.vehicle_id],
                [
                    (problem.shipment_index[stop.shipment_id], stop.kind is StopKind.PICKUP)
                    for stop in route.stops
                ],
            )
            for route in after.routes
        ]

    best = parallel_search(search, seed=seed, deadline=deadline, workers=workers, repair=fill)
    return fill_unassigned(problem, to_solution(best))
