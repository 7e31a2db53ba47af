"""Readers for the VRP benchmark files (CVRPLIB, Solomon, Li & Lim) into `Problem`s.

Each reader applies the rounding convention under which the published best-known costs
were computed (see the README of the benchmark folder), scaled to integers:

- CVRP (`.vrp`): Euclidean distance rounded to the nearest integer per edge (TSPLIB nint).
- Solomon VRPTW (`.txt` with a VEHICLE section): distance truncated to one decimal per edge
  (DIMACS), kept as integer tenths; times are in tenths too. Travel time equals distance.
- Li & Lim PDPTW (`.txt`, first line `vehicles capacity speed`): distance times 1000,
  rounded per edge; times are in thousandths. Travel time equals distance.

`Instance.scale` converts back: published cost = `Solution.cost / scale`. Locations are the
file's nodes in order, so a location index is the node number used in the files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import vrplib

from delivery.distances import IntMatrix
from delivery.problem import (
    Location,
    Problem,
    Route,
    Shipment,
    Solution,
    StopKind,
    Vehicle,
    Visit,
    route_cost,
    timed_route,
)


@dataclass(frozen=True, eq=False)
class Instance:
    """A benchmark problem, its family ("cvrp", "vrptw", "pdptw") and its cost scale."""

    name: str
    family: str
    problem: Problem
    scale: int


def read_instance(path: str | Path) -> Instance:
    """Read a benchmark file, recognising its format from its extension and first line."""
    path = Path(path)
    if path.suffix == ".vrp":
        return read_cvrp(path)
    first = path.read_text().split("\n", 1)[0].split()
    if len(first) == 3 and all(token.lstrip("-").isdigit() for token in first):
        return read_li_lim(path)
    return read_solomon(path)


def read_cvrp(path: str | Path) -> Instance:
    """Read a CVRPLIB `.vrp` file (EUC_2D, one depot); as many vehicles as customers."""
    raw = vrplib.read_instance(str(path))
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    depot = int(np.asarray(raw.get("depot", [0])).ravel()[0])
    if depot != 0:
        raise ValueError(f"{path}: expected the depot to be the first node")
    demand = np.asarray(raw["demand"], dtype=np.int64)
    matrix = _euclidean(coords, lambda d: np.floor(d + 0.5))
    customers = range(1, len(coords))
    shipments = tuple(
        Shipment(id=str(node), delivery=Visit(node), size=int(demand[node])) for node in customers
    )
    vehicles = tuple(
        Vehicle(id=f"vehicle-{k}", capacity=int(raw["capacity"]), start=0, end=0)
        for k in range(len(shipments))
    )
    problem = Problem(_locations(coords), vehicles, shipments, matrix, matrix)
    return Instance(Path(path).stem, "cvrp", problem, scale=1)


def read_solomon(path: str | Path) -> Instance:
    """Read a Solomon VRPTW file; distances and times in tenths (DIMACS truncation)."""
    raw = vrplib.read_instance(str(path), instance_format="solomon")
    scale = 10
    coords = np.asarray(raw["node_coord"], dtype=np.float64)
    matrix = _euclidean(coords, lambda d: np.floor(d * scale))
    windows = np.asarray(raw["time_window"], dtype=np.int64) * scale
    service = np.asarray(raw["service_time"], dtype=np.int64) * scale
    demand = np.asarray(raw["demand"], dtype=np.int64)
    shipments = tuple(
        Shipment(
            id=str(node),
            delivery=Visit(node, int(windows[node, 0]), int(windows[node, 1]), int(service[node])),
            size=int(demand[node]),
        )
        for node in range(1, len(coords))
    )
    vehicles = _fleet(int(raw["vehicles"]), int(raw["capacity"]), windows[0])
    problem = Problem(_locations(coords), vehicles, shipments, matrix, matrix)
    return Instance(Path(path).stem, "vrptw", problem, scale)


def read_li_lim(path: str | Path) -> Instance:
    """Read a Li & Lim PDPTW file; distances and times in thousandths (rounded)."""
    scale = 1000
    lines = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    num_vehicles, capacity = int(lines[0][0]), int(lines[0][1])
    rows = np.asarray([[float(v) for v in line[:9]] for line in lines[1:]])
    if not np.array_equal(rows[:, 0], np.arange(len(rows))):
        raise ValueError(f"{path}: nodes must be numbered 0..n-1 in order")
    coords = rows[:, 1:3]
    matrix = _euclidean(coords, lambda d: np.rint(d * scale))
    times = np.rint(rows[:, 4:7] * scale).astype(np.int64)

    def visit(node: int) -> Visit:
        return Visit(node, int(times[node, 0]), int(times[node, 1]), int(times[node, 2]))

    shipments = []
    for node in range(1, len(rows)):
        demand, delivery_node = int(rows[node, 3]), int(rows[node, 8])
        if demand > 0 and delivery_node > 0:
            if int(rows[delivery_node, 7]) != node:
                raise ValueError(f"{path}: node {delivery_node} does not point back to {node}")
            shipments.append(
                Shipment(str(node), visit(delivery_node), pickup=visit(node), size=demand)
            )
    vehicles = _fleet(num_vehicles, capacity, times[0, :2])
    problem = Problem(_locations(coords), vehicles, tuple(shipments), matrix, matrix)
    return Instance(Path(path).stem, "pdptw", problem, scale)


def read_routes(path: str | Path) -> list[list[int]]:
    """Routes of a `.sol` file as lists of node numbers (depot excluded)."""
    routes: list[list[int]] = vrplib.read_solution(str(path))["routes"]
    return [list(map(int, route)) for route in routes]


def read_bks(path: str | Path) -> dict[str, float]:
    """Best-known costs from a `BKS.csv`-style file (`instance,bks,...`)."""
    with Path(path).open(newline="") as handle:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(handle)}


def node_routes(solution: Solution) -> list[list[int]]:
    """The routes of a solution as node numbers (locations), depot excluded."""
    return [[stop.location for stop in route.stops] for route in solution.routes]


def solution_from_routes(instance: Instance, routes: Sequence[Sequence[int]]) -> Solution:
    """Build a timed `Solution` from node routes (as in a `.sol` file), one vehicle each.

    Raises ValueError when a route misses a time window or its shift.
    """
    problem = instance.problem
    by_node: dict[int, tuple[int, StopKind]] = {}
    for index, shipment in enumerate(problem.shipments):
        by_node[shipment.delivery.location] = (index, StopKind.DELIVERY)
        if shipment.pickup is not None:
            by_node[shipment.pickup.location] = (index, StopKind.PICKUP)
    timed: list[Route] = []
    for vehicle, nodes in zip(problem.vehicles, routes, strict=False):
        route = timed_route(problem, vehicle, [by_node[node] for node in nodes])
        if route is None:
            raise ValueError(f"route {list(nodes)} breaks a time window or the shift")
        timed.append(route)
    return Solution(tuple(timed), (), route_cost(problem, timed))


def _fleet(count: int, capacity: int, shift: npt.NDArray[np.int64]) -> tuple[Vehicle, ...]:
    return tuple(
        Vehicle(
            id=f"vehicle-{k}",
            capacity=capacity,
            start=0,
            end=0,
            shift_start=int(shift[0]),
            shift_end=int(shift[1]),
        )
        for k in range(count)
    )


def _locations(coords: npt.NDArray[np.float64]) -> tuple[Location, ...]:
    # Benchmark coordinates are planar; they go into lon/lat only for display.
    return tuple(
        Location(str(node), lat=float(y), lon=float(x)) for node, (x, y) in enumerate(coords)
    )


def _euclidean(
    coords: npt.NDArray[np.float64],
    to_integer: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
) -> IntMatrix:
    diff = coords[:, None, :] - coords[None, :, :]
    exact = np.sqrt((diff**2).sum(axis=-1))
    return to_integer(exact).astype(np.int64)
