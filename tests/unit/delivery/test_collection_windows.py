"""The window a merchant is told for the courier's collection: the shopper's rule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from delivery.queries import window_around

PARIS = ZoneInfo("Europe/Paris")


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 24, hour, minute, second, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("planned", "window"),
    [
        (at(10, 0), (at(9, 30), at(10, 30))),  # half an hour either side
        (at(10, 7), (at(9, 30), at(10, 45))),  # widened to the quarter, never narrowed
        (at(10, 15), (at(9, 45), at(10, 45))),
        (at(10, 14, 30), (at(9, 30), at(10, 45))),
    ],
)
def test_the_window_is_half_an_hour_either_side_widened_to_the_quarter(
    planned: dt.datetime, window: tuple[dt.datetime, dt.datetime]
) -> None:
    assert window_around(planned, opens=None, closes=None) == window


def test_the_window_stays_within_the_shops_opening_hours() -> None:
    # The baker opens at 9 h 45 and closes at 12 h 30: never told to be there before or after.
    early = window_around(at(9, 50), opens=at(9, 45), closes=at(12, 30))
    late = window_around(at(12, 20), opens=at(9, 45), closes=at(12, 30))

    assert early == (at(9, 45), at(10, 30))
    assert late == (at(11, 45), at(12, 30))


def test_a_window_never_ends_before_it_starts() -> None:
    # A visit planned after the closing time it was given (a late insertion) still reads
    # as a time, not as a window running backwards.
    earliest, latest = window_around(at(13, 0), opens=at(12, 45), closes=at(12, 30))

    assert earliest <= latest
