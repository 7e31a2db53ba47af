"""Translation of a `Problem` into PyVRP's data, and of PyVRP's routes back.

Everything that knows PyVRP's data model lives here and in `pyvrp_search`, so that
upgrading PyVRP (its API still moves before 1.0) touches two modules. Outcomes carry only
plain values, so that they travel between processes without PyVRP objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from pyvrp import Activity as PyVRPActivity
from pyvrp import (
    ActivityType,
    Client,
    CostEvaluator,
    Model,
    ProblemData,
    ScheduledActivity,
    Shipment,
)
from pyvrp import Route as PyVRPRoute
from pyvrp import Solution as PyVRPSolution

if TYPE_CHECKING:
    from delivery.problem import Problem, Vehicle

# Our own codes for PyVRP's activity kinds, so that outcomes pickle without PyVRP objects.
_CLIENT, _PICKUP, _DELIVERY = 0, 1, 2

# Edges into a place a vehicle may not visit: long enough in time to break any shift, and in
# distance to cost more than any prize.
_FORBIDDEN = 1 << 36

Activity = tuple[int, int]
"""(_CLIENT, _PICKUP or _DELIVERY; index among PyVRP's clients or shipments)."""

EncodedRoute = tuple[int, list[tuple[int, bool]]]
"""A route in the problem's terms: vehicle index, then (shipment index, is pickup) visits."""


@dataclass(frozen=True)
class SearchOutcome:
    """A search's best plan: PyVRP cost, activities per route, whether all were required."""

    cost: int
    routes: list[tuple[int, list[Activity]]]
    complete: bool


@dataclass(frozen=True, eq=False)
class SearchData:
    """PyVRP data for a problem, and how to map PyVRP's indices back to the problem's.

    `data` requires every shipment; `optional` is the same problem where each shipment may
    be left out at the cost of a prize larger than any cost of serving it, so a search on it
    serves all it can instead of returning an infeasible plan when the fleet is short.
    """

    data: ProblemData
    optional: ProblemData
    vehicles_by_type: dict[int, list[int]]
    client_shipments: list[int]
    pair_shipments: list[int]

    def decode(self, activity: Activity) -> tuple[int, bool]:
        """(index of the problem's shipment, whether this is its pickup) for an activity."""
        kind, index = activity
        if kind == _CLIENT:
            return self.client_shipments[index], False
        return self.pair_shipments[index], kind == _PICKUP

    def encode(self, routes: Sequence[EncodedRoute]) -> SearchOutcome:
        """The outcome (with PyVRP's cost) of routes given in the problem's terms."""
        vehicle_type = {v: t for t, members in self.vehicles_by_type.items() for v in members}
        client = {shipment: i for i, shipment in enumerate(self.client_shipments)}
        pair = {shipment: i for i, shipment in enumerate(self.pair_shipments)}
        activities = [
            (
                vehicle_type[vehicle],
                [
                    (_CLIENT, client[index])
                    if index in client
                    else (_PICKUP if is_pickup else _DELIVERY, pair[index])
                    for index, is_pickup in visits
                ],
            )
            for vehicle, visits in routes
        ]
        draft = SearchOutcome(0, activities, complete=False)
        return outcome_of(self, solution_of(self.optional, draft), complete=False)


def build_search_data(problem: Problem, candidates: Sequence[int]) -> SearchData:
    """PyVRP data for serving the shipments at `candidates` (indices) with the fleet."""
    model = Model()
    locations = [model.add_location(x=p.lon, y=p.lat, name=p.name) for p in problem.locations]
    depots = {}
    for vehicle in problem.vehicles:
        for index in (vehicle.start, vehicle.end):
            if index not in depots:
                depots[index] = model.add_depot(
                    locations[index], name=problem.locations[index].name
                )

    profile_keys = _profile_keys(problem.vehicles)
    for _ in profile_keys:
        model.add_profile()
    profiles = model.profiles

    types: dict[tuple[int, ...], list[int]] = {}
    for vindex, vehicle in enumerate(problem.vehicles):
        types.setdefault(_type_key(vehicle, profile_keys), []).append(vindex)
    for key, members in types.items():
        vehicle = problem.vehicles[members[0]]
        model.add_vehicle_type(
            num_available=len(members),
            capacity=vehicle.capacity,
            start_depot=depots[vehicle.start],
            end_depot=depots[vehicle.end],
            fixed_cost=vehicle.fixed_cost,
            tw_early=vehicle.shift_start,
            tw_late=vehicle.shift_end,
            shift_duration=vehicle.max_duration,
            profile=profiles[key[-1]] if profiles else None,
            name=vehicle.id,
        )

    client_shipments: list[int] = []
    pair_shipments: list[int] = []
    for index in candidates:
        shipment = problem.shipments[index]
        drop = shipment.delivery
        if shipment.pickup is None:
            model.add_client(
                locations[drop.location],
                delivery=shipment.size,
                service_duration=drop.service,
                tw_early=drop.earliest,
                tw_late=drop.latest,
                name=shipment.id,
            )
            client_shipments.append(index)
        else:
            pick = shipment.pickup
            model.add_shipment(
                locations[pick.location],
                locations[drop.location],
                pickup_tw_early=pick.earliest,
                pickup_tw_late=pick.latest,
                pickup_service_duration=pick.service,
                delivery_tw_early=drop.earliest,
                delivery_tw_late=drop.latest,
                delivery_service_duration=drop.service,
                amount=shipment.size,
                name=shipment.id,
            )
            pair_shipments.append(index)

    # Model.add_edge would create one Python object per pair (360,000 for a 300-order day);
    # setting the matrices on the data directly is equivalent and instant.
    distances, durations = _profile_matrices(problem, profile_keys)
    data = model.data().replace(distance_matrices=distances, duration_matrices=durations)
    vehicles_by_type = {t: members for t, members in enumerate(types.values())}
    prizes = _prizes(problem, candidates)
    optional = _optional(
        data,
        [prizes[index] for index in client_shipments],
        [prizes[index] for index in pair_shipments],
    )
    return SearchData(data, optional, vehicles_by_type, client_shipments, pair_shipments)


def outcome_of(search: SearchData, best: PyVRPSolution, *, complete: bool) -> SearchOutcome:
    """The picklable outcome of a PyVRP solution, with its PyVRP cost."""
    cost = int(CostEvaluator([0] * search.data.num_load_dimensions, 0, 0).cost(best))
    routes = [
        (
            int(route.vehicle_type()),
            [(_activity_code(a), int(a.idx)) for a in route if not a.is_depot()],
        )
        for route in best.routes()
    ]
    return SearchOutcome(cost, routes, complete)


def solution_of(data: ProblemData, outcome: SearchOutcome) -> PyVRPSolution:
    """The PyVRP solution for `data` with the routes of `outcome` (to restart from it)."""
    kinds = {
        _CLIENT: ActivityType.CLIENT,
        _PICKUP: ActivityType.PICKUP,
        _DELIVERY: ActivityType.DELIVERY,
    }
    routes = [
        PyVRPRoute(data, [PyVRPActivity(kinds[kind], index) for kind, index in visits], vtype)
        for vtype, visits in outcome.routes
    ]
    return PyVRPSolution(data, routes)


def _activity_code(activity: ScheduledActivity) -> int:
    if activity.is_client():
        return _CLIENT
    return _PICKUP if activity.is_pickup() else _DELIVERY


def _optional(
    data: ProblemData, client_prizes: Sequence[int], shipment_prizes: Sequence[int]
) -> ProblemData:
    clients = [
        Client(
            location=c.location,
            delivery=c.delivery,
            pickup=c.pickup,
            service_duration=c.service_duration,
            tw_early=c.tw_early,
            tw_late=c.tw_late,
            prize=prize,
            required=False,
            name=c.name,
        )
        for c, prize in zip(data.clients(), client_prizes, strict=True)
    ]
    shipments = [
        Shipment(
            pickup_location=s.pickup.location,
            delivery_location=s.delivery.location,
            pickup_tw_early=s.pickup.tw_early,
            pickup_tw_late=s.pickup.tw_late,
            pickup_service_duration=s.pickup.service_duration,
            delivery_tw_early=s.delivery.tw_early,
            delivery_tw_late=s.delivery.tw_late,
            delivery_service_duration=s.delivery.service_duration,
            amount=s.amount,
            prize=prize,
            required=False,
            name=s.name,
        )
        for s, prize in zip(data.shipments(), shipment_prizes, strict=True)
    ]
    return data.replace(clients=clients, shipments=shipments)


def _prizes(problem: Problem, candidates: Sequence[int]) -> dict[int, int]:
    # Serving a shipment adds at most four edges and possibly a vehicle's fixed cost; a
    # prize above that makes serving it always worth it when it fits. A shipment of higher
    # priority is worth more than every shipment of lower priority together, so no number
    # of them is kept in its place.
    longest = int(problem.distances.max()) if len(problem.locations) else 0
    fixed = max((v.fixed_cost for v in problem.vehicles), default=0)
    base = 4 * longest + fixed + 1
    counts = Counter(problem.shipments[index].priority for index in candidates)
    worth: dict[int, int] = {}
    below = 0  # the prizes of every shipment of lower priority, together
    for level in sorted(counts):
        worth[level] = below + base
        below += worth[level] * counts[level]
    return {index: worth[problem.shipments[index].priority] for index in candidates}


def _profile_keys(vehicles: Sequence[Vehicle]) -> list[frozenset[int]]:
    # One routing profile per distinct set of places a restricted vehicle may visit; the
    # unrestricted profile comes first. No restriction at all means no explicit profile.
    keys = {
        v.allowed_locations | {v.start, v.end} for v in vehicles if v.allowed_locations is not None
    }
    if not keys:
        return []
    return [frozenset(), *sorted(keys, key=sorted)]


def _type_key(vehicle: Vehicle, profile_keys: list[frozenset[int]]) -> tuple[int, ...]:
    profile = 0
    if vehicle.allowed_locations is not None:
        profile = profile_keys.index(vehicle.allowed_locations | {vehicle.start, vehicle.end})
    return (
        vehicle.capacity,
        vehicle.start,
        vehicle.end,
        vehicle.shift_start,
        vehicle.shift_end,
        vehicle.max_duration,
        vehicle.fixed_cost,
        profile,
    )


def _profile_matrices(
    problem: Problem, profile_keys: list[frozenset[int]]
) -> tuple[list[Any], list[Any]]:
    # list[Any]: PyVRP's stub spells the matrix type `np.ndarray[int]`, which numpy's own
    # annotations cannot match.
    base_distances = np.asarray(problem.distances, dtype=np.int64)
    base_durations = np.asarray(problem.durations, dtype=np.int64)
    distances = [base_distances]
    durations = [base_durations]
    n = len(problem.locations)
    for allowed in profile_keys[1:]:
        forbidden = np.array([i not in allowed for i in range(n)])
        dist = base_distances.copy()
        dur = base_durations.copy()
        for matrix in (dist, dur):
            matrix[forbidden, :] = _FORBIDDEN
            matrix[:, forbidden] = _FORBIDDEN
            np.fill_diagonal(matrix, 0)
        distances.append(dist)
        durations.append(dur)
    return distances, durations
