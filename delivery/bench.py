"""Benchmark of the delivery optimiser against published and stored best-known costs.

    python -m delivery.bench                      # every benchmark file, then the rural days
    python -m delivery.bench --families pdptw --seeds 0 1 2
    python -m delivery.bench rural                # the generated Ternois days only
    python -m delivery.bench rural --make-reference --time-limit 120 --seeds 0 1 2
    python -m delivery.bench solve lc101.txt --time-limit 5 --seed 1   # JSON on stdout

Every solution goes through `validation.validate`; a row is "ok" only when it has no
violation and serves every shipment. The gap is (ours - best known) / best known. "load"
is the machine's one-minute load average after the solve: the search is anytime, so other
processes competing for the cores show up as larger gaps.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from delivery.insertion import insert_shipment
from delivery.instances import Instance, node_routes, read_bks, read_instance, read_li_lim
from delivery.optimiser import (
    Problem,
    Solution,
    Unassigned,
    UnassignedReason,
    route_cost,
    solve,
    timed_route,
)
from delivery.rural import DAYS, make_day
from delivery.validation import validate

REFERENCE_JSON = Path(__file__).parent / "bench_data" / "rural-reference.json"
DEFAULT_TIME_LIMIT = 10.0
REFERENCE_FACTOR = 12
FAMILIES = ("cvrp", "vrptw", "pdptw", "rural")
_BKS_FILES = {"cvrp": "BKS.csv", "vrptw": "BKS.csv", "pdptw": "BKS_distance_only.csv"}
_PATTERNS = {"cvrp": "*.vrp", "vrptw": "*.txt", "pdptw": "*.txt"}


@dataclass(frozen=True)
class Row:
    family: str
    instance: str
    seed: int
    best_known: float | None
    cost: float
    seconds: float
    routes: int
    unassigned: int
    violations: int
    load: float

    @property
    def gap(self) -> float | None:
        if not self.best_known:
            return None
        return 100.0 * (self.cost - self.best_known) / self.best_known

    @property
    def ok(self) -> bool:
        return self.violations == 0 and self.unassigned == 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m delivery.bench`."""
    args = _parser().parse_args(argv)
    if args.command == "solve":
        limit = args.time_limit or DEFAULT_TIME_LIMIT
        return _solve_file(Path(args.file), limit, args.seed, args.workers)
    if args.command == "rural":
        if args.make_reference:
            return _make_reference(args.time_limit, args.seeds, args.workers)
        families = ["rural"]
    else:
        families = args.families
    rows: list[Row] = []
    print(_header())
    for family in families:
        for name, problem, scale, best, own_limit in _cases(family, Path(args.data)):
            limit = args.time_limit or own_limit
            for seed in args.seeds:
                row, solution = _run(family, name, problem, scale, best, limit, seed, args.workers)
                print(_format(row), flush=True)
                if family == "rural":
                    print(_late_orders(problem, solution), flush=True)
                rows.append(row)
    print(_summary(rows))
    if args.out:
        Path(args.out).write_text(json.dumps([r.__dict__ for r in rows], indent=1) + "\n")
    return 0 if all(r.ok for r in rows) else 1


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--time-limit",
        type=float,
        help=f"seconds per solve (default {DEFAULT_TIME_LIMIT:g}; rural days: their own)",
    )
    common.add_argument("--workers", type=int, default=2, help="processes per solve")
    parser = argparse.ArgumentParser(prog="python -m delivery.bench", parents=[common])
    parser.add_argument("--data", default="../shared/benchmarks/vrp", help="benchmark folder")
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--out", help="also write the rows as JSON to this file")
    sub = parser.add_subparsers(dest="command")
    solve_cmd = sub.add_parser("solve", parents=[common], help="solve one Li & Lim file")
    solve_cmd.add_argument("file")
    solve_cmd.add_argument("--seed", type=int, default=0)
    rural = sub.add_parser("rural", parents=[common], help="the generated rural days")
    rural.add_argument("--seeds", nargs="+", type=int, default=[0])
    rural.add_argument("--make-reference", action="store_true", help=f"rewrite {REFERENCE_JSON}")
    rural.add_argument("--out", help="also write the rows as JSON to this file")
    return parser


