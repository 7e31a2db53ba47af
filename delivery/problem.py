"""The routing problem and its plans: places, fleet, shipments, routes, and their timing.

Pure dataclasses and functions. Times are integer seconds from an origin the caller picks
(midnight of the day, say); distances are integer metres. Benchmarks reuse them with their
own integer units.

A shipment is collected at its pickup (a merchant) and dropped at its delivery (a shopper
or a pickup point) by the same vehicle, pickup first. A shipment without a pickup is loaded
at the vehicle's start depot. Every vehicle leaves its start location no earlier than its
shift start and is back at its end location by its shift end, within its maximum duration.
Arriving early means waiting; service must start inside the window. The cost is the total
distance plus the fixed cost of each vehicle used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

import numpy as np

from delivery.distances import IntMatrix
from delivery.schedule import TimedStop, VehicleTimes, schedule_route

NO_LIMIT = 1 << 40
"""Stands for "no bound" in time windows, shifts and durations (about 35,000 years)."""


@dataclass(frozen=True)
class Location:
    """A place vehicles stop at. Coordinates are informative; the matrices carry travel."""

    name: str
    lat: float = 0.0
    lon: float = 0.0


@dataclass(frozen=True)
class Visit:
    """A stop at `location` whose service starts within [earliest, latest] and lasts `service`."""

    location: int
    earliest: int = 0
    latest: int = NO_LIMIT
    service: int = 0


@dataclass(frozen=True)
class Shipment:
    """Parcels moved from `pickup` to `delivery` by one vehicle; `pickup=None` means the depot.

    When the fleet cannot serve everything, a shipment of higher `priority` is not left
    out for lower ones (a shopper's order before a returned parcel's way back): its prize
    in the search outweighs all of theirs, a round that breaks its limits drops the lowest
    first, and what was left out is inserted again highest first.
    """

    id: str
    delivery: Visit
    pickup: Visit | None = None
    size: int = 1
    priority: int = 1


@dataclass(frozen=True)
class Vehicle:
    """A courier and vehicle for one shift.

    `start` and `end` are location indices. `allowed_locations`, when set, lists the only
    locations (besides its own start and end) the vehicle may visit: a cargo bike that does
    not leave town, a van too wide for a hamlet's lane.
    """

    id: str
    capacity: int
    start: int
    end: int
    shift_start: int = 0
    shift_end: int = NO_LIMIT
    max_duration: int = NO_LIMIT
    fixed_cost: int = 0
    allowed_locations: frozenset[int] | None = None

    def may_visit(self, location: int) -> bool:
        """Whether this vehicle may stop at `location`."""
        return (
            self.allowed_locations is None
            or location in self.allowed_locations
            or location in (self.start, self.end)
        )


@dataclass(frozen=True, eq=False)
class Problem:
    """Everything the optimiser needs: places, fleet, shipments and travel matrices.

    `distances[i, j]` and `durations[i, j]` are non-negative integers from location i to j.
    """

    locations: tuple[Location, ...]
    vehicles: tuple[Vehicle, ...]
    shipments: tuple[Shipment, ...]
    distances: IntMatrix
    durations: IntMatrix

    def __post_init__(self) -> None:
        n = len(self.locations)
        for name, matrix in (("distances", self.distances), ("durations", self.durations)):
            if matrix.shape != (n, n):
                raise ValueError(f"{name} must be {n}x{n}, got {matrix.shape}")
            if not np.issubdtype(matrix.dtype, np.integer):
                raise ValueError(f"{name} must hold integers")
            if n and int(matrix.min()) < 0:
                raise ValueError(f"{name} must not be negative")
        _require_unique("vehicle", [v.id for v in self.vehicles])
        _require_unique("shipment", [s.id for s in self.shipments])
        for vehicle in self.vehicles:
            _require_location(n, vehicle.start, vehicle.end)
            if vehicle.capacity < 0:
                raise ValueError(f"vehicle {vehicle.id} has a negative capacity")
        for shipment in self.shipments:
            visits = [shipment.delivery] + ([shipment.pickup] if shipment.pickup else [])
            _require_location(n, *(visit.location for visit in visits))
            if shipment.size < 0:
                raise ValueError(f"shipment {shipment.id} has a negative size")

    def shipment(self, shipment_id: str) -> Shipment:
        """The shipment with this id (KeyError if unknown)."""
        return self.shipments[self.shipment_index[shipment_id]]

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id (KeyError if unknown)."""
        return self.vehicles[self.vehicle_index[vehicle_id]]

    @cached_property
    def shipment_index(self) -> dict[str, int]:
        """Position of each shipment id in `shipments`."""
        return {s.id: i for i, s in enumerate(self.shipments)}

    @cached_property
    def distinct_vehicles(self) -> tuple[Vehicle, ...]:
        """One vehicle per set of identical capacities, places, shifts and restrictions."""
        distinct: dict[tuple[object, ...], Vehicle] = {}
        for v in self.vehicles:
            key = (v.capacity, v.start, v.end, v.shift_start, v.shift_end, v.max_duration)
            distinct.setdefault((*key, v.allowed_locations), v)
        return tuple(distinct.values())

    @cached_property
    def vehicle_index(self) -> dict[str, int]:
        """Position of each vehicle id in `vehicles`."""
        return {v.id: i for i, v in enumerate(self.vehicles)}


