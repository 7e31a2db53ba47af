"""The OpenAPI document: valid 3.1, the same routes as the app, every operation exercised.

Every response of every API test is validated against this document as it arrives (see
``api_support.Api``); the tour below makes sure no documented operation goes untested.
"""

from __future__ import annotations

import re

from flask import Flask
from openapi_spec_validator import validate

from reference_app.api.openapi import document

from .api_support import Api, documented_operations
from .conftest import World


def test_the_document_is_valid_openapi_3_1_and_served_as_is(app: Flask) -> None:
    spec = document()
    validate(spec)
    assert spec["openapi"] == "3.1.0"
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert Api(app).get("/api/v1/openapi.json").get_json() == spec


def test_the_document_lists_exactly_the_routes_of_the_api(app: Flask) -> None:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint == "api.unknown_route":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, m.lower()) for m in rule.methods or () if m not in ("HEAD", "OPTIONS")}
    documented = documented_operations()
    assert routes - documented == set(), "routes missing from the document"
    assert documented - routes == set(), "documented operations without a route"


def test_every_documented_operation_is_exercised_and_answers_as_documented(
    app: Flask, world: World
) -> None:
    public, shopper, merchant = Api(app), Api(app), Api(app)
    public.get("/api/v1/openapi.json")
    territory = public.get("/api/v1/territory").get_json()
    assert [s["code"] for s in territory["slots"]] == ["matin", "apres-midi"]
    assert territory["earliest_date"] == "2026-11-24"
    public.get("/api/v1/products?q=pain")
    public.get(f"/api/v1/products/{world.bread_id}")

    merchant.sign_in(world.baker_email)
    created = merchant.post(
        "/api/v1/merchant/products",
        json={"name": "Pain d'épices", "price_cents": 590, "vat_rate": "5.5", "stock_quantity": 4},
    ).get_json()

    signed_up = shopper.post(
        "/api/v1/accounts",
        json={
            "email": "nadia@example.fr",
            "full_name": "Nadia Benali",
            "password": "pain-d-epices",
        },
    )
    assert signed_up.status_code == 201
    shopper.login("nadia@example.fr", "pain-d-epices")
    assert shopper.get("/api/v1/me").get_json()["addresses"] == []
    shopper.post("/api/v1/basket", json={"items": [{"product_id": world.apples_id, "quantity": 2}]})
    shopper.post("/api/v1/basket/items", json={"product_id": created["id"]})
    shopper.put(f"/api/v1/basket/items/{world.apples_id}", json={"quantity": 3})
    shopper.delete(f"/api/v1/basket/items/{world.apples_id}")
    assert shopper.get("/api/v1/basket").get_json()["item_count"] == 1
    order = shopper.post(
        "/api/v1/checkout",
        json={
            "delivery": {
                "method": "pickup_point",
                "date": "2026-11-24",
                "pickup_point_id": territory["pickup_points"][0]["id"],
            }
        },
        headers={"Idempotency-Key": "visite-1"},
    ).get_json()
    assert shopper.get("/api/v1/orders").get_json()["orders"][0]["id"] == order["id"]
    shopper.get(f"/api/v1/orders/{order['id']}")
    assert shopper.delete("/api/v1/token").status_code == 204

    exercised = public.calls | shopper.calls | merchant.calls
    assert documented_operations() - exercised == set()
