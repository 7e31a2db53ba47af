"""Benchmark readers follow the published conventions, and the optimiser solves a Li & Lim file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delivery import bench
from delivery.instances import (
    node_routes,
    read_bks,
    read_instance,
    read_li_lim,
    read_routes,
    solution_from_routes,
)
from delivery.optimiser import solve
from delivery.validation import validate
from tests.unit.delivery.delivery_cases import BENCHMARKS

needs_benchmarks = pytest.mark.skipif(
    not BENCHMARKS.is_dir(), reason=f"benchmark data not found at {BENCHMARKS}"
)


def solved_files() -> list[Path]:
    if not BENCHMARKS.is_dir():
        return []
    return sorted([*BENCHMARKS.glob("cvrp/*.sol"), *BENCHMARKS.glob("vrptw/*.sol")])


@needs_benchmarks
@pytest.mark.parametrize("solution_file", solved_files(), ids=lambda p: p.stem)
def test_published_routes_cost_exactly_the_best_known_value(solution_file: Path) -> None:
    # The reader's rounding convention reproduces CVRPLIB's and DIMACS's costs to the unit,
    # and the published routes pass our validator (time windows, capacity, every customer).
    suffix = ".vrp" if solution_file.parent.name == "cvrp" else ".txt"
    instance = read_instance(solution_file.with_suffix(suffix))
    solution = solution_from_routes(instance, read_routes(solution_file))
    bks = read_bks(solution_file.parent / "BKS.csv")[instance.name]
    assert solution.cost == round(bks * instance.scale)
    problem = instance.problem
    served = {stop.shipment_id for route in solution.routes for stop in route.stops}
    assert served == {s.id for s in problem.shipments}
    assert validate(problem, solution) == []


@needs_benchmarks
def test_li_lim_reader_pairs_every_pickup_with_its_delivery() -> None:
    instance = read_li_lim(BENCHMARKS / "pdptw" / "lc101.txt")
    problem = instance.problem
    assert instance.family == "pdptw"
    assert len(problem.shipments) == 53  # 106 customer nodes
    assert len(problem.vehicles) == 25
    assert all(v.capacity == 200 for v in problem.vehicles)
    nodes = {s.delivery.location for s in problem.shipments}
    nodes |= {s.pickup.location for s in problem.shipments if s.pickup}
    assert nodes == set(range(1, len(problem.locations)))
    # Node 1 (45, 68) is the delivery of pickup 11 (35, 69): sqrt(101) scaled by 1000.
    pair = problem.shipment("11")
    assert pair.delivery.location == 1
    assert problem.distances[11, 1] == 10_050
    assert pair.delivery.earliest == 912_000 and pair.delivery.service == 90_000


@needs_benchmarks
def test_short_solve_of_a_li_lim_file_is_feasible_and_complete() -> None:
    instance = read_li_lim(BENCHMARKS / "pdptw" / "lr101.txt")
    solution = solve(instance.problem, time_limit=1.5, seed=1, workers=1)
    assert validate(instance.problem, solution) == []
    assert solution.unassigned == ()
    best = read_bks(BENCHMARKS / "pdptw" / "BKS_distance_only.csv")["lr101"]
    assert solution.cost / instance.scale >= best - 1e-9  # no plan beats the optimum


@needs_benchmarks
def test_bench_solve_command_prints_routes_in_file_numbering(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = BENCHMARKS / "pdptw" / "lc101.txt"
    assert bench.main(["solve", str(path), "--time-limit", "1", "--workers", "1"]) == 0
    output = json.loads(capsys.readouterr().out)
    visited = sorted(node for route in output["routes"] for node in route)
    assert visited == list(range(1, 107))
    # The printed cost is the file's Euclidean length of the printed routes.
    instance = read_li_lim(path)
    again = solution_from_routes(instance, output["routes"])
    assert again.cost / instance.scale == pytest.approx(output["cost"])
    assert node_routes(again) == output["routes"]
