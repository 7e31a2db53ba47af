"""Adding a late order to a plan already under way, in milliseconds.

Stops whose service started before `now` stay as they are; the new shipment goes into the
cheapest feasible positions after them (cheapest insertion), on a route in progress, a
route not yet started, or an idle vehicle. Nothing else moves, so couriers' sheets keep
their order; a full re-optimisation is `optimiser.solve` on what remains.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from delivery.problem import (
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
    route_cost,
    screen_shipment,
    timed_route,
)


@dataclass(frozen=True, order=True)
class _Candidate:
    added_cost: int
    vehicle_index: int
    pickup_at: int
    delivery_at: int


def insert_shipment(
    problem: Problem,
    solution: Solution,
    shipment_id: str,
    *,
    now: int = 0,
    only: str | None = None,
) -> Solution:
    """Insert shipment `shipment_id` into `solution`, keeping stops started before `now`.

    `problem` is the plan's problem with the new shipment added (its locations included in
    the matrices). Returns the new plan; when nothing fits, the shipment is listed as
    unassigned with the reason. With `only` (a vehicle id), it goes on that vehicle or
    nowhere.

    Raises ValueError if the shipment is already on a route, or if its pickup window opens
    before `now`: the times reported for a stop must follow from its window, so a parcel
    ordered at `now` needs `pickup.earliest >= now` (the caller knows when it will be ready).
    """
    shipment = problem.shipment(shipment_id)
    if any(stop.shipment_id == shipment_id for r in solution.routes for stop in r.stops):
        raise ValueError(f"shipment {shipment_id} is already planned")
    if shipment.pickup is not None and shipment.pickup.earliest < now:
        raise ValueError(f"shipment {shipment_id} can be picked up before now ({now})")
    others = tuple(u for u in solution.unassigned if u.shipment_id != shipment_id)

    reason = screen_shipment(problem, shipment)
    if reason is None:
        routes = {route.vehicle_id: route for route in solution.routes}
        candidates: list[_Candidate] = []
        for vindex, vehicle in enumerate(problem.vehicles):
            if only is not None and vehicle.id != only:
                continue
            candidates += _candidates(
                problem, vehicle, vindex, routes.get(vehicle.id), shipment, now
            )
        for candidate in sorted(candidates):
            vehicle = problem.vehicles[candidate.vehicle_index]
            new_route = _rebuild(problem, vehicle, routes.get(vehicle.id), shipment, candidate, now)
            if new_route is not None:
                routes[vehicle.id] = new_route
                ordered = [routes[v.id] for v in problem.vehicles if v.id in routes]
                return Solution(tuple(ordered), others, route_cost(problem, ordered))
        reason = UnassignedReason.FLEET_FULL
    left_out = (*others, Unassigned(shipment_id, reason))
    return replace(solution, unassigned=left_out)


def fill_unassigned(problem: Problem, solution: Solution) -> Solution:
    """Insert, one by one and where cheapest, the shipments left out for want of room,
    those of higher priority first."""
    waiting = [
        u.shipment_id for u in solution.unassigned if u.reason is UnassignedReason.FLEET_FULL
    ]
    waiting.sort(key=lambda sid: -problem.shipment(sid).priority)  # stable: same order within
    for shipment_id in waiting:
        solution = insert_shipment(problem, solution, shipment_id)
    return solution


def _candidates(
    problem: Problem,
    vehicle: Vehicle,
    vindex: int,
    route: Route | None,
    shipment: Shipment,
    now: int,
) -> list[_Candidate]:
    # Nodes of the current round: 0 is the start, k is stop k - 1, n + 1 is the end. A new
    # visit "at position k" goes between node k and node k + 1. Time windows, the shift end
    # and capacity are checked exactly here, in O(1) per position pair thanks to each
    # node's latest feasible start; the maximum duration is checked when rebuilding.
    if shipment.size > vehicle.capacity or not all(
        vehicle.may_visit(v.location) for v in _visits(shipment)
    ):
        return []
    stops = list(route.stops) if route else []
    started = route is not None and route.departure < now
    if route is not None and started and route.return_time <= now:
        return []  # round over: the model has one round per vehicle
    if shipment.pickup is None and started:
        return []  # the parcel waits at the depot the vehicle has left
    frozen = sum(1 for stop in stops if stop.start < now)

    visits = [_visit(problem, stop.shipment_id, stop.kind) for stop in stops]
    path = [vehicle.start, *(v.location for v in visits), vehicle.end]
    drop = shipment.delivery
    pick = shipment.pickup
    places = sorted({*path, drop.location, *([pick.location] if pick else [])})
    pos = {location: i for i, location in enumerate(places)}
    dist: list[list[int]] = problem.distances[np.ix_(places, places)].tolist()
    dur: list[list[int]] = problem.durations[np.ix_(places, places)].tolist()
    node = [pos[location] for location in path]
    d = pos[drop.location]

    n = len(visits)
    leave = [route.departure if route and started else max(vehicle.shift_start, now)]
    for k, visit in enumerate(visits):
        arrival = leave[k] + dur[node[k]][node[k + 1]]
        leave.append(max(arrival, visit.earliest) + visit.service)
    earliest = [0, *(v.earliest for v in visits), 0]
    latest = [0] * (n + 2)
    latest[n + 1] = vehicle.shift_end
    for k in range(n, 0, -1):
        visit = visits[k - 1]
        latest[k] = min(visit.latest, latest[k + 1] - visit.service - dur[node[k]][node[k + 1]])
    loads = _loads(problem, stops)

    def delivery_cost(here: int, clock: int, carried: int, j: int) -> int | None:
        # Added distance of delivering between `here` (left at `clock`) and node j + 1.
        start = max(clock + dur[here][d], drop.earliest)
        if carried + shipment.size > vehicle.capacity or start > drop.latest:
            return None
        nxt = node[j + 1]
        if max(start + drop.service + dur[d][nxt], earliest[j + 1]) > latest[j + 1]:
            return None
        return dist[here][d] + dist[d][nxt] - dist[here][nxt]

    fixed = vehicle.fixed_cost if not stops else 0
    result: list[_Candidate] = []
    if pick is None:
        carried = max(loads[:frozen], default=0)
        for j in range(frozen, n + 1):
            carried = max(carried, loads[j])
            cost = delivery_cost(node[j], leave[j], carried, j)
            if cost is not None:
                result.append(_Candidate(cost + fixed, vindex, j, j))
        return result

    p = pos[pick.location]
    for i in range(frozen, n + 1):
        start = max(leave[i] + dur[node[i]][p], pick.earliest)
        if start > pick.latest:
            continue
        added = dist[node[i]][p] + dist[p][node[i + 1]] - dist[node[i]][node[i + 1]] + fixed
        here, clock, carried = p, start + pick.service, loads[i]
        for j in range(i, n + 1):
            cost = delivery_cost(here, clock, carried, j)
            if cost is not None:
                result.append(_Candidate(added + cost, vindex, i, j))
            if j == n:
                break
            # Serve existing node j + 1 with the new parcel on board, a little later.
            visit = visits[j]
            start = max(clock + dur[here][node[j + 1]], visit.earliest)
            if start > latest[j + 1]:
                break
            here, clock = node[j + 1], start + visit.service
            carried = max(carried, loads[j + 1])
    return result


def _rebuild(
    problem: Problem,
    vehicle: Vehicle,
    route: Route | None,
    shipment: Shipment,
    candidate: _Candidate,
    now: int,
) -> Route | None:
    index = problem.shipment_index[shipment.id]
    visits = [
        (problem.shipment_index[stop.shipment_id], stop.kind)
        for stop in (route.stops if route else ())
    ]
    visits.insert(candidate.delivery_at, (index, StopKind.DELIVERY))
    if shipment.pickup is not None:
        visits.insert(candidate.pickup_at, (index, StopKind.PICKUP))
    if route is not None and route.departure < now:
        rebuilt = timed_route(problem, vehicle, visits, departure=route.departure)
    else:
        rebuilt = timed_route(problem, vehicle, visits, not_before=now)
    if rebuilt is None:
        return None
    # Stops already served must keep their times; a different schedule means the insertion
    # would rewrite the past, which the caller cannot accept.
    if route is not None:
        kept = [stop for stop in route.stops if stop.start < now]
        if list(rebuilt.stops[: len(kept)]) != kept:
            return None
    return rebuilt


def _loads(problem: Problem, stops: list[Stop]) -> list[int]:
    # loads[k]: parcels on board when leaving node k (0 = start, k = after stop k - 1).
    shipments = [problem.shipment(stop.shipment_id) for stop in stops]
    load = sum(
        s.size
        for s, stop in zip(shipments, stops, strict=True)
        if s.pickup is None and stop.kind is StopKind.DELIVERY
    )
    loads = [load]
    for s, stop in zip(shipments, stops, strict=True):
        load += s.size if stop.kind is StopKind.PICKUP else -s.size
        loads.append(load)
    return loads


def _visit(problem: Problem, shipment_id: str, kind: StopKind) -> Visit:
    shipment = problem.shipment(shipment_id)
    if kind is StopKind.PICKUP and shipment.pickup is not None:
        return shipment.pickup
    return shipment.delivery


def _visits(shipment: Shipment) -> list[Visit]:
    return [shipment.pickup, shipment.delivery] if shipment.pickup else [shipment.delivery]