class StopKind(StrEnum):
    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True)
class Stop:
    """One stop of a route: `arrival` at the location, service from `start` (after waiting)."""

    shipment_id: str
    kind: StopKind
    location: int
    arrival: int
    start: int


@dataclass(frozen=True)
class Route:
    """A vehicle's round: leaves its start at `departure`, is back at its end at `return_time`."""

    vehicle_id: str
    stops: tuple[Stop, ...]
    departure: int
    return_time: int
    distance: int


class UnassignedReason(StrEnum):
    TOO_LARGE = "too_large"
    """Bigger than every vehicle's capacity."""
    NOT_ALLOWED = "not_allowed"
    """No vehicle big enough may visit both its addresses."""
    OUT_OF_HOURS = "out_of_hours"
    """No vehicle can meet its time windows within its shift, even with nothing else to do."""
    FLEET_FULL = "fleet_full"
    """Could be served alone, but the fleet has no room or time left for it."""


@dataclass(frozen=True)
class Unassigned:
    shipment_id: str
    reason: UnassignedReason


@dataclass(frozen=True)
class Solution:
    """Routes of the vehicles used, the shipments left out, and the cost of the routes."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...] = field(default=())
    cost: int = 0

    @property
    def distance(self) -> int:
        """Total distance over all routes."""
        return sum(route.distance for route in self.routes)


def screen(problem: Problem) -> dict[str, UnassignedReason]:
    """Shipments that no vehicle could serve even alone, with the reason."""
    rejected: dict[str, UnassignedReason] = {}
    for shipment in problem.shipments:
        reason = screen_shipment(problem, shipment)
        if reason is not None:
            rejected[shipment.id] = reason
    return rejected


def screen_shipment(problem: Problem, shipment: Shipment) -> UnassignedReason | None:
    """Why no vehicle could serve `shipment` even with nothing else to do, or None."""
    if not problem.vehicles:
        return UnassignedReason.FLEET_FULL
    fitting = [v for v in problem.distinct_vehicles if shipment.size <= v.capacity]
    allowed = [v for v in fitting if all(v.may_visit(loc) for loc in _locations(shipment))]
    if not fitting:
        return UnassignedReason.TOO_LARGE
    if not allowed:
        return UnassignedReason.NOT_ALLOWED
    if not any(_fits_alone(problem, v, shipment) for v in allowed):
        return UnassignedReason.OUT_OF_HOURS
    return None


def timed_route(
    problem: Problem,
    vehicle: Vehicle,
    visits: Sequence[tuple[int, StopKind]],
    *,
    departure: int | None = None,
    not_before: int = 0,
) -> Route | None:
    """Schedule shipment visits on `vehicle` in this order; None if a time limit is broken.

    Without `departure`, the vehicle leaves as late as it can (but not before `not_before`)
    without coming back later; see `schedule.schedule_route`.
    """
    stops = [_visit_of(problem.shipments[index], kind) for index, kind in visits]
    timing = schedule_route(
        problem.durations,
        _vehicle_times(vehicle),
        [TimedStop(v.location, v.earliest, v.latest, v.service) for v in stops],
        departure=departure,
        not_before=not_before,
    )
    if timing is None:
        return None
    route_stops = tuple(
        Stop(problem.shipments[index].id, kind, visit.location, arrival, start)
        for (index, kind), visit, arrival, start in zip(
            visits, stops, timing.arrivals, timing.starts, strict=True
        )
    )
    path = [vehicle.start, *(visit.location for visit in stops), vehicle.end]
    distance = sum(int(problem.distances[a, b]) for a, b in zip(path, path[1:], strict=False))
    return Route(vehicle.id, route_stops, timing.departure, timing.return_time, distance)


def route_cost(problem: Problem, routes: Sequence[Route]) -> int:
    """Distance of the routes plus the fixed cost of each vehicle that has stops."""
    fixed = sum(problem.vehicle(r.vehicle_id).fixed_cost for r in routes if r.stops)
    return sum(r.distance for r in routes) + fixed


def assemble(
    problem: Problem,
    planned: Sequence[tuple[Vehicle, list[tuple[int, StopKind]]]],
    unassigned: dict[str, UnassignedReason],
) -> Solution:
    routes: list[Route] = []
    for vehicle, visits in planned:
        route = timed_route(problem, vehicle, visits)
        # Safety net for a search stopped before it found a feasible plan: drop shipments
        # from the end of the round, those of lowest priority first, until the round keeps
        # its time limits and capacity.
        while visits and (route is None or not within_capacity(problem, vehicle, visits)):
            lowest = min(problem.shipments[index].priority for index, _ in visits)
            dropped = next(
                index
                for index, _ in reversed(visits)
                if problem.shipments[index].priority == lowest
            )
            unassigned[problem.shipments[dropped].id] = UnassignedReason.FLEET_FULL
            visits = [(index, kind) for index, kind in visits if index != dropped]
            route = timed_route(problem, vehicle, visits)
        if route is not None and route.stops:
            routes.append(route)
    order = {s.id: i for i, s in enumerate(problem.shipments)}
    left_out = tuple(
        Unassigned(sid, reason)
        for sid, reason in sorted(unassigned.items(), key=lambda item: order[item[0]])
    )
    return Solution(tuple(routes), left_out, route_cost(problem, routes))


def within_capacity(
    problem: Problem, vehicle: Vehicle, visits: Sequence[tuple[int, StopKind]]
) -> bool:
    shipments = problem.shipments
    load = sum(
        shipments[i].size
        for i, kind in visits
        if shipments[i].pickup is None and kind is StopKind.DELIVERY
    )
    if load > vehicle.capacity:
        return False
    for index, kind in visits:
        load += shipments[index].size if kind is StopKind.PICKUP else -shipments[index].size
        if load > vehicle.capacity:
            return False
    return True


def _fits_alone(problem: Problem, vehicle: Vehicle, shipment: Shipment) -> bool:
    visits = [TimedStop(v.location, v.earliest, v.latest, v.service) for v in _visits(shipment)]
    return schedule_route(problem.durations, _vehicle_times(vehicle), visits) is not None


def _vehicle_times(vehicle: Vehicle) -> VehicleTimes:
    return VehicleTimes(
        vehicle.start, vehicle.end, vehicle.shift_start, vehicle.shift_end, vehicle.max_duration
    )


def _visits(shipment: Shipment) -> list[Visit]:
    return [shipment.pickup, shipment.delivery] if shipment.pickup else [shipment.delivery]


def _locations(shipment: Shipment) -> list[int]:
    return [visit.location for visit in _visits(shipment)]


def _visit_of(shipment: Shipment, kind: StopKind) -> Visit:
    if kind is StopKind.PICKUP:
        if shipment.pickup is None:
            raise ValueError(f"shipment {shipment.id} has no pickup stop")
        return shipment.pickup
    return shipment.delivery


def _require_unique(what: str, ids: Sequence[str]) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} ids must be unique")


def _require_location(n: int, *indices: int) -> None:
    for index in indices:
        if not 0 <= index < n:
            raise ValueError(f"location index {index} is out of range (0..{n - 1})")
