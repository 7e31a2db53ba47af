"""Which rounds can deliver in a home-delivery slot: the operator is told when adding one,
and an order for a slot no round of its commune covers that day is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from delivery.calendar import SlotNotCovered, check_delivery_day
from delivery.model import Round, RoundCommune
from delivery.services import slot_cover
from shop_core.database import Database
from shop_core.territories.model import Territory

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import add_fleet

SAINT_POL, FREVENT = "62767", "62361"


def _cover(db: Database, shop: Shop, starts: int, ends: int) -> tuple[list[str], list[str]]:
    with db.uow() as uow:
        cover = slot_cover(
            uow.session, territory_id=shop.territory_id, starts=dt.time(starts), ends=dt.time(ends)
        )
        return [c[0] for c in cover.covering], [p[0] for p in cover.partial]


def test_a_round_covers_a_slot_within_its_hours_and_only_part_of_one_past_them(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop)  # Saint-Pol matin 8 h – 13 h, Frévent après-midi 13 h – 19 h
    assert _cover(db, shop, 9, 12) == (["Saint-Pol matin"], [])
    assert _cover(db, shop, 18, 20) == ([], ["Frévent après-midi"])
    assert _cover(db, shop, 12, 14) == ([], ["Saint-Pol matin", "Frévent après-midi"])
    assert _cover(db, shop, 20, 22) == ([], [])


def test_an_inactive_round_covers_nothing(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    with db.uow() as uow:
        uow.session.get_one(Round, fleet.saint_pol).active = False
        uow.commit()
    assert _cover(db, shop, 9, 12) == ([], [])
    with db.uow() as uow:
        rounds = slot_cover(
            uow.session, territory_id=shop.territory_id, starts=dt.time(9), ends=dt.time(12)
        ).rounds
    assert rounds == 1


# The same rule refuses, when an order is placed, a home-delivery slot that no round serving
# the address covers that day (``check_delivery_day(..., slot=...)``): the planner would
# leave such an order unplanned. Saint-Pol has a round from 8 h to 13 h (the morning only),
# Frévent one from 13 h to 19 h (the afternoon only), Tuesday to Saturday.


def _check(db: Database, shop: Shop, insee: str | None, day: dt.date, slot: str | None) -> None:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        check_delivery_day(uow.session, territory, insee, day, NOW, slot=slot)


def _refusal(db: Database, shop: Shop, insee: str, day: dt.date, slot: str) -> SlotNotCovered:
    with pytest.raises(SlotNotCovered) as refused:
        _check(db, shop, insee, day, slot)
    return refused.value


def test_a_slot_a_round_of_the_commune_covers_that_day_is_taken(db: Database, shop: Shop) -> None:
    add_fleet(db, shop)
    _check(db, shop, SAINT_POL, TUESDAY, "matin")
    _check(db, shop, FREVENT, TUESDAY, "apres-midi")
    _check(db, shop, SAINT_POL, TUESDAY, None)  # a pickup point's day: no slot to check


def test_the_afternoon_in_a_commune_served_in_the_morning_only_is_refused(
    db: Database, shop: Shop
) -> None:
    add_fleet(db, shop)
    refused = _refusal(db, shop, SAINT_POL, TUESDAY, "apres-midi")
    assert str(refused) == (
        "Aucune tournée ne livre à Saint-Pol-sur-Ternoise sur le créneau « Après-midi (14 h – "
        "18 h) » le mardi 24 novembre 2026. Ce jour-là, la livraison est possible sur « Matin "
        "(9 h – 12 h) »."
    )
    assert refused.code == "slot_not_covered"
    assert refused.params["others"] == ("Matin (9 h – 12 h)",)
    assert refused.params["following"] == ""


def test_the_refusal_names_the_next_day_a_round_covers_the_slot(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    with db.uow() as uow:  # On Tuesdays the Frévent round leaves too early for the afternoon.
        early = uow.session.get_one(Round, fleet.frevent)
        early.weekdays, early.starts, early.ends = "1", dt.time(8), dt.time(12)
        late = Round(
            territory_id=shop.territory_id, name="Frévent fin de semaine", depot_id=early.depot_id,
            weekdays="2345", starts=dt.time(13), ends=dt.time(19), capacity=12,
            communes=[RoundCommune(insee_code=FREVENT)],
        )  # fmt: skip
        uow.session.add(late)
        uow.commit()
    refused = _refusal(db, shop, FREVENT, TUESDAY, "apres-midi")
    assert str(refused).endswith(
        "le mardi 24 novembre 2026. Ce jour-là, la livraison est possible sur « Matin (9 h – "
        "12 h) ». Sur ce créneau, prochaine livraison possible le mercredi 25 novembre 2026."
    )
    assert refused.params["following"] == "2026-11-25"


def test_a_slot_no_round_covers_at_all_says_to_pick_up_instead(db: Database, shop: Shop) -> None:
    fleet = add_fleet(db, shop)
    with db.uow() as uow:  # Saint-Pol's round leaves at 6 h and is back before any slot.
        dawn = uow.session.get_one(Round, fleet.saint_pol)
        dawn.starts, dawn.ends = dt.time(6), dt.time(8, 30)
        uow.commit()
    refused = _refusal(db, shop, SAINT_POL, TUESDAY, "matin")
    assert str(refused).endswith(
        "le mardi 24 novembre 2026. Choisissez un point de retrait ou le retrait dans les "
        "boutiques."
    )
    assert refused.params["others"] == ()


def test_any_slot_is_taken_while_no_round_is_set_up(db: Database, shop: Shop) -> None:
    _check(db, shop, SAINT_POL, TUESDAY, "apres-midi")
