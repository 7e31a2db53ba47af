"""Weekly opening windows: what the core accepts, and a pickup point's first open day."""

from __future__ import annotations

import datetime as dt

import pytest

from shop_core.errors import ValidationError
from shop_core.territories.model import PickupPoint, PickupPointHours
from shop_core.weekly_hours import checked_windows

NINE, NOON, TWO, SIX = dt.time(9), dt.time(12), dt.time(14), dt.time(18)
SATURDAY = dt.date(2026, 12, 12)


def test_windows_come_back_in_order_of_day_then_hour() -> None:
    assert checked_windows([(4, TWO, SIX), (0, NINE, NOON), (4, NINE, NOON)]) == [
        (0, NINE, NOON),
        (4, NINE, NOON),
        (4, TWO, SIX),
    ]


@pytest.mark.parametrize(
    ("windows", "message"),
    [
        ([(7, NINE, NOON)], "Jour de la semaine invalide."),
        ([(1, NOON, NINE)], "L'heure de fermeture doit suivre l'ouverture."),
        ([(1, NINE, NINE)], "L'heure de fermeture doit suivre l'ouverture."),
        ([(1, NINE, TWO), (1, NOON, SIX)], "Deux plages horaires se chevauchent."),
    ],
)
def test_a_window_a_week_cannot_hold_is_refused(
    windows: list[tuple[int, dt.time, dt.time]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        checked_windows(windows)


def test_windows_of_two_days_may_share_their_hours() -> None:
    assert len(checked_windows([(1, NINE, SIX), (2, NINE, SIX)])) == 2


def _town_hall() -> PickupPoint:
    """Open Monday to Friday."""
    hours = [PickupPointHours(weekday=d, opens=NINE, closes=NOON) for d in range(5)]
    return PickupPoint(name="Mairie", opening_hours=hours)


def test_a_point_closed_on_the_day_opens_on_its_next_opening_day() -> None:
    assert _town_hall().first_open_day(SATURDAY) == dt.date(2026, 12, 14)  # Monday


def test_a_point_open_on_the_day_is_open_that_day() -> None:
    assert _town_hall().first_open_day(dt.date(2026, 12, 9)) == dt.date(2026, 12, 9)


def test_a_point_without_hours_has_no_first_open_day() -> None:
    assert PickupPoint(name="Tiers-lieu", opening_hours=[]).first_open_day(SATURDAY) is None
