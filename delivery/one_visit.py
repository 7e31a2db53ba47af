"""One visit per door: a shopper's parcels from several shops handed over at once.

The solver minimises distance. When the shops of one basket lie on two rounds, it may
bring the parcels to the door on both, and the shopper (often elderly, and asked for the
code each time) opens the door twice in a morning. After solving, each door served by two
rounds or more has its parcels moved onto one of them, the one where that adds the least
distance, when that round keeps its times, capacity and duration and the plan grows by at
most ``max_added_m``; otherwise the door keeps its two visits. Only parcels collected at
their shop during the round move: one already on a van, or waiting at the depot, stays
where it is (the others may join it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping

from delivery.insertion import insert_shipment
from delivery.problem import Problem, Route, Solution, route_cost, timed_route


def one_visit_per_door(
    problem: Problem,
    solution: Solution,
    doors: Mapping[str, Hashable],
    *,
    max_added_m: int,
) -> Solution:
    """``solution`` with each door (``doors``: shipment id -> door) visited by one round
    where that costs at most ``max_added_m`` more in all (see the module docstring)."""
    for door in sorted(_split_doors(solution, doors), key=str):
        carriers = _carriers(solution, doors, door)
        best: Solution | None = None
        for target in sorted(set(carriers.values())):
            moved = [sid for sid, vid in carriers.items() if vid != target]
            if any(problem.shipment(sid).pickup is None for sid in moved):
                continue  # on a van or at the depot already: it cannot change round here
            candidate = _moved(problem, solution, moved, target)
            if candidate is None or candidate.cost - solution.cost > max_added_m:
                continue
            if best is None or candidate.cost < best.cost:
                best = candidate
        if best is not None:
            solution = best
    return solution


def _split_doors(solution: Solution, doors: Mapping[str, Hashable]) -> set[Hashable]:
    rounds: dict[Hashable, set[str]] = defaultdict(set)
    for route in solution.routes:
        for stop in route.stops:
            if stop.shipment_id in doors:
                rounds[doors[stop.shipment_id]].add(route.vehicle_id)
    return {door for door, vehicles in rounds.items() if len(vehicles) > 1}


def _carriers(solution: Solution, doors: Mapping[str, Hashable], door: Hashable) -> dict[str, str]:
    """The door's shipments on the routes, with the vehicle carrying each."""
    return {
        stop.shipment_id: route.vehicle_id
        for route in solution.routes
        for stop in route.stops
        if doors.get(stop.shipment_id) == door
    }


def _moved(
    problem: Problem, solution: Solution, shipment_ids: list[str], target: str
) -> Solution | None:
    """``solution`` with ``shipment_ids`` taken off their routes and put on ``target``'s
    where cheapest; None when a round no longer keeps its times or they do not fit."""
    leaving = set(shipment_ids)
    routes: list[Route] = []
    for route in solution.routes:
        if not leaving & {stop.shipment_id for stop in route.stops}:
            routes.append(route)
            continue
        visits = [
            (problem.shipment_index[stop.shipment_id], stop.kind)
            for stop in route.stops
            if stop.shipment_id not in leaving
        ]
        if not visits:
            continue
        retimed = timed_route(problem, problem.vehicle(route.vehicle_id), visits)
        if retimed is None:
            return None
        routes.append(retimed)
    moved = Solution(tuple(routes), solution.unassigned, route_cost(problem, routes))
    for sid in shipment_ids:
        moved = insert_shipment(problem, moved, sid, only=target)
        if any(u.shipment_id == sid for u in moved.unassigned):
            return None
    return moved
