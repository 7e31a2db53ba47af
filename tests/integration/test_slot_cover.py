"""Which rounds can deliver in a home-delivery slot: the operator is told when adding one."""

from __future__ import annotations

import datetime as dt

from delivery.model import Round
from delivery.services import slot_cover
from shop_core.database import Database

from .conftest import Shop
from .delivery_setup import add_fleet


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
