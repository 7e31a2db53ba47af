"""An independent check of a plan against its problem.

Written apart from the optimiser, on purpose: it shares no scheduling code with it, so a
bug in one is unlikely to hide in the other. It replays each route from its departure time
and reports every broken rule instead of stopping at the first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from delivery.problem import Problem, Route, Solution, StopKind


class ViolationKind(StrEnum):
    UNKNOWN = "unknown"
    """A route names a vehicle or a shipment that the problem does not have."""
    VEHICLE_REUSED = "vehicle_reused"
    SERVED_TWICE = "served_twice"
    """A shipment picked up or delivered more than once, or both served and left out."""
    NOT_REPORTED = "not_reported"
    """A shipment neither served nor listed as unassigned."""
    PRECEDENCE = "precedence"
    """Delivery without its pickup on the same route, or before it."""
    WRONG_LOCATION = "wrong_location"
    NOT_ALLOWED = "not_allowed"
    CAPACITY = "capacity"
    TIME_WINDOW = "time_window"
    SHIFT = "shift"
    MAX_DURATION = "max_duration"
    SCHEDULE = "schedule"
    """Reported times that do not follow from the departure and the travel times."""
    COST = "cost"


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    message: str
    vehicle_id: str | None = None
    shipment_id: str | None = None


def validate(problem: Problem, solution: Solution) -> list[Violation]:
    """Every rule the solution breaks; an empty list means it is feasible and consistent."""
    violations: list[Violation] = []
    vehicle_ids = {v.id for v in problem.vehicles}
    used = Counter(route.vehicle_id for route in solution.routes)
    for vehicle_id, count in used.items():
        if vehicle_id not in vehicle_ids:
            violations.append(_v(ViolationKind.UNKNOWN, "unknown vehicle", vehicle_id))
        elif count > 1:
            violations.append(
                _v(ViolationKind.VEHICLE_REUSED, f"vehicle has {count} routes", vehicle_id)
            )

    violations += _check_reporting(problem, solution)
    for route in solution.routes:
        if route.vehicle_id in vehicle_ids:
            violations += _check_route(problem, route)

    expected = recompute_cost(problem, solution)
    if expected != solution.cost:
        violations.append(
            _v(ViolationKind.COST, f"reported cost {solution.cost}, recomputed {expected}")
        )
    return violations


def recompute_cost(problem: Problem, solution: Solution) -> int:
    """Total distance of the stops' locations plus fixed costs of vehicles with stops."""
    vehicles = {v.id: v for v in problem.vehicles}
    total = 0
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None or not route.stops:
            continue
        path = [vehicle.start, *(stop.location for stop in route.stops), vehicle.end]
        total += sum(int(problem.distances[a, b]) for a, b in zip(path, path[1:], strict=False))
        total += vehicle.fixed_cost
    return total


def _check_reporting(problem: Problem, solution: Solution) -> list[Violation]:
    violations: list[Violation] = []
    shipment_ids = {s.id for s in problem.shipments}
    visits = Counter(
        (stop.shipment_id, stop.kind) for route in solution.routes for stop in route.stops
    )
    left_out = Counter(u.shipment_id for u in solution.unassigned)
    for (sid, kind), count in visits.items():
        if sid not in shipment_ids:
            violations.append(_v(ViolationKind.UNKNOWN, "unknown shipment", shipment_id=sid))
        elif count > 1:
            message = f"{kind} appears {count} times"
            violations.append(_v(ViolationKind.SERVED_TWICE, message, shipment_id=sid))
    for sid, count in left_out.items():
        if sid not in shipment_ids:
            violations.append(_v(ViolationKind.UNKNOWN, "unknown shipment", shipment_id=sid))
        elif count > 1 or visits[(sid, StopKind.DELIVERY)]:
            message = "listed as unassigned twice, or both unassigned and delivered"
            violations.append(_v(ViolationKind.SERVED_TWICE, message, shipment_id=sid))
    for shipment in problem.shipments:
        if not visits[(shipment.id, StopKind.DELIVERY)] and not left_out[shipment.id]:
            message = "neither delivered nor reported as unassigned"
            violations.append(_v(ViolationKind.NOT_REPORTED, message, shipment_id=shipment.id))
    return violations


