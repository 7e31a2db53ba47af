"""Ids smuggled where the matrix does not look: the session's chosen shop, assisted mode,
form fields and API bodies that name another territory's product or pickup point."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from shop_core.database import Database
from shop_core.orders.model import Order
from shop_core.territories.services import add_commune, add_pickup_point
from shop_core.testing.factories import make_merchant, make_product

from .api_support import Api
from .conftest import NOW, World, login
from .shopping import add, checkout_form


def _foreign(db: Database, world: World) -> tuple[int, int]:
    """A product and a pickup point of the other territory (ids that exist, elsewhere)."""
    with db.uow() as uow:
        shop = make_merchant(uow, territory_id=world.other_territory_id, name="Marée de Berck")
        product = make_product(uow, merchant_id=shop, name="Moules de bouchot")
        add_commune(
            uow=uow, territory_id=world.other_territory_id, insee_code="62108",
            postal_code="62600", name="Berck", lat=50.41466, lon=1.58098,
        )  # fmt: skip
        point = add_pickup_point(
            uow=uow,
            territory_id=world.other_territory_id,
            name="Mairie de Berck",
            kind="mairie",
            address="1 place de la Mairie",
            postal_code="62600",
            city="Berck",
            insee_code="62108",
            lat=50.40,
            lon=1.59,
        )
    return product, point


def test_a_shop_chosen_in_the_session_must_be_one_the_staff_works_for(
    client: FlaskClient, world: World
) -> None:
    login(client, world.baker_email)
    with client.session_transaction() as session:
        session["merchant_id"] = world.farmer_id  # not the baker's shop

    assert client.get(f"/boutique/produits/{world.roast_id}").status_code == 404
    assert client.get(f"/boutique/produits/{world.bread_id}").status_code == 200


def test_acting_for_one_shop_does_not_reach_another_shops_objects(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    assert client.post(f"/admin/boutiques/{world.baker_id}/agir").status_code == 302

    assert client.get(f"/boutique/produits/{world.bread_id}").status_code == 200
    assert client.get(f"/boutique/produits/{world.roast_id}").status_code == 404
    archived = client.post(f"/boutique/produits/{world.roast_id}/archiver")
    assert archived.status_code == 404


def test_another_territorys_product_cannot_be_put_in_a_basket(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    product, _ = _foreign(db, world)
    login(client, world.shopper_email)

    assert add(client, product).status_code == 404
    api = Api(app)
    api.sign_in(world.shopper_email)
    response = api.post("/api/v1/basket/items", json={"product_id": product, "quantity": 1})
    assert response.status_code in (404, 422)
    assert api.get("/api/v1/basket").get_json()["item_count"] == 0


def test_another_territorys_pickup_point_cannot_be_chosen_at_checkout(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    app.config["FIXED_NOW"] = NOW
    _, point = _foreign(db, world)
    login(client, world.shopper_email)
    add(client, world.bread_id)

    response = client.post("/commande", data=checkout_form(client, where=f"point-{point}"))

    assert response.status_code == 200  # the form again, with the choice refused
    assert "Choisissez une des possibilités proposées." in response.get_data(as_text=True)
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Order)) == 0
