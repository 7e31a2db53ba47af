"""Orders that travel together: same collection, same drop-off, same windows.

Several orders from one shop to one pickup point in the same slot (or from one shop to one
household) are collected together and delivered together in any sensible plan. The search
handles each such group as a single shipment (one pickup, one delivery, sizes and service
times added) and the plan is expanded back into one stop per order, the members of a group
one after the other in a fixed order. On the generated rural days this removes 13-16 % of
the shipments the search has to place, and with the same time the 100-order day's plans
came out 6 % shorter (mean of 5 seeds, docs/delivery-benchmark.md).

A group's visit must leave room for all its members within the window: the last member
starts at most at the window's end, so the group's latest start is moved earlier by the
service time of the members before the last. Groups never exceed the largest vehicle's
capacity (they are split into chunks), so grouping never makes a shipment unplaceable for
want of capacity; a group that cannot be placed is handed back to cheapest insertion
member by member (`delivery.insertion.fill_unassigned`).

Pure: dataclasses in, dataclasses out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from delivery.problem import (
    Problem,
    Shipment,
    Solution,
    StopKind,
    UnassignedReason,
    Vehicle,
    Visit,
    assemble,
)

_VisitKey = tuple[int, int, int] | None


@dataclass(frozen=True, eq=False)
class Consolidated:
    """A problem with one shipment per group, and the original indices in each group."""

    problem: Problem
    members: tuple[tuple[int, ...], ...]


def consolidate(problem: Problem, candidates: Sequence[int]) -> Consolidated:
    """Group the shipments at `candidates` (indices into `problem.shipments`)."""
    capacity = max((v.capacity for v in problem.vehicles), default=0)
    groups: dict[tuple[_VisitKey, _VisitKey, int], list[list[int]]] = {}
    for index in candidates:
        shipment = problem.shipments[index]
        chunks = groups.setdefault(
            (_key(shipment.pickup), _key(shipment.delivery), shipment.priority), [[]]
        )
        together = [problem.shipments[i] for i in chunks[-1]] + [shipment]
        if chunks[-1] and not _fits_together(together, capacity):
            chunks.append([])
        chunks[-1].append(index)
    members = tuple(tuple(chunk) for chunks in groups.values() for chunk in chunks)
    shipments = tuple(_merge([problem.shipments[i] for i in group]) for group in members)
    grouped = Problem(
        problem.locations, problem.vehicles, shipments, problem.distances, problem.durations
    )
    return Consolidated(grouped, members)


def expand(
    problem: Problem,
    consolidated: Consolidated,
    solution: Solution,
    unassigned: dict[str, UnassignedReason] | None = None,
) -> Solution:
    """`solution` (of the grouped problem) as a solution of `problem`, one stop per order.

    `unassigned` adds shipments of `problem` that were never grouped (rejected earlier).
    """
    grouped = consolidated.problem
    planned: list[tuple[Vehicle, list[tuple[int, StopKind]]]] = []
    for route in solution.routes:
        visits: list[tuple[int, StopKind]] = []
        for stop in route.stops:
            group = consolidated.members[grouped.shipment_index[stop.shipment_id]]
            visits.extend((index, stop.kind) for index in group)
        planned.append((problem.vehicle(route.vehicle_id), visits))
    left_out = dict(unassigned or {})
    for item in solution.unassigned:
        for index in consolidated.members[grouped.shipment_index[item.shipment_id]]:
            left_out[problem.shipments[index].id] = item.reason
    return assemble(problem, planned, left_out)


def _key(visit: Visit | None) -> _VisitKey:
    return None if visit is None else (visit.location, visit.earliest, visit.latest)


def _fits_together(group: list[Shipment], capacity: int) -> bool:
    # Within the largest vehicle, and every member served within the windows.
    if sum(s.size for s in group) > capacity:
        return False
    first = group[0]
    visits = [[s.delivery for s in group]]
    if first.pickup is not None:
        visits.append([s.pickup for s in group if s.pickup is not None])
    return all(
        sum(v.service for v in same[:-1]) <= same[0].latest - same[0].earliest for same in visits
    )


def _merge(group: list[Shipment]) -> Shipment:
    first = group[0]
    if len(group) == 1:
        return first
    pickup = None if first.pickup is None else _merge_visits([s.pickup for s in group])
    delivery = _merge_visits([s.delivery for s in group])
    return Shipment(
        id=first.id,
        delivery=delivery,
        pickup=pickup,
        size=sum(s.size for s in group),
        priority=first.priority,
    )


def _merge_visits(visits: Sequence[Visit | None]) -> Visit:
    present = [v for v in visits if v is not None]
    first = present[0]
    total = sum(v.service for v in present)
    # The members are served one after the other: the last starts `total - last` later.
    return replace(first, service=total, latest=first.latest - (total - present[-1].service))