def _check_route(problem: Problem, route: Route) -> list[Violation]:
    vehicle = problem.vehicle(route.vehicle_id)
    shipments = {s.id: s for s in problem.shipments}
    violations: list[Violation] = []

    def report(kind: ViolationKind, message: str, shipment_id: str | None = None) -> None:
        violations.append(_v(kind, message, vehicle.id, shipment_id))

    on_route = [stop for stop in route.stops if stop.shipment_id in shipments]
    from_depot = {
        stop.shipment_id
        for stop in on_route
        if stop.kind is StopKind.DELIVERY and shipments[stop.shipment_id].pickup is None
    }
    load = sum(shipments[sid].size for sid in from_depot)
    if load > vehicle.capacity:
        report(ViolationKind.CAPACITY, f"leaves with {load} > capacity {vehicle.capacity}")
    if route.departure < vehicle.shift_start:
        report(ViolationKind.SHIFT, f"leaves at {route.departure} before shift start")

    picked: set[str] = set()
    here, clock = vehicle.start, route.departure
    for stop in on_route:
        shipment = shipments[stop.shipment_id]
        visit = shipment.delivery if stop.kind is StopKind.DELIVERY else shipment.pickup
        if visit is None:
            report(ViolationKind.PRECEDENCE, "pickup of a depot shipment", shipment.id)
            continue
        if stop.location != visit.location:
            report(ViolationKind.WRONG_LOCATION, f"stop at {stop.location}", shipment.id)
        if not vehicle.may_visit(visit.location):
            report(ViolationKind.NOT_ALLOWED, f"may not visit {visit.location}", shipment.id)
        if stop.kind is StopKind.PICKUP:
            picked.add(shipment.id)
            load += shipment.size
        else:
            if shipment.pickup is not None and shipment.id not in picked:
                report(ViolationKind.PRECEDENCE, "delivered before its pickup here", shipment.id)
            load -= shipment.size
        if load > vehicle.capacity:
            report(ViolationKind.CAPACITY, f"carries {load} > {vehicle.capacity}", shipment.id)

        arrival = clock + int(problem.durations[here, visit.location])
        start = max(arrival, visit.earliest)
        if start > visit.latest:
            message = f"{stop.kind} starts at {start}, after {visit.latest}"
            report(ViolationKind.TIME_WINDOW, message, shipment.id)
        if (stop.arrival, stop.start) != (arrival, start):
            message = f"reported {stop.arrival}/{stop.start}, replayed {arrival}/{start}"
            report(ViolationKind.SCHEDULE, message, shipment.id)
        here, clock = visit.location, start + visit.service

    delivered = {s.shipment_id for s in on_route if s.kind is StopKind.DELIVERY}
    for sid in sorted(picked - delivered):
        report(ViolationKind.PRECEDENCE, "picked up but not delivered on this route", sid)

    back = clock + int(problem.durations[here, vehicle.end])
    if back != route.return_time:
        report(ViolationKind.SCHEDULE, f"reported return {route.return_time}, replayed {back}")
    if back > vehicle.shift_end:
        report(ViolationKind.SHIFT, f"back at {back}, after shift end {vehicle.shift_end}")
    if back - route.departure > vehicle.max_duration:
        message = f"lasts {back - route.departure} > {vehicle.max_duration}"
        report(ViolationKind.MAX_DURATION, message)
    return violations


def _v(
    kind: ViolationKind, message: str, vehicle_id: str | None = None, shipment_id: str | None = None
) -> Violation:
    return Violation(kind, message, vehicle_id, shipment_id)
