"""Small hand-made problems for the delivery optimiser's tests (imported by the tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from delivery.optimiser import Location, Problem, Shipment, Vehicle, Visit

SHARED = Path(__file__).resolve().parents[3] / "../shared"
BENCHMARKS = SHARED / "benchmarks" / "vrp"

# Places on a straight road, in metres from the depot; a van covers 10 m/s.
ROAD = {"depot": 0, "baker": 1_000, "grocer": 2_000, "farm": 3_000, "mill": 500, "hamlet": 9_000}


def line_problem(
    shipments: list[Shipment],
    vehicles: list[Vehicle] | None = None,
) -> Problem:
    """A problem on ROAD; location i is the i-th place of ROAD."""
    positions = np.array(list(ROAD.values()), dtype=np.int64)
    distances = np.abs(positions[:, None] - positions[None, :])
    durations = distances // 10
    fleet = vehicles if vehicles is not None else [van("van-1"), van("van-2")]
    locations = tuple(Location(name) for name in ROAD)
    return Problem(locations, tuple(fleet), tuple(shipments), distances, durations)


def place(name: str) -> int:
    return list(ROAD).index(name)


def van(vehicle_id: str, capacity: int = 10, **overrides: int) -> Vehicle:
    fields: dict[str, int] = {"shift_start": 8 * 3600, "shift_end": 18 * 3600} | overrides
    return Vehicle(vehicle_id, capacity, start=0, end=0, **fields)


def parcel(
    shipment_id: str,
    pickup: str,
    delivery: str,
    *,
    size: int = 1,
    window: tuple[int, int] = (8 * 3600, 18 * 3600),
    service: int = 60,
) -> Shipment:
    return Shipment(
        shipment_id,
        pickup=Visit(place(pickup), 8 * 3600, 18 * 3600, service),
        delivery=Visit(place(delivery), window[0], window[1], service),
        size=size,
    )


def village_problem() -> Problem:
    """Four parcels from two shops, a morning and an afternoon slot, two vans."""
    return line_problem(
        [
            parcel("A", "baker", "farm", window=(9 * 3600, 12 * 3600)),
            parcel("B", "baker", "mill", window=(9 * 3600, 12 * 3600)),
            parcel("C", "grocer", "hamlet", size=3, window=(14 * 3600, 18 * 3600)),
            parcel("D", "grocer", "farm", size=2, window=(14 * 3600, 18 * 3600)),
        ]
    )
