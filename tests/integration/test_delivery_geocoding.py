"""Geocoding with its database cache, the commune-centre fallback and manual corrections."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.geocoding import (
    AddressQuery,
    correct_order_position,
    locate,
    locate_order,
    locate_pending,
    make_geocoder,
)
from delivery.model import GeocodeEntry
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import Order
from shop_core.orders.services import DeliveryAddress
from tests.unit.delivery.fake_http import FakeService, serving

from .conftest import NOW, TUESDAY, Shop
from .delivery_setup import DISTANCES, SETTINGS, SYSTEM, add_fleet, order, stops_of_plan

QUERY = AddressQuery("3 rue des Tilleuls", "62130", "Saint-Pol-sur-Ternoise", "62767")


def ban_answer(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
    if "Tilleuls" not in query["q"][0]:
        return 200, {"features": []}
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [2.3290, 50.3841]},
        "properties": {"label": "3 Rue des Tilleuls", "score": 0.95, "type": "housenumber",
                       "citycode": "62767"},
    }  # fmt: skip
    return 200, {"features": [feature]}


def ban(service: FakeService):  # type: ignore[no-untyped-def]
    return make_geocoder("ban", domain=service.domain, scheme="http", min_delay_seconds=0)


def test_an_address_is_asked_once_then_read_from_the_cache(db: Database) -> None:
    with serving(ban_answer) as service:
        geocoder = ban(service)
        with db.uow() as uow:
            first = locate(uow.session, QUERY, geocoder, now=NOW)
            uow.commit()
        with db.uow() as uow:
            again = locate(uow.session, QUERY, geocoder, now=NOW)
        assert len(service.requests) == 1
    assert first is not None and again is not None
    assert (first.lat, first.lon, first.approximate, first.source) == (50.3841, 2.329, False, "ban")
    assert (again.lat, again.lon, again.approximate, again.source) == (
        50.3841,
        2.329,
        False,
        "cache",
    )


def test_when_the_service_fails_the_commune_centre_stands_in_and_nothing_is_cached(
    db: Database,
) -> None:
    with serving(lambda path, q: (502, {"error": "bad gateway"})) as service, db.uow() as uow:
        found = locate(uow.session, QUERY, ban(service), now=NOW)
        uow.commit()
    assert found is not None
    assert found.approximate and found.source == "commune"
    with db.uow() as uow:
        assert uow.session.scalar(select(GeocodeEntry)) is None  # asked again next time


def test_a_miss_is_remembered_for_a_week(db: Database) -> None:
    unknown = AddressQuery("Lieu-dit les Quatre Vents", "62130", "Saint-Pol-sur-Ternoise", "62767")
    with serving(ban_answer) as service:
        for when in (NOW, NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=8)):
            with db.uow() as uow:
                found = locate(uow.session, unknown, ban(service), now=when)
                uow.commit()
            assert found is not None and found.source == "commune"
        assert len(service.requests) == 2  # first time, then after a week


def test_without_a_geocoder_the_commune_centre_is_used(db: Database) -> None:
    with db.uow() as uow:
        found = locate(uow.session, QUERY, None)
    assert found is not None and found.approximate


def test_pending_approximate_addresses_of_a_day_are_located(db: Database, shop: Shop) -> None:
    approximate = DeliveryAddress(
        recipient="Jeanne Martin", line1="3 rue des Tilleuls", postal_code="62130",
        city="Saint-Pol-sur-Ternoise", insee_code="62767", lat=50.3814, lon=2.3347,
        approximate=True,
    )  # fmt: skip
    oid = order(db, shop, {shop.bread_id: 1}, address=approximate)
    with serving(ban_answer) as service, db.uow() as uow:
        located, left = locate_pending(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, geocoder=ban(service), now=NOW
        )
    assert (located, left) == (1, 0)
    with db.uow() as uow:
        placed = uow.session.get(Order, oid)
        assert placed is not None
        assert (placed.lat, placed.lon, placed.address_approximate) == (50.3841, 2.329, False)


def test_an_order_located_after_it_was_planned_takes_its_delivery_stop_to_the_door(
    db: Database, shop: Shop
) -> None:
    from delivery.planning import plan_day

    add_fleet(db, shop)
    approximate = DeliveryAddress(
        recipient="Jeanne Martin", line1="3 rue des Tilleuls", postal_code="62130",
        city="Saint-Pol-sur-Ternoise", insee_code="62767", lat=50.3814, lon=2.3347,
        approximate=True,
    )  # fmt: skip
    oid = order(db, shop, {shop.bread_id: 1}, address=approximate)
    with db.uow() as uow:
        plan_day(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, now=NOW,
        )  # fmt: skip

    with serving(ban_answer) as service, db.uow() as uow:
        assert locate_order(uow=uow, order_id=oid, geocoder=ban(service), now=NOW)
        assert not locate_order(uow=uow, order_id=oid, geocoder=ban(service), now=NOW)
        assert len(service.requests) == 1  # the second time it is already at the door

    with db.uow() as uow:
        placed = uow.session.get_one(Order, oid)
        assert (placed.lat, placed.lon, placed.address_approximate) == (50.3841, 2.329, False)
    (drop,) = [s for s in stops_of_plan(db, shop.territory_id) if s.kind.value == "deliver"]
    assert (drop.lat, drop.lon, drop.approximate) == (50.3841, 2.329, False)


def test_the_operator_corrects_a_position_which_is_then_remembered(
    db: Database, shop: Shop
) -> None:
    oid = order(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        correct_order_position(
            uow=uow, territory_id=shop.territory_id, order_id=oid, lat=50.3850, lon=2.3301,
            actor=SYSTEM,
        )  # fmt: skip
    with db.uow() as uow:
        placed = uow.session.get(Order, oid)
        assert placed is not None and not placed.address_approximate
        assert (placed.lat, placed.lon) == (50.3850, 2.3301)
        remembered = locate(uow.session, QUERY, None)
    assert remembered is not None and not remembered.approximate
    assert (remembered.lat, remembered.lon) == (50.3850, 2.3301)


def test_a_correction_far_from_the_territory_or_elsewhere_is_refused(
    db: Database, shop: Shop
) -> None:
    oid = order(db, shop, {shop.bread_id: 1})
    with db.uow() as uow, pytest.raises(ValidationError, match="inversées"):
        correct_order_position(
            uow=uow, territory_id=shop.territory_id, order_id=oid, lat=2.33, lon=50.38, actor=SYSTEM
        )
    with db.uow() as uow, pytest.raises(NotFound):
        correct_order_position(
            uow=uow, territory_id=shop.territory_id + 1, order_id=oid, lat=50.38, lon=2.33,
            actor=SYSTEM,
        )  # fmt: skip


def test_a_batch_stops_asking_a_service_that_failed(db: Database, shop: Shop) -> None:
    for street in ("1 rue A", "2 rue B", "3 rue C"):
        address = DeliveryAddress(
            recipient="Jeanne Martin", line1=street, postal_code="62130",
            city="Saint-Pol-sur-Ternoise", insee_code="62767", approximate=True,
        )  # fmt: skip
        order(db, shop, {shop.bread_id: 1}, address=address)
    with serving(lambda path, q: (500, {"error": "down"})) as service, db.uow() as uow:
        located, left = locate_pending(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, geocoder=ban(service), now=NOW
        )
        assert len(service.requests) == 1
    assert (located, left) == (0, 3)
    with db.uow() as uow:  # each still has its commune's centre
        assert all(o.lat is not None for o in uow.session.scalars(select(Order)))


def test_a_malformed_answer_counts_as_a_failure(db: Database) -> None:
    broken = {"features": [{"type": "Feature", "geometry": {}, "properties": {}}]}
    with serving(lambda path, q: (200, broken)) as service, db.uow() as uow:
        found = locate(uow.session, QUERY, ban(service), now=NOW)
    assert found is not None and found.source == "commune"
