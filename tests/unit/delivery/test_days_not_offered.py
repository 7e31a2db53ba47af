"""Why a basket's first delivery day is not an earlier one: cut-off, no round, shops closed.

Checkout said « Le premier jour possible est le mardi 8 décembre » on a Saturday without
saying why: no round ran on Sunday and the basket's shops were closed on Monday.
"""

from __future__ import annotations

import datetime as dt

from delivery.calendar import DayNotOffered, NotOffered, days_not_offered
from delivery.model import Round
from shop_core.merchants.model import Closure, Merchant, OpeningHours
from shop_core.territories.model import Territory

SATURDAY = dt.date(2026, 12, 5)
SUNDAY, MONDAY, TUESDAY = (SATURDAY + dt.timedelta(days=n) for n in (1, 2, 3))


def _territory() -> Territory:
    return Territory(timezone="Europe/Paris", order_cutoff=dt.time(18))


def _at(hour: int) -> dt.datetime:
    """Saturday 5 December at ``hour`` in Paris (UTC+1)."""
    return dt.datetime(2026, 12, 5, hour - 1, 0, tzinfo=dt.UTC)


def _shop(name: str, weekdays: range, closures: tuple[Closure, ...] = ()) -> Merchant:
    return Merchant(
        trade_name=name,
        opening_hours=[
            OpeningHours(weekday=d, opens=dt.time(9), closes=dt.time(18)) for d in weekdays
        ],
        closures=list(closures),
    )


MONDAY_TO_SATURDAY = [Round(weekdays="012345", active=True)]
TUESDAY_TO_SATURDAY = range(1, 6)


def test_no_round_on_sunday_and_shops_closed_on_monday_are_each_said() -> None:
    shops = [_shop("Au Fournil", TUESDAY_TO_SATURDAY), _shop("La Cloche", TUESDAY_TO_SATURDAY)]

    missed = days_not_offered(
        territory=_territory(), rounds=MONDAY_TO_SATURDAY, shops=shops, now=_at(13), first=TUESDAY
    )

    assert missed == [
        DayNotOffered(SUNDAY, NotOffered.NO_ROUND),
        DayNotOffered(MONDAY, NotOffered.SHOP_CLOSED, ("Au Fournil", "La Cloche")),
    ]


def test_after_the_cut_off_tomorrow_is_missed_for_the_cut_off_whatever_else() -> None:
    shops = [_shop("Au Fournil", range(7))]
    every_day = [Round(weekdays="0123456", active=True)]

    missed = days_not_offered(
        territory=_territory(), rounds=every_day, shops=shops, now=_at(19), first=MONDAY
    )

    assert missed == [DayNotOffered(SUNDAY, NotOffered.CUTOFF)]


def test_an_exceptional_closure_names_its_shop_and_note_apart_from_the_weekly_closed_ones() -> None:
    holidays = Closure(starts=SUNDAY, ends=MONDAY, note="Congés")
    shops = [
        _shop("Au Fournil", range(7), (holidays,)),
        _shop("La Cloche", TUESDAY_TO_SATURDAY),
        _shop("Ferme Dufour", range(7)),
    ]

    missed = days_not_offered(
        territory=_territory(), rounds=[], shops=shops, now=_at(9), first=TUESDAY
    )

    # Without any round set up, every day goes: only the shops keep Sunday and Monday out.
    assert missed == [
        DayNotOffered(SUNDAY, NotOffered.SHOP_CLOSED, ("La Cloche",)),
        DayNotOffered(SUNDAY, NotOffered.SHOP_CLOSURE, ("Au Fournil",), "Congés"),
        DayNotOffered(MONDAY, NotOffered.SHOP_CLOSED, ("La Cloche",)),
        DayNotOffered(MONDAY, NotOffered.SHOP_CLOSURE, ("Au Fournil",), "Congés"),
    ]


def test_nothing_is_missed_when_tomorrow_is_the_first_day() -> None:
    missed = days_not_offered(
        territory=_territory(),
        rounds=[],
        shops=[_shop("Au Fournil", range(7))],
        now=_at(9),
        first=SUNDAY,
    )
    assert missed == []
