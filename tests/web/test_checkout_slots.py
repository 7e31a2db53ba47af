"""Checkout offers a home delivery only the slots a round of the address's commune covers.

It offered every slot of the territory: Jeanne, in Saint-Pol (whose round runs 8 h - 13 h),
could order for the afternoon, and the planner left her order unplanned. The fleet here:
« Saint-Pol matin » 8 h - 13 h for Saint-Pol, « Frévent après-midi » 13 h - 19 h for
Frévent, Tuesday to Saturday; slots « Matin (9 h – 12 h) » and « Après-midi (14 h – 18 h) ».
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from delivery.model import Round, RoundCommune
from shop_core.catalogue.model import Product
from shop_core.database import Database

from .api_support import Api, error_of
from .conftest import NOW, World, login
from .rounds_setup import add_fleet
from .shopping import SATURDAY, TUESDAY, add, orders_of, place_order

WEDNESDAY = "2026-11-25"
FREVENT_ADDRESS = {
    "address": "new",
    "recipient": "Paul Leroy",
    "line1": "5 rue de Doullens",
    "postal_code": "62270",
    "city": "Frévent",
    "phone": "0611223344",
}


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW  # Monday 23 November, 9 h: Tuesday is the first day


def _page(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def _slots(page: str) -> list[str]:
    return re.findall(r'<input[^>]*name="slot"[^>]*value="([^"]*)"', page) or re.findall(
        r'<input[^>]*value="([^"]*)"[^>]*name="slot"', page
    )


def _checked(page: str, name: str) -> str:
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', page):
        if " checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)  # type: ignore[union-attr]
    return ""


def _cakes_in_stock(db: Database, world: World) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Product, world.cake_id).stock_quantity


def test_a_saved_address_is_offered_only_the_slots_a_round_of_its_commune_covers(
    client: FlaskClient, world: World, db: Database
) -> None:
    add_fleet(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    page = _page(client.get("/commande"))

    assert _slots(page) == ["matin"]
    assert (
        "Après-midi (14 h – 18 h) n'est pas proposé : le livreur ne passe pas chez vous à ces "
        "heures-là."
    ) in page
    assert _checked(page, "slot") == "matin" and _checked(page, "date") == TUESDAY


def test_a_slot_covered_on_some_days_only_is_offered_with_the_days_it_is_not(
    client: FlaskClient, world: World, db: Database
) -> None:
    fleet = add_fleet(db, world)
    with db.uow() as uow:  # Saint-Pol's afternoons: on Saturdays only
        uow.session.add(
            Round(
                territory_id=world.territory_id, name="Saint-Pol samedi", depot_id=fleet.depot_id,
                weekdays="5", starts=dt.time(13), ends=dt.time(19), capacity=20,
                communes=[RoundCommune(insee_code="62767")],
            )
        )  # fmt: skip
        uow.commit()
    login(client, world.shopper_email)
    add(client, world.bread_id)

    page = _page(client.get("/commande"))

    assert _slots(page) == ["matin", "apres-midi"]
    assert (
        "Après-midi (14 h – 18 h) : le livreur ne passe pas chez vous à ces heures-là du mardi "
        "24 novembre au vendredi 27 novembre et du mardi 1er décembre au mercredi 2 décembre."
    ) in page
    assert place_order(client, slot="apres-midi", date=SATURDAY).status_code == 302


def test_every_slot_is_offered_while_no_round_is_set_up(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)

    page = _page(client.get("/commande"))

    assert _slots(page) == ["matin", "apres-midi"]
    assert "le livreur ne passe pas" not in page


def test_a_slot_no_round_of_the_commune_covers_is_refused_and_nothing_is_written(
    client: FlaskClient, world: World, db: Database
) -> None:
    add_fleet(db, world)
    login(client, world.shopper_email)
    add(client, world.cake_id)

    refused = place_order(client, slot="apres-midi")

    assert refused.status_code == 200
    assert (
        "Aucune tournée ne livre à Saint-Pol-sur-Ternoise sur le créneau « Après-midi (14 h – "
        "18 h) » le mardi 24 novembre 2026. Ce jour-là, la livraison est possible sur « Matin "
        "(9 h – 12 h) »."
    ) in _page(refused)
    assert orders_of(db, world.shopper_id) == []
    assert _cakes_in_stock(db, world) == 2
    # The hint would say it again under the error: only the error is shown.
    assert "n'est pas proposé" not in _page(refused)
    assert place_order(client, slot="matin").status_code == 302


def test_an_address_typed_in_frevent_takes_the_afternoon_and_is_then_offered_it(
    client: FlaskClient, world: World, db: Database
) -> None:
    add_fleet(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    refused = _page(place_order(client, slot="matin", **FREVENT_ADDRESS))

    assert "Aucune tournée ne livre à Frévent sur le créneau « Matin (9 h – 12 h) »" in refused
    # The page sent back offers the typed address's commune its own slots.
    assert _slots(refused) == ["apres-midi"]
    assert orders_of(db, world.shopper_id) == []
    assert place_order(client, slot="apres-midi", **FREVENT_ADDRESS).status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert order.insee_code == "62361" and order.delivery_slot == "apres-midi"


def _saint_pol_at_dawn_on_tuesdays(db: Database, world: World) -> None:
    """Saint-Pol's morning round no longer goes out on Tuesdays; a round back before any
    slot (6 h - 8 h 30) does, and still brings parcels to the pickup point there."""
    fleet = add_fleet(db, world)
    with db.uow() as uow:
        morning = uow.session.get_one(Round, fleet.saint_pol)
        morning.weekdays = "2345"
        uow.session.add(
            Round(
                territory_id=world.territory_id, name="Saint-Pol aube", depot_id=fleet.depot_id,
                weekdays="1", starts=dt.time(6), ends=dt.time(8, 30), capacity=20,
                communes=[RoundCommune(insee_code="62767")],
            )
        )  # fmt: skip
        uow.commit()


def test_a_day_without_any_slot_for_the_address_is_skipped_and_said(
    client: FlaskClient, world: World, db: Database
) -> None:
    _saint_pol_at_dawn_on_tuesdays(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    page = _page(client.get("/commande"))

    # Tuesday stays offered, for a pickup: the first day for a home delivery is Wednesday.
    assert "Le premier jour possible est le mardi 24 novembre." in page
    assert _checked(page, "date") == WEDNESDAY
    assert (
        "Pas de livraison à domicile à Saint-Pol-sur-Ternoise le mardi 24 novembre et le mardi "
        "1er décembre : le livreur ne passe pas chez vous pendant les heures de livraison."
    ) in page
    refused = _page(place_order(client, slot="matin", date=TUESDAY))
    assert (
        "Aucune tournée ne livre à Saint-Pol-sur-Ternoise sur le créneau « Matin (9 h – 12 h) » "
        "le mardi 24 novembre 2026. Sur ce créneau, prochaine livraison possible le mercredi 25 "
        "novembre 2026."
    ) in refused
    assert orders_of(db, world.shopper_id) == []


def test_a_pickup_point_order_is_not_bound_to_the_slots(
    client: FlaskClient, world: World, db: Database
) -> None:
    _saint_pol_at_dawn_on_tuesdays(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    response = place_order(client, where=f"point-{world.pickup_point_id}", date=TUESDAY)

    assert response.status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    assert order.pickup_point_id == world.pickup_point_id
    assert order.delivery_date == dt.date.fromisoformat(TUESDAY)


def test_the_api_refuses_a_slot_no_round_of_the_commune_covers(
    app: Flask, world: World, db: Database
) -> None:
    add_fleet(db, world)
    api = Api(app)
    api.sign_in(world.shopper_email)
    assert api.post("/api/v1/basket/items", json={"product_id": world.cake_id}).status_code == 200
    address_id = api.get("/api/v1/me").get_json()["addresses"][0]["id"]
    delivery = {"method": "home", "date": TUESDAY, "address_id": address_id}

    refused = api.post("/api/v1/checkout", json={"delivery": {**delivery, "slot": "apres-midi"}})

    assert refused.status_code == 422
    assert error_of(refused)["code"] == "slot_not_covered"
    assert error_of(refused)["field"] == "delivery.slot"  # was null: which field to change
    assert orders_of(db, world.shopper_id) == [] and _cakes_in_stock(db, world) == 2
    placed = api.post("/api/v1/checkout", json={"delivery": {**delivery, "slot": "matin"}})
    assert placed.status_code == 201, placed.get_json()


def _error_on(page: str, field: str) -> str:
    """The red error under the field ``field`` ("" if none)."""
    found = re.search(rf'<p class="error" id="{field}-err">(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def test_a_refused_slot_is_named_in_english_as_the_radios_and_the_slot_left_is_chosen(
    client: FlaskClient, world: World, db: Database
) -> None:
    add_fleet(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)
    client.get("/?lang=en")

    refused = _page(place_order(client, slot="apres-midi"))

    error = _error_on(refused, "slot")
    # Named as the radios beside it name the slots, not by their French names.
    assert "2:00\u202fPM – 6:00\u202fPM" in error and "9:00\u202fAM – 12:00\u202fPM" in error
    assert "Après-midi" not in error and "Matin" not in error
    assert "Tuesday 24 November 2026" in error
    # One slot is left that day for that address: it is chosen, ready to send again.
    assert _slots(refused) == ["matin"] and _checked(refused, "slot") == "matin"
    assert orders_of(db, world.shopper_id) == []


def test_a_day_without_a_round_to_the_address_is_refused_on_the_day_in_english(
    client: FlaskClient, world: World, db: Database
) -> None:
    add_fleet(db, world, frevent_days=(2,))  # Frévent on Wednesdays; Tuesday stays listed
    login(client, world.shopper_email)
    add(client, world.bread_id)
    client.get("/?lang=en")

    refused = _page(place_order(client, slot="apres-midi", date=TUESDAY, **FREVENT_ADDRESS))

    # Under « Which day? », not on the address, which need not change.
    error = _error_on(refused, "date")
    assert "Frévent" in error and "Wednesday 25 November 2026" in error
    assert "25/11/2026" not in refused and "mercredi" not in error
    assert _error_on(refused, "address") == "" and _error_on(refused, "slot") == ""
    assert orders_of(db, world.shopper_id) == []
    placed = place_order(client, slot="apres-midi", date=WEDNESDAY, **FREVENT_ADDRESS)
    assert placed.status_code == 302