Case = tuple[str, Problem, int, float | None, float]
"""Name, problem, cost scale, best-known cost, default time limit."""


def _cases(family: str, data: Path) -> list[Case]:
    if family == "rural":
        reference = _load_reference()
        return [
            (
                day.name,
                make_day(day),
                1,
                reference.get(day.name, {}).get("best_cost"),
                day.time_limit,
            )
            for day in DAYS
        ]
    folder = data / family
    if not folder.is_dir():
        print(f"# {folder} not found, {family} skipped", file=sys.stderr)
        return []
    bks = read_bks(folder / _BKS_FILES[family])
    cases: list[Case] = []
    for path in sorted(folder.glob(_PATTERNS[family])):
        instance: Instance = read_instance(path)
        best = bks.get(instance.name)
        cases.append((instance.name, instance.problem, instance.scale, best, DEFAULT_TIME_LIMIT))
    return cases


def _late_orders(problem: Problem, plan: Solution, *, count: int = 5, now: int = 11 * 3600) -> str:
    """Take `count` afternoon orders out of the plan and insert them back at `now`, timed."""
    late_ids = [s.id for s in problem.shipments if s.delivery.earliest >= 14 * 3600]
    late_ids = late_ids[:: max(1, len(late_ids) // count)][:count]
    shipments = tuple(
        replace(s, pickup=replace(s.pickup, earliest=max(s.pickup.earliest, now)))
        if s.id in late_ids and s.pickup is not None
        else s
        for s in problem.shipments
    )
    late_problem = replace(problem, shipments=shipments)
    routes = []
    for route in plan.routes:
        kept = [
            (late_problem.shipment_index[stop.shipment_id], stop.kind)
            for stop in route.stops
            if stop.shipment_id not in late_ids
        ]
        vehicle = late_problem.vehicle(route.vehicle_id)
        retimed = timed_route(late_problem, vehicle, kept) if kept else None
        if retimed is not None:
            routes.append(retimed)
    pending = tuple(Unassigned(sid, UnassignedReason.FLEET_FULL) for sid in late_ids)
    current = Solution(
        tuple(routes), (*plan.unassigned, *pending), route_cost(late_problem, routes)
    )
    slowest = 0.0
    for sid in late_ids:
        started = time.perf_counter()
        current = insert_shipment(late_problem, current, sid, now=now)
        slowest = max(slowest, time.perf_counter() - started)
    inserted = len(late_ids) - sum(u.shipment_id in late_ids for u in current.unassigned)
    valid = "valid" if not validate(late_problem, current) else "INVALID"
    return (
        f"#   late orders at {now // 3600}:{now % 3600 // 60:02d}: {inserted}/{len(late_ids)} "
        f"inserted, slowest {1000 * slowest:.0f} ms, plan {valid}"
    )


def _run(
    family: str,
    name: str,
    problem: Problem,
    scale: int,
    best: float | None,
    time_limit: float,
    seed: int,
    workers: int,
) -> tuple[Row, Solution]:
    started = time.perf_counter()
    solution = solve(problem, time_limit=time_limit, seed=seed, workers=workers)
    seconds = time.perf_counter() - started
    violations = validate(problem, solution)
    for violation in violations[:5]:
        print(f"# {name}: {violation.kind}: {violation.message}", file=sys.stderr)
    row = Row(
        family,
        name,
        seed,
        best,
        solution.cost / scale,
        seconds,
        len(solution.routes),
        len(solution.unassigned),
        len(violations),
        os.getloadavg()[0],
    )
    return row, solution


def _solve_file(path: Path, time_limit: float, seed: int, workers: int) -> int:
    instance = read_li_lim(path)
    solution = solve(instance.problem, time_limit=time_limit, seed=seed, workers=workers)
    violations = validate(instance.problem, solution)
    for violation in violations:
        print(f"{violation.kind}: {violation.message}", file=sys.stderr)
    if solution.unassigned:
        print(f"{len(solution.unassigned)} shipments left out", file=sys.stderr)
    print(json.dumps({"routes": node_routes(solution), "cost": solution.cost / instance.scale}))
    return 0 if not violations else 1


def _make_reference(time_limit: float | None, seeds: Sequence[int], workers: int) -> int:
    # Twelve times a day's planning time by default: 120 s for the 10 s days, 6 min for the
    # 30 s ones.
    days: dict[str, dict[str, object]] = {}
    for day in DAYS:
        problem = make_day(day)
        limit = time_limit or REFERENCE_FACTOR * day.time_limit
        runs: list[dict[str, int]] = []
        for seed in seeds:
            solution = solve(problem, time_limit=limit, seed=seed, workers=workers)
            if validate(problem, solution):
                print(f"# {day.name} seed {seed}: invalid solution ignored", file=sys.stderr)
                continue
            served = len(problem.shipments) - len(solution.unassigned)
            runs.append({"seed": seed, "cost": solution.cost, "served": served})
            print(f"{day.name} seed {seed}: cost {solution.cost} served {served}", flush=True)
        if not runs:
            print(f"# {day.name}: no valid run, no reference", file=sys.stderr)
            return 1
        best = min(runs, key=lambda run: (-run["served"], run["cost"]))
        days[day.name] = {
            "shipments": day.shipments,
            "couriers": day.couriers,
            "generator_seed": day.seed,
            "time_limit_s": limit,
            "best_cost": best["cost"],
            "served": best["served"],
            "runs": runs,
        }
    document = {
        "description": "Best of long runs of delivery.optimiser.solve on delivery.rural days",
        "cost_unit": "metres (GreatCircleDistances(circuity=1.3, speed_kmh=50))",
        "workers": workers,
        "machine": f"{os.cpu_count()} cores",
        "days": days,
    }
    REFERENCE_JSON.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    return 0


def _load_reference() -> dict[str, dict[str, float]]:
    if not REFERENCE_JSON.exists():
        return {}
    days: dict[str, dict[str, float]] = json.loads(REFERENCE_JSON.read_text())["days"]
    return days


def _header() -> str:
    return (
        f"{'family':6} {'instance':12} {'seed':>4} {'best known':>11} {'ours':>11} "
        f"{'gap %':>6} {'time s':>6} {'routes':>6} {'left':>4} {'load':>5}  feasible"
    )


def _format(row: Row) -> str:
    best = f"{row.best_known:11.2f}" if row.best_known else f"{'-':>11}"
    gap = f"{row.gap:6.2f}" if row.gap is not None else f"{'-':>6}"
    feasible = "yes" if row.violations == 0 else f"NO ({row.violations} violations)"
    return (
        f"{row.family:6} {row.instance:12} {row.seed:4d} {best} {row.cost:11.2f} {gap} "
        f"{row.seconds:6.1f} {row.routes:6d} {row.unassigned:4d} {row.load:5.1f}  {feasible}"
    )


def _summary(rows: Sequence[Row]) -> str:
    lines = []
    for family in FAMILIES:
        gaps = [r.gap for r in rows if r.family == family and r.gap is not None]
        chosen = [r for r in rows if r.family == family]
        if not chosen:
            continue
        ok = sum(r.ok for r in chosen)
        mean = f"{statistics.fmean(gaps):.2f}" if gaps else "-"
        worst = f"{max(gaps):.2f}" if gaps else "-"
        slowest = max(r.seconds for r in chosen)
        lines.append(
            f"# {family}: mean gap {mean} %, worst {worst} %, slowest {slowest:.1f} s, "
            f"{ok}/{len(chosen)} feasible and complete"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
