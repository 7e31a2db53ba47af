"""JSON API: the basket, checkout (idempotent) and the shopper's own orders."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from delivery.services import DepotInput, RoundInput, create_depot, create_round
from reference_app import mail
from shop_core.audit.services import Actor
from shop_core.catalogue.services import set_stock
from shop_core.database import Database
from shop_core.orders.model import Order

from .api_support import Api, error_of
from .conftest import World

TUESDAY = "2026-11-24"  # the first date offered on the Monday morning the tests run at


def _shopper(app: Flask, world: World, email: str | None = None) -> Api:
    api = Api(app)
    api.sign_in(email or world.shopper_email)
    return api


def _fill(api: Api, *lines: tuple[int, int]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for product_id, quantity in lines:
        response = api.post(
            "/api/v1/basket/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
    return body


def _home(api: Api, **extra: Any) -> dict[str, Any]:
    address_id = api.get("/api/v1/me").get_json()["addresses"][0]["id"]
    return {
        "method": "home",
        "date": TUESDAY,
        "slot": "matin",
        "address_id": address_id,
        **extra,
    }


def _orders(db: Database) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count(Order.id))) or 0)


# --- basket ---------------------------------------------------------------------------------


def test_the_basket_is_empty_until_something_is_added(app: Flask, world: World) -> None:
    body = _shopper(app, world).get("/api/v1/basket").get_json()
    assert body["groups"] == [] and body["item_count"] == 0 and body["total"]["cents"] == 0


def test_basket_lines_are_grouped_by_merchant_and_can_be_changed_or_removed(
    app: Flask, world: World
) -> None:
    api = _shopper(app, world)
    body = _fill(api, (world.bread_id, 2), (world.apples_id, 3), (world.roast_id, 1))
    assert [g["merchant"]["name"] for g in body["groups"]] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    assert [g["subtotal"]["cents"] for g in body["groups"]] == [700, 870 + 1890]
    assert body["total"] == {"cents": 3460, "formatted": "34,60\u00a0€"}
    body = _fill(api, (world.bread_id, 1))  # adding adds up
    assert body["groups"][0]["lines"][0]["quantity"] == 3
    body = api.put(f"/api/v1/basket/items/{world.apples_id}", json={"quantity": 1}).get_json()
    assert body["item_count"] == 3 + 1 + 1
    body = api.put(f"/api/v1/basket/items/{world.apples_id}", json={"quantity": 0}).get_json()
    body = api.delete(f"/api/v1/basket/items/{world.roast_id}").get_json()
    assert [g["merchant"]["name"] for g in body["groups"]] == ["Boulangerie Lefebvre"]
    assert api.get("/api/v1/basket").get_json() == body


def test_adding_more_than_the_stock_gives_409_with_the_french_message(
    app: Flask, world: World
) -> None:
    api = _shopper(app, world)
    response = api.post("/api/v1/basket/items", json={"product_id": world.cake_id, "quantity": 3})
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "out_of_stock",
        "message": "Stock insuffisant pour « Tarte au sucre » : 2 disponibles.",
        "field": None,
    }
    assert api.get("/api/v1/basket").get_json()["item_count"] == 0


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"product_id": "abc"}, 422, "product_id"),
        ({"product_id": 1.5}, 422, "product_id"),
        ({"product_id": True}, 422, "product_id"),
        ({}, 422, "product_id"),
        ({"product_id": 1, "quantity": 0}, 422, "quantity"),
        ({"product_id": 1, "quantity": 10**40}, 422, "quantity"),
        ({"product_id": 1, "quantity": "2"}, 422, "quantity"),
        ({"product_id": 999_999}, 404, None),
        ({"product_id": 10**40}, 404, "product_id"),
    ],
)
def test_wrong_basket_items_give_a_clear_error_and_never_a_500(
    app: Flask, world: World, body: dict[str, Any], status: int, field: str | None
) -> None:
    response = _shopper(app, world).post("/api/v1/basket/items", json=body)
    assert response.status_code == status
    assert error_of(response)["field"] == field


def test_replacing_the_basket_is_all_or_nothing(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    refused = api.post(
        "/api/v1/basket",
        json={
            "items": [
                {"product_id": world.apples_id, "quantity": 2},
                {"product_id": world.cake_id, "quantity": 5},
            ]
        },
    )
    assert refused.status_code == 409 and error_of(refused)["code"] == "out_of_stock"
    assert api.get("/api/v1/basket").get_json()["item_count"] == 1
    body = api.post(
        "/api/v1/basket",
        json={"items": [{"product_id": world.apples_id, "quantity": 2}]},
    ).get_json()
    lines = [line for g in body["groups"] for line in g["lines"]]
    assert [(ln["product"]["name"], ln["quantity"]) for ln in lines] == [("Pommes Reinette", 2)]
    twice = api.post(
        "/api/v1/basket",
        json={"items": [{"product_id": 1, "quantity": 1}, {"product_id": 1, "quantity": 2}]},
    )
    assert twice.status_code == 422 and error_of(twice)["field"] == "items[1].product_id"
    assert api.post("/api/v1/basket", json={"items": {}}).status_code == 422


# --- checkout ---------------------------------------------------------------------------------


def test_checkout_creates_one_order_with_one_part_per_merchant(
    app: Flask, db: Database, world: World
) -> None:
    api = _shopper(app, world)
    basket = _fill(api, (world.bread_id, 2), (world.roast_id, 1))
    response = api.post(
        "/api/v1/checkout",
        json={
            "delivery": _home(api),
            "payment_method": "offline",
            "expected_total_cents": basket["total"]["cents"],
        },
    )
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order['id']}")
    assert order["reference"].startswith("TER-261123-")
    assert order["delivery"]["method"] == "home" and order["delivery"]["date"] == TUESDAY
    assert order["delivery"]["slot_label"] == "Matin (9 h – 12 h)"
    assert order["delivery"]["address"]["line1"] == "3 rue des Tilleuls"
    assert order["payment"] == {"method": "offline", "status": "unpaid"}
    assert [mo["merchant"]["name"] for mo in order["merchant_orders"]] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    assert {mo["status"] for mo in order["merchant_orders"]} == {"placed"}
    assert order["totals"]["incl"]["cents"] == 700 + 1890
    roast = order["merchant_orders"][1]["lines"][0]
    assert roast["sold_by_weight"] and roast["estimated_weight_g"] == 1000
    assert api.get("/api/v1/basket").get_json()["item_count"] == 0
    listed = api.get("/api/v1/orders").get_json()
    assert [o["id"] for o in listed["orders"]] == [order["id"]] and listed["total"] == 1
    assert api.get(f"/api/v1/orders/{order['id']}").get_json() == order
    assert _orders(db) == 1
    # The same e-mails as a checkout in the shop: the shopper's confirmation, each merchant's.
    with app.app_context():
        sent = {(m.to, m.subject) for m in mail.outbox()}
    assert any(to == world.shopper_email and order["reference"] in subject for to, subject in sent)
    assert any(to == world.baker_email for to, _subject in sent)


def test_checkout_to_a_typed_address_resolves_the_commune(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.apples_id, 1))
    address = {
        "recipient": "Paul Leroy",
        "line1": "5 place du Marché",
        "postal_code": "62270",
        "city": "frevent",
        "instructions": "Sonner chez le voisin.",
    }
    response = api.post(
        "/api/v1/checkout",
        json={
            "delivery": {
                "method": "home",
                "date": TUESDAY,
                "slot": "apres-midi",
                "address": address,
            }
        },
    )
    assert response.status_code == 201, response.get_json()
    delivered_to = response.get_json()["delivery"]["address"]
    assert delivered_to["city"] == "Frévent" and delivered_to["instructions"]


def test_checkout_to_an_unserved_commune_is_refused_in_french(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.apples_id, 1))
    address = {
        "recipient": "Paul",
        "line1": "1 rue Gambetta",
        "postal_code": "62000",
        "city": "Arras",
    }
    response = api.post(
        "/api/v1/checkout",
        json={"delivery": {"method": "home", "date": TUESDAY, "slot": "matin", "address": address}},
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_delivery"
    assert "Arras n'est pas desservie" in error_of(response)["message"]
    assert api.get("/api/v1/basket").get_json()["item_count"] == 1


def test_checkout_to_a_pickup_point_or_at_the_shops(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    point = api.post(
        "/api/v1/checkout",
        json={
            "delivery": {
                "method": "pickup_point",
                "date": TUESDAY,
                "pickup_point_id": world.pickup_point_id,
            }
        },
    ).get_json()
    assert point["delivery"]["pickup_point"]["name"] == "Le Tiers-Lieu du Ternois"
    assert point["delivery"]["address"] is None and point["delivery"]["slot"] is None
    _fill(api, (world.bread_id, 1))
    shop = api.post(
        "/api/v1/checkout", json={"delivery": {"method": "click_collect", "date": TUESDAY}}
    )
    assert shop.status_code == 201
    assert shop.get_json()["delivery"]["method_label"] == "Retrait en boutique"


def test_replaying_a_checkout_with_the_same_idempotency_key_gives_the_same_order(
    app: Flask, db: Database, world: World
) -> None:
    api = _shopper(app, world)
    _fill(api, (world.cake_id, 1))
    request = {"delivery": _home(api)}
    key = {"Idempotency-Key": "panier-42"}
    first = api.post("/api/v1/checkout", json=request, headers=key)
    again = api.post("/api/v1/checkout", json=request, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert _orders(db) == 1
    # The same key from someone else is their own request, not a way into this order.
    other = _shopper(app, world, world.shopper2_email)
    response = other.post(
        "/api/v1/checkout",
        json={"delivery": {"method": "click_collect", "date": TUESDAY}},
        headers=key,
    )
    assert response.status_code == 409 and error_of(response)["code"] == "empty_basket"
    assert _orders(db) == 1


def test_checkout_of_an_empty_basket_gives_409(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    response = api.post("/api/v1/checkout", json={"delivery": _home(api)})
    assert response.status_code == 409
    assert error_of(response) == {
        "code": "empty_basket",
        "message": "Votre panier est vide.",
        "field": None,
    }


def test_checkout_when_the_stock_went_meanwhile_gives_409_and_no_order(
    app: Flask, db: Database, world: World
) -> None:
    api = _shopper(app, world)
    _fill(api, (world.cake_id, 2), (world.bread_id, 1))
    with db.uow() as uow:
        set_stock(
            uow=uow,
            product_id=world.cake_id,
            merchant_id=world.baker_id,
            quantity=1,
            actor=Actor.system(),
        )
    response = api.post("/api/v1/checkout", json={"delivery": _home(api)})
    assert response.status_code == 409
    assert error_of(response)["message"] == (
        "Stock insuffisant pour « Tarte au sucre » : 1 seul disponible."
    )
    assert _orders(db) == 0
    assert api.get("/api/v1/basket").get_json()["has_problems"] is True


@pytest.mark.parametrize(
    ("delivery", "status", "field", "code"),
    [
        ({"date": "24/11/2026"}, 422, "delivery.date", "invalid"),
        ({"date": "2026-02-30"}, 422, "delivery.date", "invalid"),
        ({"date": "2026-11-23"}, 422, None, "invalid_delivery"),
        ({"slot": "nuit"}, 422, None, "invalid_delivery"),
        ({"slot": None}, 422, "delivery.slot", "invalid"),
        ({"method": "drone"}, 422, "delivery.method", "invalid"),
        ({"address_id": None}, 422, "delivery.address", "invalid"),
        (
            {
                "address_id": None,
                "address": {"recipient": "X", "line1": "Y", "postal_code": "6213", "city": "Z"},
            },
            422,
            "delivery.address.postal_code",
            "invalid",
        ),
        ({"address_id": 999_999}, 404, "delivery.address_id", "not_found"),
        ({"method": "pickup_point", "pickup_point_id": 999_999}, 422, None, "invalid_delivery"),
        ({"method": "pickup_point"}, 422, "delivery.pickup_point_id", "invalid"),
        ({"extra": 1}, 422, "delivery.extra", "invalid"),
    ],
)
def test_checkout_delivery_errors_name_what_to_fix(
    app: Flask,
    world: World,
    delivery: dict[str, Any],
    status: int,
    field: str | None,
    code: str,
) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    choice = _home(api)
    choice.update(delivery)
    if choice.get("address_id") is None:
        choice.pop("address_id", None)
    if choice["method"] == "pickup_point":
        choice.pop("slot")
        choice.pop("address_id", None)
    response = api.post("/api/v1/checkout", json={"delivery": choice})
    assert response.status_code == status, response.get_json()
    error = error_of(response)
    assert (error["field"], error["code"]) == (field, code)
    assert api.get("/api/v1/basket").get_json()["item_count"] == 1


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"payment_method": "online"}, {}, "payment_method"),
        ({"expected_total_cents": -5}, {}, "expected_total_cents"),
        ({}, {"Idempotency-Key": "é" * 3}, "Idempotency-Key"),
        ({}, {"Idempotency-Key": "k" * 65}, "Idempotency-Key"),
    ],
)
def test_checkout_options_are_checked(
    app: Flask, world: World, body: dict[str, Any], headers: dict[str, str], field: str
) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    response = api.post("/api/v1/checkout", json={"delivery": _home(api), **body}, headers=headers)
    assert response.status_code == 422
    assert error_of(response)["field"] == field


def test_a_changed_total_stops_the_checkout(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    response = api.post(
        "/api/v1/checkout", json={"delivery": _home(api), "expected_total_cents": 300}
    )
    assert response.status_code == 409 and error_of(response)["code"] == "prices_changed"


# --- orders ---------------------------------------------------------------------------------


def test_someone_elses_order_is_a_404_and_not_in_my_list(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    order = api.post("/api/v1/checkout", json={"delivery": _home(api)}).get_json()
    other = _shopper(app, world, world.shopper2_email)
    response = other.get(f"/api/v1/orders/{order['id']}")
    assert response.status_code == 404
    assert error_of(response) == {
        "code": "not_found",
        "message": "Commande introuvable.",
        "field": None,
    }
    assert other.get("/api/v1/orders").get_json() == {
        "orders": [],
        "total": 0,
        "page": 1,
        "per_page": 20,
    }
    assert other.get("/api/v1/orders/99999999999999999999").status_code == 404


def test_my_orders_come_newest_first_page_by_page(app: Flask, world: World) -> None:
    api = _shopper(app, world)
    ids = []
    for _ in range(3):
        _fill(api, (world.apples_id, 1))
        ids.append(api.post("/api/v1/checkout", json={"delivery": _home(api)}).get_json()["id"])
    first = api.get("/api/v1/orders?per_page=2").get_json()
    second = api.get("/api/v1/orders?per_page=2&page=2").get_json()
    assert [o["id"] for o in first["orders"] + second["orders"]] == ids[::-1]
    assert first["total"] == 3
    assert first["orders"][0]["merchant_orders"][0]["status_label"] == "Passée"


def test_another_shoppers_saved_address_cannot_be_used(app: Flask, world: World) -> None:
    jeanne = _shopper(app, world)
    paul = _shopper(app, world, world.shopper2_email)
    _fill(paul, (world.bread_id, 1))
    response = paul.post("/api/v1/checkout", json={"delivery": _home(jeanne)})
    assert response.status_code == 404
    assert error_of(response)["field"] == "delivery.address_id"


def test_a_day_without_a_round_for_the_commune_is_refused_naming_the_next_one(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        depot = create_depot(
            uow=uow,
            territory_id=world.territory_id,
            actor=Actor.system(),
            data=DepotInput(
                name="Dépôt", address="Zone", postal_code="62130", city="Saint-Pol-sur-Ternoise"
            ),
        )
        create_round(
            uow=uow,
            territory_id=world.territory_id,
            actor=Actor.system(),
            data=RoundInput(
                name="Tournée du mercredi",
                depot_id=depot,
                weekdays=[2],
                starts=dt.time(8),
                ends=dt.time(18),
                capacity=30,
                insee_codes=["62767"],
            ),
        )
    api = _shopper(app, world)
    _fill(api, (world.bread_id, 1))
    refused = api.post("/api/v1/checkout", json={"delivery": _home(api)})
    assert refused.status_code == 422
    assert error_of(refused)["message"] == (
        "Pas de tournée à Saint-Pol-sur-Ternoise ce jour-là : "
        "prochaine livraison possible le mercredi 25 novembre 2026."
    )
    assert error_of(refused)["code"] == "no_round_then"
    assert error_of(refused)["field"] == "delivery.date"
    at_the_shop = api.post(
        "/api/v1/checkout", json={"delivery": {"method": "click_collect", "date": TUESDAY}}
    )
    assert at_the_shop.status_code == 201  # no round needed to collect at the shop
    _fill(api, (world.bread_id, 1))
    wednesday = api.post("/api/v1/checkout", json={"delivery": _home(api, date="2026-11-25")})
    assert wednesday.status_code == 201
