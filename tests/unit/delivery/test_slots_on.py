"""Which home-delivery slots a day takes in a commune: those a round covers there that day.

Checkout offered every slot of the territory, even the afternoon in a commune whose only
round runs 8:00-12:30: the planner then left such an order unplanned. A slot is taken when
an active round serving the commune goes out that day and is out during all of it, the
rule the operator is warned with when adding a slot (``shift_covers``).
"""

from __future__ import annotations

import datetime as dt

from delivery.calendar import shift_covers, slots_on
from delivery.model import Round, RoundCommune
from shop_core.territories.model import DeliverySlot

MONDAY = dt.date(2026, 12, 7)
SATURDAY = dt.date(2026, 12, 12)
FREVENT, SAINT_POL = "62361", "62767"

MORNING = DeliverySlot(
    code="matin", label="Matin (9 h – 12 h)", starts=dt.time(9), ends=dt.time(12)
)
AFTERNOON = DeliverySlot(
    code="apres-midi", label="Après-midi (14 h – 18 h)", starts=dt.time(14), ends=dt.time(18)
)
SLOTS = [MORNING, AFTERNOON]


def _round(
    starts: dt.time, ends: dt.time, *communes: str, weekdays: str = "01234", active: bool = True
) -> Round:
    return Round(
        weekdays=weekdays,
        starts=starts,
        ends=ends,
        active=active,
        communes=[RoundCommune(insee_code=code) for code in communes],
    )


def test_the_afternoon_is_not_taken_where_the_only_round_ends_at_half_past_twelve() -> None:
    rounds = [_round(dt.time(8), dt.time(12, 30), FREVENT)]

    assert slots_on(rounds, FREVENT, MONDAY, SLOTS) == [MORNING]


def test_a_round_serving_another_commune_covers_nothing_here() -> None:
    rounds = [
        _round(dt.time(8), dt.time(12, 30), FREVENT),
        _round(dt.time(13), dt.time(19), SAINT_POL),
    ]

    assert slots_on(rounds, FREVENT, MONDAY, SLOTS) == [MORNING]
    assert slots_on(rounds, SAINT_POL, MONDAY, SLOTS) == [AFTERNOON]
    # An address not known yet takes any round of the territory.
    assert slots_on(rounds, None, MONDAY, SLOTS) == SLOTS


def test_a_day_the_commune_s_rounds_stay_in_takes_no_slot() -> None:
    rounds = [_round(dt.time(8), dt.time(19), FREVENT, weekdays="01234")]

    assert slots_on(rounds, FREVENT, SATURDAY, SLOTS) == []


def test_an_inactive_round_covers_nothing() -> None:
    rounds = [_round(dt.time(8), dt.time(19), FREVENT, active=False)]

    assert slots_on(rounds, FREVENT, MONDAY, SLOTS) == []


def test_a_round_out_during_only_part_of_a_slot_does_not_cover_it() -> None:
    rounds = [_round(dt.time(8), dt.time(17), FREVENT)]

    assert slots_on(rounds, FREVENT, MONDAY, SLOTS) == [MORNING]
    # The operator's warning reads the same rule: all of the slot, its bounds included.
    assert shift_covers(dt.time(9), dt.time(12), dt.time(9), dt.time(12))
    assert not shift_covers(dt.time(8), dt.time(17), dt.time(14), dt.time(18))


def test_a_round_without_communes_serves_every_commune() -> None:
    rounds = [_round(dt.time(13), dt.time(19))]

    assert slots_on(rounds, FREVENT, MONDAY, SLOTS) == [AFTERNOON]


def test_every_slot_is_taken_while_no_round_is_set_up() -> None:
    assert slots_on([], FREVENT, SATURDAY, SLOTS) == SLOTS
