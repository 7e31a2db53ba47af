"""Plans couriers' rounds: pickup and delivery with time windows, on PyVRP.

Pure: dataclasses in, routes out. No database, no web framework, no network. The problem
and plan dataclasses live in `delivery.problem` and are re-exported here, so that callers
need one import: `from delivery.optimiser import Problem, solve`.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import multiprocessing
import time

from delivery import day_halves
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
from delivery.pyvrp_search import half_day_params, parallel_search, search_seed

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

_log = logging.getLogger(__name__)

# Kept back from the caller's time limit for process start-up, conversion and validation.
_SAFETY_MARGIN_S = 0.15
# A day planned by halves (see `_search_by_halves`): shares of the time for planning the
# halves, for planning them again around each other, and for improving the joined day.
_HALVES_SHARE = 0.3
_REFIT_SHARE = 0.3


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
    split = day_halves.find_split(grouped.problem)
    if split is not None:
        plan = _search_by_halves(grouped.problem, split, seed, deadline, workers)
    else:
        plan = _search(grouped.problem, seed=seed, deadline=deadline, workers=workers)
    return fill_unassigned(problem, expand(problem, grouped, plan, rejected))


def _search_by_halves(
    problem: Problem, split: day_halves.Split, seed: int, deadline: float, workers: int
) -> Solution:
    """Plan a day of two slots by halves, join them, and improve the joined day.

    See `delivery.day_halves` for why and how. With two workers the halves are searched at
    the same time, one per core. Measured at 30 s on seeds 0-7 against the best knowns of
    the time (docs/delivery-benchmark.md): the 100-order rural day 8/8 within 3 % (mean
    0.71 %) against 6/8 (2.02 %) for the search of the whole day; the 250-order day 4/8
    (2.37 %) against 1/5 (5.53 %); the 300-order day 5/8 (1.90 %) against 1/5 (3.83 %).
    """
    started = time.time()
    span = max(deadline - started, 0.0)
    parts = day_halves.halves(problem, split)
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            pool = stack.enter_context(
                concurrent.futures.ProcessPoolExecutor(1, mp_context=context)
            )
        until = started + _HALVES_SHARE * span
        morning, afternoon = _plan_both(
            pool, parts.morning, parts.afternoon, search_seed(seed, 1), until
        )
        first, pairing = day_halves.join(problem, morning, afternoon)
        until = started + (_HALVES_SHARE + _REFIT_SHARE) * span
        new_morning, new_afternoon = _plan_both(
            pool,
            day_halves.refit_morning(parts, pairing),
            day_halves.refit_afternoon(parts, pairing),
            search_seed(seed, 2),
            until,
        )
    mornings = day_halves.by_vehicle(new_morning)
    afternoons = day_halves.by_vehicle(new_afternoon)
    vehicles = [vehicle.id for vehicle in problem.vehicles]
    candidates = [
        fill_unassigned(problem, plan)
        for plan in (
            first,
            day_halves.joined(problem, {v: (mornings.get(v), pairing[v][1]) for v in vehicles}),
            day_halves.joined(problem, {v: (pairing[v][0], afternoons.get(v)) for v in vehicles}),
        )
    ]
    start = min(candidates, key=lambda plan: (len(plan.unassigned), plan.cost))
    _log.debug(
        "halves %s + %s m; joined plans %s; %.1f s",
        morning.cost,
        afternoon.cost,
        [(plan.cost, len(plan.unassigned)) for plan in candidates],
        time.time() - started,
    )
    return _search(problem, seed=seed, deadline=deadline, workers=workers, start=start)


def _plan_both(
    pool: concurrent.futures.Executor | None,
    first: Problem,
    second: Problem,
    seed: int,
    deadline: float,
) -> tuple[Solution, Solution]:
    # `second` in the helper process if there is one, `first` here; one after the other,
    # each with half the time, if the helper cannot start or breaks.
    if pool is not None:
        try:
            future = pool.submit(plan_half, second, search_seed(seed, 2), deadline)
        except (concurrent.futures.process.BrokenProcessPool, RuntimeError):
            future = None
        if future is not None:
            mine = plan_half(first, search_seed(seed, 1), deadline)
            try:
                return mine, future.result()
            except (concurrent.futures.process.BrokenProcessPool, RuntimeError):
                return mine, plan_half(second, search_seed(seed, 2), time.time())
    now = time.time()
    mine = plan_half(first, search_seed(seed, 1), now + (deadline - now) / 2)
    return mine, plan_half(second, search_seed(seed, 2), deadline)


def plan_half(problem: Problem, seed: int, deadline: float) -> Solution:
    """One half-day planned by one process until `deadline` (entry point of the helper)."""
    return _search(problem, seed=seed, deadline=deadline, workers=1, half_day=True)


def _search(
    problem: Problem,
    *,
    seed: int,
    deadline: float,
    workers: int,
    start: Solution | None = None,
    half_day: bool = False,
) -> Solution:
    # Every shipment of `problem` is a candidate (screened, then grouped, by `solve`).
    # From `start`, if given, the search improves that plan instead of restarting at random.
    # `half_day`: `problem` is one half of a day of two slots (see `_search_by_halves`).
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
        return _encoded(problem, after)

    start_from = None if start is None else search.encode(_encoded(problem, start))
    best = parallel_search(
        search,
        seed=seed,
        deadline=deadline,
        workers=workers,
        repair=fill,
        start_from=start_from,
        restarts=start is None,
        params=half_day_params(search.data) if half_day else None,
    )
    return fill_unassigned(problem, to_solution(best))


def _encoded(problem: Problem, solution: Solution) -> list[EncodedRoute]:
    return [
        (
            problem.vehicle_index[route.vehicle_id],
            [
                (problem.shipment_index[stop.shipment_id], stop.kind is StopKind.PICKUP)
                for stop in route.stops
            ],
        )
        for route in solution.routes
    ]
