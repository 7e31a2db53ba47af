"""What the fuzzers found, pinned down: each case once, on both databases."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop_core.accounts.model import User
from shop_core.audit.model import AuditEntry
from shop_core.catalogue.model import Product
from shop_core.database import Database

from .api_support import Api, error_of
from .conftest import World, login


def test_a_nul_character_in_a_form_is_refused_in_french_and_nothing_is_saved(
    client: FlaskClient, db: Database, world: World
) -> None:
    # PostgreSQL text cannot hold NUL: this was a 500 there, a stored oddity on SQLite.
    login(client, world.shopper_email)

    response = client.post("/compte", data={"full_name": "Jeanne\x00Martin", "phone": ""})

    assert response.status_code == 400
    assert "caractère invalide" in response.get_data(as_text=True)
    with db.uow() as uow:
        assert uow.session.get_one(User, world.shopper_id).full_name == "Jeanne Martin"


def test_a_nul_character_in_a_query_or_a_path_is_a_400_or_a_404(
    client: FlaskClient, world: World
) -> None:
    assert client.get("/recherche?q=pain%00").status_code == 400
    assert client.get("/boutiques/boulangerie%00").status_code == 404
    assert client.post("/login", data={"email": "a\x00@b.fr", "password": "x"}).status_code == 400


def test_a_product_name_longer_than_the_audit_subject_is_saved_whole(
    app: Flask, db: Database, world: World
) -> None:
    # The audit entry's subject (120 characters) overflowed on PostgreSQL: a 500.
    api = Api(app)
    api.sign_in(world.baker_email)
    name = "Pain " + "très " * 25
    product = {"name": name, "price_cents": 390, "vat_rate": "5.5", "stock_quantity": 3}

    response = api.post("/api/v1/merchant/products", json=product)

    assert response.status_code == 201, response.get_json()
    with db.uow() as uow:
        assert uow.session.scalar(select(Product.name).where(Product.name == name.strip()))
        subject = uow.session.scalar(select(AuditEntry.subject).order_by(AuditEntry.id.desc()))
        assert subject is not None and len(subject) == 120 and subject.endswith("…")


def test_405_and_options_name_the_methods_of_the_address_only(app: Flask, world: World) -> None:
    client = app.test_client()

    traced = client.open("/api/v1/orders", method="TRACE")
    options = client.options("/api/v1/orders")
    html = client.open("/panier", method="DELETE")

    assert traced.status_code == 405 and traced.headers["Allow"] == "GET"
    assert options.status_code == 200
    assert set(options.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert html.status_code == 405 and "GET" in html.headers["Allow"]


def test_an_empty_page_size_is_refused_as_the_document_says(app: Flask, world: World) -> None:
    response = Api(app).get("/api/v1/products?per_page=")

    assert response.status_code == 422
    assert error_of(response)["field"] == "per_page"
