"""Helpers for the shopper's tests: fill a basket, read the checkout page, place an order."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from reference_app.mail import Mail
from shop_core.database import Database
from shop_core.orders.model import Order

# Monday 23 November 2026, 9:00 in Paris: the first possible day is Tuesday 24.
TUESDAY = "2026-11-24"
SATURDAY = "2026-11-28"
SUNDAY = "2026-11-29"


def add(client: FlaskClient, product_id: int, quantity: int | str = 1) -> Any:
    """The "Ajouter" button of a product card."""
    return client.post(
        "/panier/ajouter", data={"product_id": product_id, "quantity": quantity, "next": "/"}
    )


def hidden(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, f"no hidden field {name} in the page"
    return html.unescape(match.group(1))


def checkout_form(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """The checkout form as the page renders it (hidden key and total), with ``fields``."""
    page = client.get("/commande")
    assert page.status_code == 200, page.headers.get("Location")
    text = page.get_data(as_text=True)
    data: dict[str, Any] = {
        "idempotency_key": hidden(text, "idempotency_key"),
        "expected_total": hidden(text, "expected_total"),
        "where": "home",
        "address": _first_address(text),
        "slot": "matin",
        "date": TUESDAY,
        "payment": "offline",
    }
    data.update(fields)
    return data


def _first_address(page: str) -> str:
    match = re.search(r'name="address"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="address"', page
    )
    return match.group(1) if match else "new"


def place_order(client: FlaskClient, **fields: Any) -> Any:
    """Submit the checkout page; returns the response (a redirect when the order is placed)."""
    return client.post("/commande", data=checkout_form(client, **fields))


def orders_of(db: Database, user_id: int) -> list[Order]:
    with db.uow() as uow:
        orders = list(uow.session.scalars(select(Order).where(Order.user_id == user_id)))
        for order in orders:
            _ = [(mo.merchant.trade_name, mo.lines, mo.history) for mo in order.merchant_orders]
        return orders


def sent(app: Flask) -> list[Mail]:
    box: list[Mail] = app.extensions["cabas_outbox"]
    return box
