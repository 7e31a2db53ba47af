"""Times of a round whose stop order is known: when to leave, arrive and serve.

Kept apart from the optimiser's dataclasses so that the screening, the conversion of
PyVRP's routes and the insertion heuristic share one definition of "on time".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from delivery.distances import IntMatrix

MARGIN_S = 30 * 60
"""What leaving later may leave of a stop's window, at least: a round that leaves as late as
its waiting allows reaches some door at the very end of its slot, and the first door not
answered makes it late. 30 minutes is also what the shopper is told on either side of the
planned time (``delivery.queries.ARRIVAL_MARGIN``)."""


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
    then later, to wait less on the way, but only as long as every stop keeps `MARGIN_S`
    of its window (or what it had when leaving first, if less), unless the maximum duration
    needs a later start: the time limits hold exactly as for the shortest round. A given
    `departure` is kept as is (a round already under way).
    """
    first = max(vehicle.shift_start, not_before) if departure is None else departure
    timing = _forward(durations, vehicle, stops, first)
    if timing is None:
        return None
    if departure is None:
        latest = _departure_slack(timing, stops, margin=0)
        # Leaving `d` later shortens the round by `d` while there is waiting to absorb.
        needed = timing.return_time - timing.departure - vehicle.max_duration
        delay = min(latest, max(_departure_slack(timing, stops, margin=MARGIN_S), needed))
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


def _departure_slack(timing: Timing, stops: Sequence[TimedStop], *, margin: int) -> int:
    # Leaving d later moves the service start at stop i by max(0, d - waiting up to i), so d
    # is bounded by each stop's waiting-so-far plus its remaining window, less the margin it
    # keeps, and by the total waiting (beyond which the return time moves too). With no
    # margin this is Savelsbergh's forward slack.
    waited = 0
    slack: int | None = None
    for stop, arrival, start in zip(stops, timing.arrivals, timing.starts, strict=True):
        waited += start - arrival
        left = stop.latest - start
        room = waited + left - min(margin, left)
        slack = room if slack is None else min(slack, room)
    return waited if slack is None else max(0, min(slack, waited))
