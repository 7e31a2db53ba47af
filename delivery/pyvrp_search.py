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

from pyvrp import ProblemData
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.PenaltyManager import PenaltyParams
from pyvrp.search import NeighbourhoodParams, PerturbationParams
from pyvrp.solve import SolveParams
from pyvrp.solve import solve as pyvrp_solve

from delivery.pyvrp_model import EncodedRoute, SearchData, SearchOutcome, outcome_of, solution_of

# Share of the time limit after which a search that found no complete plan switches to the
# version where shipments may be left out.
_PROBE_SHARE = 0.3

# Length of a round of the parallel search, and the most rounds in one solve.
_EPOCH_S = 2.5
_MAX_EPOCHS = 12

# The cost PyVRP gives a solution that breaks a constraint.
_INFEASIBLE = (1 << 63) - 1


def parallel_search(
    search: SearchData,
    *,
    seed: int,
    deadline: float,
    workers: int,
    repair: Callable[[SearchOutcome], list[EncodedRoute] | None] | None = None,
) -> SearchOutcome:
    """Best plan found by `workers` processes searching until `deadline` (`time.time()`).

    PyVRP's search is single-threaded. This process and `workers - 1` helpers search with
    different seeds, in rounds of about `_EPOCH_S` seconds; after each round every worker
    restarts from the best plan so far, with fresh penalties. Measured with two workers:
    at 10 s the gap of X-n393-k38 fell from about 1.1 % (independent seeds) to 0.6 % with
    3 rounds; on the 300-order rural day at 30 s the mean cost fell by about 5 % from 6 to
    9 rounds (15 rounds: 1 % more).

    `repair`, called on the best plan after each round, may return better routes (in the
    problem's terms); they replace the best plan if PyVRP's objective agrees.
    """
    started = time.time()
    give_up = started + _PROBE_SHARE * max(deadline - started, 0.0)
    epochs = max(1, min(_MAX_EPOCHS, round((deadline - started) / _EPOCH_S)))
    best: SearchOutcome | None = None
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            executor = concurrent.futures.ProcessPoolExecutor(workers - 1, mp_context=context)
            pool = stack.enter_context(executor)
        for epoch in range(epochs):
            until = started + (deadline - started) * (epoch + 1) / epochs
            seeds = [seed * 7919 + epoch * workers + k for k in range(workers)]
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
                            worker=n,
                        )
                        for n, k in enumerate(seeds[1:], start=1)
                    ]
                except (concurrent.futures.process.BrokenProcessPool, RuntimeError):
                    pool = None  # helpers cannot start (see _helper_outcomes); search alone
            outcomes = [run_search(search, seeds[0], until, start_from=best, give_up_at=give_up)]
            helped = _helper_outcomes(futures)
            if len(helped) < len(futures):
                pool = None
            best = min([*outcomes, *helped, *([best] if best else [])], key=lambda o: o.cost)
            repaired = repair(best) if repair is not None else None
            if repaired is not None:
                best = min(best, search.encode(repaired), key=lambda o: o.cost)
    assert best is not None
    return best


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
    worker: int = 0,
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
    """
    settings = params if params is not None else default_params(search.data, worker=worker)
    complete_first = search.data.num_shipments == 0
    if complete_first and (start_from is None or start_from.complete):
        initial = solution_of(search.data, start_from) if start_from else None
        with warnings.catch_warnings():
            # PyVRP warns when its penalties max out on an infeasible problem; that case is
            # handled below, by leaving shipments out.
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp_solve(
                search.data,
                _Deadline(deadline, give_up_if_infeasible=give_up_at),
                seed=seed,
                collect_stats=False,
                display=False,
                params=settings,
                initial_solution=initial,
            )
        if result.best.is_feasible():
            return outcome_of(search, result.best, complete=True)
        start_from = None
    initial = solution_of(search.optional, start_from) if start_from else None
    with warnings.catch_warnings():
        # With pairs the penalties are capped low on purpose (see default_params); PyVRP
        # warns when they reach the cap, and the search still ends on a feasible plan.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp_solve(
            search.optional,
            _Deadline(deadline),
            seed=seed,
            collect_stats=False,
            display=False,
            params=settings,
            initial_solution=initial,
        )
    return outcome_of(search, result.best, complete=False)


def default_params(data: ProblemData, *, worker: int = 0) -> SolveParams:
    """PyVRP settings tuned for runs of seconds rather than minutes.

    - Without pickup-and-delivery pairs: 20 neighbours per client instead of 50, for more,
      cheaper iterations. At 10 s this lowered the mean gap over X-n157 to X-n393 and
      RC101/RC105/R105 from about 1.2 % to 0.7 %.
    - With pairs: PyVRP's default 50 neighbours (20 left orders out on 300-order days),
      and penalties that start at 500 instead of 50,000 per unit of violation and adapt
      every 50 iterations instead of 500. Such days run only about 100 iterations a
      second, so the defaults would keep the first penalties for the whole run; the change
      lowered the cost of the 300-order day at 30 s by about 4 %.
    - With pairs, the searches differ by `worker` (the process's number in
      `parallel_search`): worker 0 perturbs at most 10 activities per iteration, the
      others PyVRP's 25. Small perturbations make an iteration about 3.6 times cheaper and
      suit the rural days (mean cost 3.5 % lower on the 100-order day at 10 s over 5
      seeds, 3.7 % on the 250-order day at 30 s, both cores searching that way), but
      lrc201 then stayed in a 2.3 % local optimum that the larger perturbations escape;
      mixing both keeps each case's better search (see docs/delivery-benchmark.md).
    """
    if data.num_shipments == 0:
        return SolveParams(neighbourhood=NeighbourhoodParams(num_neighbours=20))
    largest = 10 if worker % 2 == 0 else 25
    return SolveParams(
        penalty=PenaltyParams(max_penalty=1_000, solutions_between_updates=50),
        perturbation=PerturbationParams(min_perturbations=1, max_perturbations=largest),
    )


class _Deadline:
    # PyVRP's MaxRuntime starts counting at the first iteration, after the initial solution;
    # a wall-clock deadline also covers that set-up and the helper process start. PyVRP
    # passes the best cost, the largest int64 while no feasible solution is known.
    def __init__(self, deadline: float, *, give_up_if_infeasible: float | None = None) -> None:
        self._deadline = deadline
        self._give_up = give_up_if_infeasible

    def __call__(self, best_cost: int) -> bool:
        now = time.time()
        if self._give_up is not None and now >= self._give_up and best_cost >= _INFEASIBLE:
            return True
        return now >= self._deadline
