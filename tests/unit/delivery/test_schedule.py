"""When a round leaves: late enough to wait less, early enough to keep a margin at every
door (``delivery.schedule.schedule_route``)."""

from __future__ import annotations

import numpy as np

from delivery.schedule import MARGIN_S, TimedStop, VehicleTimes, schedule_route

H = 3600
DEPOT, SHOP, DOOR, FARM = 0, 1, 2, 3
# 10 minutes between any two places.
DURATIONS = np.full((4, 4), 600, dtype=np.int64)
np.fill_diagonal(DURATIONS, 0)


def vehicle(max_duration: int = 12 * H) -> VehicleTimes:
    return VehicleTimes(
        start=DEPOT, end=DEPOT, shift_start=7 * H, shift_end=19 * H, max_duration=max_duration
    )


# A shop open in the morning, a door in the 9-12 slot, then a farm that opens at 14:30:
# leaving at 7:00 the van waits at the door, then from 9:13 to 14:30 before the farm.
MORNING_THEN_FARM = [
    TimedStop(SHOP, 8 * H, 12 * H + 1800, 60),
    TimedStop(DOOR, 9 * H, 12 * H, 120),
    TimedStop(FARM, 14 * H + 1800, 19 * H, 60),
]


def test_leaving_later_keeps_the_margin_at_the_door() -> None:
    timing = schedule_route(DURATIONS, vehicle(), MORNING_THEN_FARM)

    assert timing is not None
    door = timing.starts[1]
    # Without the margin the van left at 10:48 and rang at 12:00, the end of the slot.
    assert door == 12 * H - MARGIN_S
    assert timing.arrivals[1] == door  # no waiting at the door any more
    assert timing.departure == door - 600 - 60 - 600
    assert timing.starts[2] == 14 * H + 1800 and timing.return_time == 14 * H + 1800 + 660


def test_a_door_with_less_than_the_margin_left_is_not_pushed_later() -> None:
    # The door's slot ends at 9:25: leaving first (7:00) it is served at 9:00.
    stops = [
        MORNING_THEN_FARM[0],
        TimedStop(DOOR, 9 * H, 9 * H + 1500, 120),
        MORNING_THEN_FARM[2],
    ]
    timing = schedule_route(DURATIONS, vehicle(), stops)

    assert timing is not None
    assert timing.starts[1] == 9 * H
    assert timing.departure == 7 * H + (9 * H - (7 * H + 1260))  # the waiting at the door only


def test_the_maximum_duration_comes_before_the_margin() -> None:
    # Back at 14:41 whenever the van leaves before 11:09 (it waits for the farm). With
    # 3 h 20 at most it must leave at 11:21, which leaves the door 18 minutes of its slot;
    # with 3 h 02 it rings at 12:00 sharp, as feasible as without the margin; 3 h 01 is not.
    back = 14 * H + 1800 + 660
    timing = schedule_route(DURATIONS, vehicle(max_duration=3 * H + 1200), MORNING_THEN_FARM)

    assert timing is not None
    assert (timing.departure, timing.return_time) == (back - 3 * H - 1200, back)
    assert timing.starts[1] == 12 * H - 18 * 60

    tightest = schedule_route(DURATIONS, vehicle(max_duration=3 * H + 120), MORNING_THEN_FARM)
    assert tightest is not None and tightest.starts[1] == 12 * H
    assert schedule_route(DURATIONS, vehicle(max_duration=3 * H + 60), MORNING_THEN_FARM) is None


def test_a_given_departure_is_kept() -> None:
    timing = schedule_route(DURATIONS, vehicle(), MORNING_THEN_FARM, departure=8 * H)

    assert timing is not None
    assert timing.departure == 8 * H
    assert timing.starts[1] == 9 * H  # it waits at the door's slot
