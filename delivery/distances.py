"""Travel distance and time between points, as integer matrices the optimiser can use.

The optimiser only needs two square integer matrices (metres and seconds); where they come
from is a policy. `GreatCircleDistances` needs no network and suits a rural territory where
roads wind around fields; a road-network client (OSRM, Valhalla) can implement the same
protocol later without the optimiser noticing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

IntMatrix = npt.NDArray[np.int64]
"""A square matrix of non-negative integers, row = from, column = to."""

Point = tuple[float, float]
"""(latitude, longitude) in decimal degrees, WGS84."""

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


@dataclass(frozen=True, eq=False)
class TravelMatrices:
    """Integer metres and seconds between every pair of points, in the order given."""

    metres: IntMatrix
    seconds: IntMatrix


class DistanceProvider(Protocol):
    """Gives travel distances and times between points.

    Implement this to plug in another source (a road-network engine, a cached table). The
    result must be integer, non-negative, zero on the diagonal, and indexed in the order of
    `points`; it need not be symmetric (one-way streets).
    """

    def matrices(self, points: Sequence[Point]) -> TravelMatrices:
        """Return the metre and second matrices between `points`."""
        ...


@dataclass(frozen=True)
class GreatCircleDistances:
    """Haversine distance times a circuity factor, at a constant average speed.

    A circuity of 1.3 is a common road-to-crow-flies ratio in rural France; 50 km/h is a
    rural average including villages and junctions. Both are rough: calibrate them against
    real rounds before trusting durations to the minute.
    """

    circuity: float = 1.3
    speed_kmh: float = 50.0

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError("circuity must be at least 1 (roads are never shorter)")
        if self.speed_kmh <= 0:
            raise ValueError("speed_kmh must be positive")

    def matrices(self, points: Sequence[Point]) -> TravelMatrices:
        """Return the metre and second matrices between `points`."""
        metres_float = self.circuity * haversine_metres(points)
        metres = np.rint(metres_float).astype(np.int64)
        seconds = np.rint(metres_float / (self.speed_kmh / 3.6)).astype(np.int64)
        return TravelMatrices(metres=metres, seconds=seconds)


def haversine_metres(points: Sequence[Point]) -> npt.NDArray[np.float64]:
    """Great-circle distance in metres between every pair of (lat, lon) points."""
    coords = np.radians(np.asarray(points, dtype=np.float64).reshape(-1, 2))
    lat = coords[:, 0]
    lon = coords[:, 1]
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
    full = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    # Mirror one triangle so that rounding can never make A->B differ from B->A.
    upper = np.triu(full, 1)
    result: npt.NDArray[np.float64] = upper + upper.T
    return result
