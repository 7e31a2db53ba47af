"""PyVRP's search, timed, on several cores, in rounds that restart from the best plan.

`run_search` is the entry point of the helper processes: it takes and returns only
picklable values.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import time
import warnings
from collections.abc import Callable

import numpy as np
from pyvrp import ProblemData, Result
from pyvrp import Solution as PyVRPSolution
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.search import NeighbourhoodParams, PerturbationParams
from pyvrp.solve import SolveParams
from pyvrp.solve import solve as pyvrp_solve

from delivery.pyvrp_model import EncodedRoute, SearchData, SearchOutcome, outcome_of, solution_of

# Share of the time limit after which a search that found no complete plan switches to the
# version where shipments may be left out.
_PROBE_SHARE = 0.3

# Length of a round of the parallel search, and the most rounds in one solve. With pickup
# and delivery pairs a round lasts longer on larger problems (see `epoch_length`).
_EPOCH_S = 2.5
_MAX_EPOCHS = 12
_EPOCH_ACTIVITIES = 180

# With pairs: late-acceptance history, largest penalty per unit of violation, and most
# activities removed by one perturbation (see default_params).
_PAIR_HISTORY = 15
_PAIR_MAX_PENALTY = 100
_PAIR_PERTURBATION = 10
# With pairs, on a half-day too large for restarts: most activities removed by one
# perturbation (see half_day_params).
_HALF_DAY_PERTURBATION = 20
# With pairs, on problems of at most `_RESTART_UP_TO` activities, a worker whose search has
# not improved for `_RESTART_AFTER` iterations starts again from a new random plan (see
# run_search), unless less than `_RESTART_MIN_S` seconds are left.
_RESTART_UP_TO = 250
_RESTART_AFTER = 250
_RESTART_MIN_S = 0.3
# The cost PyVRP gives a solution that breaks a constraint.
_INFEASIBLE = (1 << 63) - 1


def parallel_search(
    search: SearchData,
    *,
    seed: int,
    deadline: float,
    workers: int,
    repair: Callable[[SearchOutcome], list[EncodedRoute] | None] | None = None,
    start_from: SearchOutcome | None = None,
    restarts: bool = True,
    params: SolveParams | None = None,
) -> SearchOutcome:
    """Best plan found by `workers` processes searching until `deadline` (`time.time()`).

    PyVRP's search is single-threaded. This process and `workers - 1` helpers search with
    different seeds, in rounds of about `_EPOCH_S` seconds; after each round every worker
    restarts from the best plan so far, with fresh penalties. Measured with two workers:
    at 10 s the gap of X-n393-k38 fell from about 1.1 % (independent seeds) to 0.6 % with
    3 rounds; on the 300-order rural day at 30 s the mean cost fell by about 5 % from 6 to
    9 rounds (15 rounds: 1 % more).

    Small problems with pickup-and-delivery pairs (at most `_RESTART_UP_TO` activities, such
    as the 100-order rural day) run as one round instead: each worker restarts from a new
    random plan whenever its own search stagnates (see `run_search`), and the best plan of
    all wins. Those searches settle early in one of a few basins, and restarting both
    workers from the same best plan kept them in it.

    `repair`, called on the best plan after each round, may return better routes (in the
    problem's terms); they replace the best plan if PyVRP's objective agrees.

    `start_from`, a plan found otherwise, is where every worker starts; with `restarts`
    false, no worker leaves it for a random plan (see run_search): the time goes to
    improving that plan. `params` replaces `default_params` (see `run_search`).
    """
    started = time.time()
    give_up = started + _PROBE_SHARE * max(deadline - started, 0.0)
    epochs = max(1, min(_MAX_EPOCHS, round((deadline - started) / epoch_length(search.data))))
    if restarts and restarts_apply(search.data):
        epochs = 1  # each worker restarts on its own (see run_search)
    best: SearchOutcome | None = start_from
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            executor = concurrent.futures.ProcessPoolExecutor(workers - 1, mp_context=context)
            pool = stack.enter_context(executor)
        for epoch in range(epochs):
            until = started + (deadline - started) * (epoch + 1) / epochs
            seeds = [search_seed(seed, epoch, k) for k in range(workers)]
            futures = []
            if pool is not None:
                try:
                    futures = [
                        pool.submit(
                            run_search,
                            search,
                            k,
                            until,
                            start_from=best,
                            give_up_at=give_up,
                            restarts=restarts,
                            params=params,
                        )
                        for k in seeds[1:]
                    ]
                except (concurrent.futures.process.BrokenProcessPool, RuntimeError):
                    pool = None  # helpers cannot start (see _helper_outcomes); search alone
            outcomes = [
                run_search(
                    search,
                    seeds[0],
                    until,
                    start_from=best,
                    give_up_at=give_up,
                    restarts=restarts,
                    params=params,
                )
            ]
            helped = _helper_outcomes(futures)
            if len(helped) < len(futures):
                pool = None
            best = min([*outcomes, *helped, *([best] if best else [])], key=lambda o: o.cost)
            repaired = repair(best) if repair is not None else None
            if repaired is not None:
                best = min(best, search.encode(repaired), key=lambda o: o.cost)
    assert best is not None
    return best


def epoch_length(data: ProblemData) -> float:
    """Seconds of search between two restarts from the best plan.

    With pairs an iteration costs much more on long routes (about 200 a second on the
    100-order rural day, 50 on the 300-order one), and a round must leave the late-
    acceptance search time to get somewhere: on the 100-order day rounds of 2.5 s did as
    well as or better than 1.25 s, 5 s or one 10 s round, but on the 300-order day 12
    rounds of 2.5 s ended about 12 % above the best known against about 5 % for one 30 s
    round. The length grows with the square of the number of activities beyond 180.
    """
    if data.num_shipments == 0:
        return _EPOCH_S
    return _EPOCH_S * max(1.0, _activities(data) / _EPOCH_ACTIVITIES) ** 2


def _activities(data: ProblemData) -> int:
    return data.num_clients + 2 * data.num_shipments


def _helper_outcomes(
    futures: list[concurrent.futures.Future[SearchOutcome]],
) -> list[SearchOutcome]:
    # Helpers are started with "spawn" (forking a threaded web server is unsafe), which
    # re-imports the caller's main module: a script without an `if __name__ == "__main__":`
    # guard breaks them. A lost helper only costs quality, so the search goes on alone.
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except (concurrent.futures.process.BrokenProcessPool, RuntimeError):
            continue
    return outcomes


def run_search(
    search: SearchData,
    seed: int,
    deadline: float,
    *,
    start_from: SearchOutcome | None = None,
    give_up_at: float | None = None,
    params: SolveParams | None = None,
    restarts: bool = True,
) -> SearchOutcome:
    """Run PyVRP's iterated local search until `deadline`, from `start_from` if given.

    Which of PyVRP's two versions of the problem to search was measured, not guessed:

    - Without pickup-and-delivery pairs (parcels loaded at the depot), the version that
      requires every shipment searches much better: optional clients took the gap of
      X-n303-k21 and X-n393-k38 at 10 s from about 1.0 % to 1.8-2.4 %. If no complete plan
      is known by `give_up_at`, the fleet is probably short, and the rest of the time goes
      to the optional version, which leaves out what does not fit.
    - With pairs, the required version is unusable at scale in PyVRP 0.14.1: on a
      300-order day it ran 17 iterations in 10 s (each perturbation reinserts the removed
      pairs everywhere), against about 1,300 for the optional version, which also served
      every order. So pairs are always searched in the optional version.

    On small problems with pairs (`restarts_apply`) the search starts again from a new
    random plan, with another seed, whenever it has not improved for `_RESTART_AFTER`
    iterations (about a second on the 100-order rural day), and returns the best plan of
    all its attempts. On that day a search either finds a good basin in its first 1,000
    iterations or stays 5-10 % above the best known for the rest of its time; with
    restarts, 4 of 8 seeds ended within 3 % at 10 s against 1 of 5 with rounds (after 150
    or 400 iterations instead of 250: 2 and 1 of 8; docs/delivery-benchmark.md).
    `restarts` false keeps the search on `start_from` to the end.
    """
    settings = params if params is not None else default_params(search.data)
    complete_first = search.data.num_shipments == 0
    if complete_first and (start_from is None or start_from.complete):
        initial = solution_of(search.data, start_from) if start_from else None
        stop = _Deadline(deadline, give_up_if_infeasible=give_up_at)
        found = _pyvrp_search(search.data, stop, seed, settings, initial).best
        if found.is_feasible():
            return outcome_of(search, found, complete=True)
        start_from = None
    initial = solution_of(search.optional, start_from) if start_from else None
    stagnation = _RESTART_AFTER if restarts and restarts_apply(search.data) else None
    attempt = 0
    best: SearchOutcome | None = None
    while True:
        attempt_seed = search_seed(seed, attempt) if attempt else seed
        stop = _Deadline(deadline, stagnation=stagnation)
        found = _pyvrp_search(search.optional, stop, attempt_seed, settings, initial).best
        outcome = outcome_of(search, found, complete=False)
        if best is None or outcome.cost < best.cost:
            best = outcome
        if stagnation is None or time.time() >= deadline - _RESTART_MIN_S:
            return best
        attempt, initial = attempt + 1, None  # later attempts start from a random plan


def search_seed(*parts: int) -> int:
    """A PyVRP seed for one search, well mixed from `parts` (the run's seed, round, worker).

    PyVRP's random number generator (XorShift128) takes its state almost linearly from the
    seed: seeds 0, 1 and 2 give nearly the same stream (first draws below 1,000: 102, 110,
    896 / 103, 111, 897 / 100, 108, 898), and the two workers of a round used to be seeded
    with neighbouring numbers. NumPy's SeedSequence spreads any tuple over 32 bits.
    """
    return int(np.random.SeedSequence([abs(part) for part in parts]).generate_state(1)[0])


def _pyvrp_search(
    data: ProblemData,
    stop: _Deadline,
    seed: int,
    settings: SolveParams,
    initial: PyVRPSolution | None,
) -> Result:
    with warnings.catch_warnings():
        # PyVRP warns when its penalties reach their cap: on an infeasible problem without
        # pairs (handled by leaving shipments out) and, with pairs, on purpose (they are
        # capped low, see default_params; the search still ends on a feasible plan).
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return pyvrp_solve(
            data,
            stop,
            seed=seed,
            collect_stats=False,
            display=False,
            params=settings,
            initial_solution=initial,
        )


def default_params(data: ProblemData) -> SolveParams:
    """PyVRP settings tuned for runs of seconds rather than minutes.

    - Without pickup-and-delivery pairs: 20 neighbours per client instead of 50, for more,
      cheaper iterations. At 10 s this lowered the mean gap over X-n157 to X-n393 and
      RC101/RC105/R105 from about 1.2 % to 0.7 %.
    - With pairs: PyVRP's default 50 neighbours (20 left orders out on 300-order days),
      and penalties that adapt every 50 iterations instead of 500, capped at 100 per
      unit of violation (a second late costs as much as 100 m). Such days run only 50-200
      iterations a second, so the defaults would keep the first penalties for the whole
      run.
    - With pairs, late acceptance compares with the plan of 15 iterations ago instead of
      300: a run of seconds has only a few thousand iterations, and with 300 the search
      accepted almost anything for most of it. Together with the penalty cap this took
      the rural benchmark from about 9 % to 2.4 % above the references then stored (20 runs,
      two workers) and a single 30 s search on the 300-order day from 1.27 M to 1.13 M m
      (docs/delivery-benchmark.md).
    - With pairs, a perturbation removes at most 10 activities instead of PyVRP's 25: an
      iteration is about 3.6 times cheaper, and the larger rural days did better (300
      orders at 30 s: mean gap 3.3 % with 10 on both cores, 5.1 % with one core at 25,
      6.7 % with 25 on both). One core at 25 was kept on small problems until their
      restarts came in; with restarts, 10 on both did as well or better on every seed of
      the 100-order day, and lrc201 reaches its best known on every seed.
    """
    if data.num_shipments == 0:
        return SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=20))
    return SolveParams(
        ils=IteratedLocalSearchParams(history_length=_PAIR_HISTORY),
        penalty=PenaltyParams(max_penalty=_PAIR_MAX_PENALTY, solutions_between_updates=50),
        perturbation=PerturbationParams(min_perturbations=1, max_perturbations=_PAIR_PERTURBATION),
    )


def half_day_params(data: ProblemData) -> SolveParams:
    """Settings for one half of a day of two slots (see `delivery.day_halves`).

    As `default_params`, except that with pairs on halves too large for restarts a
    perturbation removes up to 20 activities instead of 10. Measured on the afternoon half
    of the 250-order rural day (127 grouped orders, 9 s, one core, six seeds): mean cost
    565,286 m with 10, 542,858 with 15, 532,993 with 20, 556,515 with 30; on the afternoon
    half of the 300-order day 635,629 (10) and 598,147 (20), its morning half 488,384 and
    479,965. The halves of the 100-order day, searched with restarts, did as well or better
    with 10 (docs/delivery-benchmark.md).
    """
    settings = default_params(data)
    if data.num_shipments == 0 or restarts_apply(data):
        return settings
    return SolveParams(
        ils=settings.ils,
        penalty=settings.penalty,
        neighbourhood=settings.neighbourhood,
        operators=settings.operators,
        perturbation=PerturbationParams(
            min_perturbations=1, max_perturbations=_HALF_DAY_PERTURBATION
        ),
    )


def restarts_apply(data: ProblemData) -> bool:
    """Whether a worker restarts from a new random plan when its search stagnates."""
    return data.num_shipments > 0 and _activities(data) <= _RESTART_UP_TO


class _Deadline:
    # PyVRP's MaxRuntime starts counting at the first iteration, after the initial solution;
    # a wall-clock deadline also covers that set-up and the helper process start. PyVRP
    # passes the best cost, the largest int64 while no feasible solution is known.
    def __init__(
        self,
        deadline: float,
        *,
        give_up_if_infeasible: float | None = None,
        stagnation: int | None = None,
    ) -> None:
        self._deadline = deadline
        self._give_up = give_up_if_infeasible
        self._stagnation = stagnation
        self._best = _INFEASIBLE + 1
        self._since_best = 0

    def __call__(self, best_cost: int) -> bool:
        now = time.time()
        if self._stagnation is not None:
            if best_cost < self._best:
                self._best, self._since_best = best_cost, 0
            else:
                self._since_best += 1
                if self._since_best >= self._stagnation:
                    return True
        if self._give_up is not None and now >= self._give_up and best_cost >= _INFEASIBLE:
            return True
        return now >= self._deadline
