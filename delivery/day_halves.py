"""A day of two delivery slots planned as two half-days, then joined.

When every delivery window lies either in a morning or in an afternoon (the territory's
slots), a courier's round is a morning part and an afternoon part. PyVRP's search settles
in many different basins on the whole day, but on each half it finds the same plan, or
nearly, from one seed to the next (the 100-order rural day: the afternoon half came out at
exactly the same cost on every seed). So:

1. each half is planned on its own, on its own core: the morning's rounds end "anywhere",
   which costs the way to the nearest shop where an afternoon parcel is collected (the
   courier goes there for the afternoon anyway); the afternoon's rounds start "anywhere",
   for free;
2. the afternoon parts are matched to the couriers of the morning parts so that the
   lunchtime legs are shortest, within each vehicle's capacity (`join`);
3. each half is planned again with the other half fixed: the morning rounds must end
   where their courier's afternoon begins, in time and within the shift; the afternoon
   rounds start where their courier's morning ended (`refit_morning`, `refit_afternoon`);
4. the best joined plan is improved as a whole (in `delivery.optimiser`).

Pure: dataclasses in, dataclasses out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from delivery.problem import (
    NO_LIMIT,
    Location,
    Problem,
    Route,
    Solution,
    StopKind,
    UnassignedReason,
    Vehicle,
    assemble,
)

# Brute force over the ways to give the afternoon parts to the couriers up to this fleet
# size (5,040 orders); larger fleets keep each afternoon part on the vehicle that planned it.
_MATCH_UP_TO = 7

Visits = list[tuple[int, StopKind]]


@dataclass(frozen=True)
class Split:
    """The shipments of each half (indices into the problem) and the time between them.

    `noon` is the end of the latest morning window, `afternoon` the start of the earliest
    afternoon window.
    """

    morning: tuple[int, ...]
    afternoon: tuple[int, ...]
    noon: int
    afternoon_start: int


@dataclass(frozen=True)
class Halves:
    """The problem of each half; both have one location more than the day: "anywhere"."""

    morning: Problem
    afternoon: Problem
    anywhere: int


def find_split(problem: Problem) -> Split | None:
    """The day's shipments split into two slots, if their delivery windows make two slots.

    Two slots: the windows fall in two groups separated by a time no window covers, and
    the windows of each group share a moment (as a territory's morning and afternoon slots
    do; the narrow windows spread over the day of the Li & Lim files do not). None
    otherwise, or when a shipment is loaded at the depot (an afternoon part starting
    "anywhere" could not load it).
    """
    shipments = problem.shipments
    if len(shipments) < 2 or any(shipment.pickup is None for shipment in shipments):
        return None
    order = sorted(range(len(shipments)), key=lambda i: shipments[i].delivery.earliest)
    windows = [(shipments[i].delivery.earliest, shipments[i].delivery.latest) for i in order]
    # Over the first k windows: latest end, latest start, earliest end; the same over the rest.
    head_end, head_start, head_close = [], [], []
    end_, start_, close = -1, -1, NO_LIMIT
    for earliest, latest in windows:
        end_, start_, close = max(end_, latest), max(start_, earliest), min(close, latest)
        head_end.append(end_)
        head_start.append(start_)
        head_close.append(close)
    tail_start, tail_close = [0] * len(windows), [0] * len(windows)
    start_, close = -1, NO_LIMIT
    for k in range(len(windows) - 1, -1, -1):
        start_, close = max(start_, windows[k][0]), min(close, windows[k][1])
        tail_start[k], tail_close[k] = start_, close
    for k in range(len(windows) - 1):
        gap = windows[k + 1][0] > head_end[k]
        if gap and head_start[k] <= head_close[k] and tail_start[k + 1] <= tail_close[k + 1]:
            return Split(
                tuple(sorted(order[: k + 1])),
                tuple(sorted(order[k + 1 :])),
                head_end[k],
                windows[k + 1][0],
            )
    return None


def halves(problem: Problem, split: Split) -> Halves:
    """The morning and afternoon problems of `split`, each with the whole fleet.

    Morning rounds end "anywhere" and finish before the afternoon windows open; afternoon
    rounds start "anywhere", not before the end of the morning windows.
    """
    pickups = (problem.shipments[i].pickup for i in split.afternoon)
    shops = sorted({pickup.location for pickup in pickups if pickup is not None})
    locations, distances, durations, anywhere = _with_anywhere(problem, shops)
    # A shift that ends before noon (or starts after the afternoon opens) keeps its hours:
    # that courier has nothing to do in the other half, and a shift may not end before it
    # starts.
    morning_fleet = tuple(
        replace(
            v, end=anywhere, shift_end=max(v.shift_start, min(v.shift_end, split.afternoon_start))
        )
        for v in problem.vehicles
    )
    afternoon_fleet = tuple(
        replace(v, start=anywhere, shift_start=min(v.shift_end, max(v.shift_start, split.noon)))
        for v in problem.vehicles
    )

    def part(fleet: tuple[Vehicle, ...], members: Sequence[int]) -> Problem:
        shipments = tuple(problem.shipments[i] for i in members)
        return Problem(locations, fleet, shipments, distances, durations)

    return Halves(
        part(morning_fleet, split.morning), part(afternoon_fleet, split.afternoon), anywhere
    )


Pairing = dict[str, tuple[Route | None, Route | None]]
"""Vehicle id -> (its morning part, its afternoon part) as planned in the halves."""


def join(problem: Problem, morning: Solution, afternoon: Solution) -> tuple[Solution, Pairing]:
    """The day's plan made of both halves, with the lunchtime legs as short as allowed.

    The morning parts stay on their vehicles; the afternoon parts are given to the vehicles
    so that the legs from the end of each morning part to the start of the afternoon part
    (or home, or out from the start) are shortest in total, each part going to a vehicle of
    the kind that planned it (same end, hours and restrictions) big enough for its
    largest load. Returns the plan (in `problem`'s terms) and which parts each vehicle got.
    """
    mornings = by_vehicle(morning)
    afternoons = by_vehicle(afternoon)
    vehicles = problem.vehicles
    planned_by = [afternoons.get(v.id) for v in vehicles]
    best_order: Sequence[int] = range(len(vehicles))
    if len(vehicles) <= _MATCH_UP_TO:
        # legs[k][j]: the legs of vehicle k with the afternoon part planned by vehicle j.
        legs = [
            [
                _legs(problem, vehicle, mornings.get(vehicle.id), planner, after)
                for planner, after in zip(vehicles, planned_by, strict=True)
            ]
            for vehicle in vehicles
        ]
        best_cost: int | None = None
        for order in itertools.permutations(range(len(vehicles))):
            cost = 0
            for k, j in enumerate(order):
                leg = legs[k][j]
                if leg is None:
                    break
                cost += leg
            else:
                if best_cost is None or cost < best_cost:
                    best_cost, best_order = cost, order
    pairing = {
        v.id: (mornings.get(v.id), planned_by[best_order[k]]) for k, v in enumerate(vehicles)
    }
    return joined(problem, pairing), pairing


def joined(problem: Problem, pairing: Pairing) -> Solution:
    """The plan where each vehicle does its morning part, then its afternoon part.

    Shipments in neither part are listed as unassigned (the fleet had no room for them).
    """
    index = problem.shipment_index
    planned: list[tuple[Vehicle, Visits]] = []
    served: set[str] = set()
    for vehicle in problem.vehicles:
        visits: Visits = []
        for part in pairing.get(vehicle.id, (None, None)):
            if part is not None:
                visits.extend((index[stop.shipment_id], stop.kind) for stop in part.stops)
                served.update(stop.shipment_id for stop in part.stops)
        if visits:
            planned.append((vehicle, visits))
    left_out = {s.id: UnassignedReason.FLEET_FULL for s in problem.shipments if s.id not in served}
    return assemble(problem, planned, left_out)


def refit_morning(halves_: Halves, pairing: Pairing) -> Problem:
    """The morning problem where each courier must end where its afternoon part begins.

    It arrives there by the time that part starts, and leaves the depot late enough for the
    whole day to fit its maximum duration. Couriers without an afternoon part go home.
    """
    fleet = []
    for vehicle in halves_.morning.vehicles:
        after = pairing[vehicle.id][1]
        if after is None:
            day_end = halves_.afternoon.vehicle(vehicle.id).end
            fleet.append(replace(vehicle, end=day_end))
            continue
        first = after.stops[0]
        fleet.append(
            replace(
                vehicle,
                end=first.location,
                shift_start=max(vehicle.shift_start, after.return_time - vehicle.max_duration),
                shift_end=first.start,
            )
        )
    return replace(halves_.morning, vehicles=tuple(fleet))


def refit_afternoon(halves_: Halves, pairing: Pairing) -> Problem:
    """The afternoon problem where each courier starts where its morning part ended.

    It leaves when that part is done and is back within its maximum duration counted from
    the morning's departure. Couriers without a morning part start from the depot.
    """
    fleet = []
    for vehicle in halves_.afternoon.vehicles:
        before = pairing[vehicle.id][0]
        if before is None:
            day_start = halves_.morning.vehicle(vehicle.id).start
            fleet.append(replace(vehicle, start=day_start))
            continue
        fleet.append(
            replace(
                vehicle,
                start=before.stops[-1].location,
                shift_start=before.return_time,
                shift_end=min(vehicle.shift_end, before.departure + vehicle.max_duration),
            )
        )
    return replace(halves_.afternoon, vehicles=tuple(fleet))


def by_vehicle(solution: Solution) -> dict[str, Route]:
    """The routes of `solution` by vehicle id."""
    return {route.vehicle_id: route for route in solution.routes}


def _legs(
    problem: Problem,
    vehicle: Vehicle,
    before: Route | None,
    planner: Vehicle,
    after: Route | None,
) -> int | None:
    # The lunchtime leg of `vehicle` (or its trip home, or out) when it does `before` then
    # `after`, planned by `planner`; None if `vehicle` may not take `after`.
    if after is not None and not _can_take(vehicle, planner, problem, after):
        return None
    if before is not None and after is not None:
        return int(problem.distances[before.stops[-1].location, after.stops[0].location])
    if before is not None:
        return int(problem.distances[before.stops[-1].location, vehicle.end])
    if after is not None:
        return int(problem.distances[vehicle.start, after.stops[0].location])
    return 0


def _can_take(vehicle: Vehicle, planner: Vehicle, problem: Problem, route: Route) -> bool:
    if vehicle.id == planner.id:
        return True
    same_kind = (
        vehicle.end == planner.end
        and vehicle.shift_start == planner.shift_start
        and vehicle.shift_end == planner.shift_end
        and vehicle.max_duration == planner.max_duration
        and vehicle.fixed_cost == planner.fixed_cost
        and vehicle.allowed_locations == planner.allowed_locations
    )
    return same_kind and _peak_load(problem, route) <= vehicle.capacity


def _peak_load(problem: Problem, route: Route) -> int:
    load = peak = 0
    for stop in route.stops:
        size = problem.shipment(stop.shipment_id).size
        load += size if stop.kind is StopKind.PICKUP else -size
        peak = max(peak, load)
    return peak


def _with_anywhere(
    problem: Problem, shops: Sequence[int]
) -> tuple[tuple[Location, ...], np.ndarray, np.ndarray, int]:
    # Leaving "anywhere" costs nothing; reaching it costs the way to the nearest of `shops`.
    n = len(problem.locations)
    distances = np.zeros((n + 1, n + 1), dtype=problem.distances.dtype)
    durations = np.zeros((n + 1, n + 1), dtype=problem.durations.dtype)
    distances[:n, :n] = problem.distances
    durations[:n, :n] = problem.durations
    if shops:
        distances[:n, n] = problem.distances[:, shops].min(axis=1)
        durations[:n, n] = problem.durations[:, shops].min(axis=1)
    return (*problem.locations, Location("anywhere")), distances, durations, n
