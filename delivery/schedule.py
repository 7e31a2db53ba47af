"""Times of a round whose stop order is known: when to leave, arrive and serve.

Kept apart from the optimiser's dataclasses so that the screening, the conversion of
PyVRP's routes and the insertion heuristic share one definition of "on time".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from delivery.distances import IntMatrix


@dataclass(frozen=True)
class VehicleTimes:
    start: int
    end: int
    shift_start: int
    shift_end: int
    max_duration: int


@dataclass(frozen=True)
class TimedStop:
    location: int
    earliest: int
    latest: int
    service: int


@dataclass(frozen=True)
class Timing:
    departure: int
    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    return_time: int


def schedule_route(
    durations: IntMatrix,
    vehicle: VehicleTimes,
    stops: Sequence[TimedStop],
    *,
    departure: int | None = None,
    not_before: int = 0,
) -> Timing | None:
    """Serve `stops` in order as early as possible; None if a window or shift is missed.

    With `departure=None` the vehicle leaves at its shift start (or `not_before` if later),
    then as much later as it can without arriving later at the end: the shortest round for
    the same service times, which is what a maximum duration constrains. A given
    `departure` is kept as is (a round already under way).
    """
    first = max(vehicle.shift_start, not_before) if departure is None else departure
    timing = _forward(durations, vehicle, stops, first)
    if timing is None:
        return None
    if departure is None:
        delay = _departure_slack(timing, stops)
        if delay > 0:
            timing = _forward(durations, vehicle, stops, first + delay)
            if timing is None:  # cannot happen by construction; stay on the safe side
                timing = _forward(durations, vehicle, stops, first)
    if timing is None or timing.return_time - timing.departure > vehicle.max_duration:
        return None
    return timing


def _forward(
    durations: IntMatrix, vehicle: VehicleTimes, stops: Sequence[TimedStop], departure: int
) -> Timing | None:
    if departure < vehicle.shift_start:
        return None
    arrivals: list[int] = []
    starts: list[int] = []
    here, clock = vehicle.start, departure
    for stop in stops:
        arrival = clock + int(durations[here, stop.location])
        start = max(arrival, stop.earliest)
        if start > stop.latest:
            return None
        arrivals.append(arrival)
        starts.append(start)
        here, clock = stop.location, start + stop.service
    back = clock + int(durations[here, vehicle.end])
    if back > vehicle.shift_end:
        return None
    return Timing(departure, tuple(arrivals), tuple(starts), back)


def _departure_slack(timing: Timing, stops: Sequence[TimedStop]) -> int:
    # Leaving d later moves the service start at stop i by max(0, d - waiting up to i), so d
    # is bounded by each stop's waiting-so-far plus its remaining window, and by the total
    # waiting (beyond which the return time moves too). This is Savelsbergh's forward slack.
    waited = 0
    slack: int | None = None
    for stop, arrival, start in zip(stops, timing.arrivals, timing.starts, strict=True):
        waited += start - arrival
        room = waited + stop.latest - start
        slack = room if slack is None else min(slack, room)
    return waited if slack is None else max(0, min(slack, waited))
