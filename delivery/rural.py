"""Realistic delivery days in the Ternois, for benchmarking the optimiser.

A day: couriers leave a depot at Saint-Pol-sur-Ternoise, collect parcels at merchants in
the market towns (Saint-Pol, Frévent, Auxi-le-Château, Pernes, Heuchin) while the shops are
open, and deliver them to shoppers' homes, spread over the communes by population, or to
pickup points in the market towns, in a morning (9:00-12:00) or afternoon (14:00-18:00)
slot. Everything is drawn from `random.Random(seed)`, so a seed gives the same day on any
machine.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass
from pathlib import Path

from delivery.distances import DistanceProvider, GreatCircleDistances, Point
from delivery.problem import Location, Problem, Shipment, Vehicle, Visit

COMMUNES_CSV = Path(__file__).parent / "bench_data" / "communes-ternois.csv"
MARKET_TOWNS = ("Saint-Pol-sur-Ternoise", "Frévent", "Auxi-le-Château", "Pernes", "Heuchin")
DEPOT_TOWN = "Saint-Pol-sur-Ternoise"

HOUR = 3600
MORNING_SLOT = (9 * HOUR, 12 * HOUR)
AFTERNOON_SLOT = (14 * HOUR, 18 * HOUR)
SHIFT = (7 * HOUR + 1800, 19 * HOUR)
MAX_DURATION = 10 * HOUR
CAPACITIES = (50, 40, 45, 35, 50, 40)  # parcels; a mixed fleet of vans and cars
PICKUP_SERVICE = 30  # per parcel, at the counter
HOME_SERVICE = 120  # park, ring, hand over
POINT_SERVICE = 60  # pickup point: a counter, no waiting for the door
POINT_SHARE = 0.3  # orders collected by the shopper at a pickup point
MORNING_SHARE = 0.4  # orders delivered in the morning slot


@dataclass(frozen=True)
class Commune:
    insee_code: str
    name: str
    lat: float
    lon: float
    population: int
    area_km2: float


@dataclass(frozen=True)
class RuralDay:
    """A named benchmark day: shipments, couriers, generator seed, and planning time."""

    name: str
    shipments: int
    couriers: int
    seed: int
    time_limit: float


DAYS = (
    RuralDay("ternois-40", 40, 2, seed=40, time_limit=10),
    RuralDay("ternois-100", 100, 3, seed=100, time_limit=30),
    RuralDay("ternois-250", 250, 5, seed=250, time_limit=30),
    RuralDay("ternois-300", 300, 6, seed=300, time_limit=30),
)


@dataclass(frozen=True)
class _Shop:
    location: int
    morning: tuple[int, int]
    afternoon: tuple[int, int]

    @property
    def continuous(self) -> bool:
        return self.morning[1] == self.afternoon[0]


def load_communes(path: Path = COMMUNES_CSV) -> list[Commune]:
    """The communes of the territory, from the CSV shipped with the package."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Commune(
                row["insee_code"],
                row["name"],
                float(row["lat"]),
                float(row["lon"]),
                int(row["population_2021"]),
                float(row["area_km2"]),
            )
            for row in csv.DictReader(handle)
        ]


def make_day(
    day: RuralDay,
    *,
    communes: list[Commune] | None = None,
    distances: DistanceProvider | None = None,
) -> Problem:
    """Generate the problem for `day` (deterministic for its seed)."""
    communes = communes if communes is not None else load_communes()
    provider = distances if distances is not None else GreatCircleDistances()
    rng = random.Random(day.seed)
    by_name = {c.name: c for c in communes}
    towns = [by_name[name] for name in MARKET_TOWNS]

    locations: list[Location] = []

    def place(name: str, commune: Commune, radius_km: float) -> int:
        lat, lon = _scatter(rng, commune, radius_km)
        locations.append(Location(name, lat, lon))
        return len(locations) - 1

    depot = place("Dépôt Saint-Pol", by_name[DEPOT_TOWN], 1.0)
    shops = [
        _shop(rng, place(f"Commerçant {k + 1}", town, 0.5))
        for k, town in enumerate(_merchant_towns(rng, towns, max(5, day.shipments // 20)))
    ]
    points = [place(f"Point relais {town.name}", town, 0.3) for town in towns[:3]]

    weights = [c.population for c in communes]
    shipments = []
    for k in range(day.shipments):
        shop = rng.choice(shops)
        morning = rng.random() < MORNING_SHARE
        slot = MORNING_SLOT if morning else AFTERNOON_SLOT
        if morning:
            opening = shop.morning
        elif shop.continuous:
            opening = (shop.morning[0], shop.afternoon[1])
        else:
            opening = shop.afternoon
        if rng.random() < POINT_SHARE:
            drop, service = rng.choice(points), POINT_SERVICE
        else:
            commune = rng.choices(communes, weights)[0]
            spread = 0.5 * math.sqrt(commune.area_km2 / math.pi)
            drop, service = place(f"Client {k + 1}, {commune.name}", commune, spread), HOME_SERVICE
        size = rng.choices((1, 2, 3), (0.7, 0.2, 0.1))[0]
        shipments.append(
            Shipment(
                id=f"S{k + 1:03d}",
                pickup=Visit(shop.location, opening[0], opening[1], PICKUP_SERVICE * size),
                delivery=Visit(drop, slot[0], slot[1], service),
                size=size,
            )
        )

    vehicles = tuple(
        Vehicle(
            id=f"coursier-{k + 1}",
            capacity=CAPACITIES[k % len(CAPACITIES)],
            start=depot,
            end=depot,
            shift_start=SHIFT[0],
            shift_end=SHIFT[1],
            max_duration=MAX_DURATION,
        )
        for k in range(day.couriers)
    )
    points_latlon: list[Point] = [(loc.lat, loc.lon) for loc in locations]
    matrices = provider.matrices(points_latlon)
    return Problem(tuple(locations), vehicles, tuple(shipments), matrices.metres, matrices.seconds)


def _merchant_towns(rng: random.Random, towns: list[Commune], count: int) -> list[Commune]:
    # Every market town has at least one merchant; the rest go by population.
    extra = rng.choices(towns, [t.population for t in towns], k=max(0, count - len(towns)))
    return towns + extra


def _shop(rng: random.Random, location: int) -> _Shop:
    if rng.random() < 0.3:  # open all day
        return _Shop(location, (8 * HOUR, 14 * HOUR), (14 * HOUR, 19 * HOUR))
    # Bakers and butchers open early; the parcels of the morning round are collected then.
    opens = rng.choice((7 * HOUR + 1800, 8 * HOUR, 8 * HOUR + 1800))
    closes = rng.choice((12 * HOUR, 12 * HOUR + 1800))
    reopens = rng.choice((14 * HOUR, 14 * HOUR + 1800))
    return _Shop(location, (opens, closes), (reopens, 19 * HOUR))


def _scatter(rng: random.Random, commune: Commune, radius_km: float) -> tuple[float, float]:
    # Uniform over a disc around the commune centre; 111.2 km per degree of latitude.
    angle = rng.uniform(0, 2 * math.pi)
    distance = radius_km * math.sqrt(rng.random())
    dlat = distance * math.cos(angle) / 111.2
    dlon = distance * math.sin(angle) / (111.2 * math.cos(math.radians(commune.lat)))
    return round(commune.lat + dlat, 6), round(commune.lon + dlon, 6)
