"""Generated Ternois days are deterministic, realistic and servable order by order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from delivery.distances import Point, TravelMatrices
from delivery.optimiser import screen
from delivery.rural import AFTERNOON_SLOT, DAYS, MORNING_SLOT, load_communes, make_day


def test_same_seed_gives_the_same_day() -> None:
    first, second = make_day(DAYS[0]), make_day(DAYS[0])
    assert first.shipments == second.shipments
    assert first.locations == second.locations
    assert (first.distances == second.distances).all()


def test_another_seed_gives_another_day() -> None:
    day = DAYS[0]
    other = replace(day, seed=day.seed + 1)
    assert make_day(day).shipments != make_day(other).shipments


def test_days_have_the_announced_size_and_every_order_fits_some_courier() -> None:
    for day in DAYS:
        problem = make_day(day)
        assert len(problem.shipments) == day.shipments
        assert len(problem.vehicles) == day.couriers
        assert screen(problem) == {}


def test_deliveries_fall_in_the_morning_or_afternoon_slot() -> None:
    problem = make_day(DAYS[1])
    windows = {(s.delivery.earliest, s.delivery.latest) for s in problem.shipments}
    assert windows == {MORNING_SLOT, AFTERNOON_SLOT}


def test_places_lie_in_the_ternois() -> None:
    communes = load_communes()
    problem = make_day(DAYS[3], communes=communes)
    lats = [c.lat for c in communes]
    lons = [c.lon for c in communes]
    for location in problem.locations:
        assert min(lats) - 0.05 < location.lat < max(lats) + 0.05
        assert min(lons) - 0.05 < location.lon < max(lons) + 0.05


class StraightLineKilometres:
    """A fake provider: one kilometre per 0.01 degree, one minute per kilometre."""

    def matrices(self, points: Sequence[Point]) -> TravelMatrices:
        coords = np.asarray(points)
        degrees = np.abs(coords[:, None, :] - coords[None, :, :]).sum(axis=-1)
        metres = np.rint(degrees * 100_000).astype(np.int64)
        return TravelMatrices(metres=metres, seconds=(metres * 60) // 1000)


def test_days_use_the_distance_provider_given() -> None:
    problem = make_day(DAYS[0], distances=StraightLineKilometres())
    a, b = problem.locations[0], problem.locations[1]
    expected = round((abs(a.lat - b.lat) + abs(a.lon - b.lon)) * 100_000)
    assert problem.distances[0, 1] == expected
