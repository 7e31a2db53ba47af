"""Ordering for a shopper (« commande assistée »): the operator finds or registers a shopper,
acts for them through the ordinary shopfront, and reads out the code once ordered."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop_core.accounts.model import Role, User
from shop_core.audit.model import AuditEntry
from shop_core.database import Database
from shop_core.testing.factories import make_user

from .conftest import NOW, World, login
from .shopping import add, orders_of, place_order, sent


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def page_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def act_for(client: FlaskClient, world: World, shopper_id: int | None = None) -> None:
    login(client, world.operator_email)
    response = client.post(f"/admin/clients/{shopper_id or world.shopper_id}/agir")
    assert response.status_code == 302, page_of(response)[:500]


def actions(db: Database, prefix: str) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.startswith(prefix))
                .order_by(AuditEntry.id)
            )
        )


def test_the_operator_finds_a_shopper_by_name_or_phone(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).phone = "06 11 22 33 44"
        uow.commit()
    login(client, world.operator_email)
    for query in ("martin", "0611223344"):
        page = page_of(client.get("/admin/clients", query_string={"q": query}))
        assert "1 client trouvé" in page
        assert "Jeanne Martin" in page
        assert f"/admin/clients/{world.shopper_id}/agir" in page


def test_acting_for_a_shopper_shows_a_banner_on_every_page_until_ended(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    for path in ("/", "/panier", "/admin/clients"):
        page = page_of(client.get(path))
        assert 'class="acting-banner acting-shopper" role="status"' in page, path
        assert "Vous commandez pour Jeanne Martin" in page, path
    response = client.post("/admin/clients/agir/fin")
    assert response.status_code == 302
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]


def test_an_order_taken_for_a_shopper_is_theirs_and_records_the_operator(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    act_for(client, world)
    add(client, world.bread_id, 2)
    response = place_order(client)
    assert response.status_code == 302, page_of(response)[:2000]
    [order] = orders_of(db, world.shopper_id)
    assert order.placed_by_id == world.operator_id
    assert order.payment_method.value == "offline"
    assert orders_of(db, world.operator_id) == []
    assert actions(db, "order.") == ["order.placed_for_shopper"]
    # The shopper has an e-mail: they get the usual confirmation.
    assert any(m.to == world.shopper_email for m in sent(app))

    page = page_of(client.get(response.headers["Location"]))
    assert "À lire à Jeanne Martin" in page
    assert " ".join(order.delivery_code) in page
    assert "en espèces ou par chèque" in page
    assert f"/commande/{order.reference}/fiche" in page
    sheet = page_of(client.get(f"/commande/{order.reference}/fiche"))
    assert order.delivery_code in sheet
    assert "Commande prise par l'animation pour le client" in sheet


def test_the_merchant_sees_that_the_operator_took_the_order(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    act_for(client, world)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    [order] = orders_of(db, world.shopper_id)
    baker = app.test_client()
    login(baker, world.baker_email)
    page = page_of(baker.get(f"/boutique/commandes/{order.merchant_orders[0].id}"))
    assert "Commande prise par l'animation pour le client" in page


def test_a_shopper_without_email_is_registered_ordered_for_and_sent_nothing(
    client: FlaskClient, world: World, db: Database, app: Flask
) -> None:
    login(client, world.operator_email)
    response = client.post(
        "/admin/clients/nouveau",
        data={
            "full_name": "Mme Odette Leroy",
            "phone": "03 21 00 00 01",
            "email": "",
            "line1": "2 rue de l'Église",
            "postal_code": "62130",
            "city": "Saint-Pol-sur-Ternoise",
        },
    )
    assert response.status_code == 302, page_of(response)[:3000]
    with db.uow() as uow:
        odette = uow.session.scalars(select(User).where(User.full_name == "Mme Odette Leroy")).one()
        assert (odette.email, odette.role) == (None, Role.SHOPPER)
    assert "Vous commandez pour Mme Odette Leroy" in page_of(client.get("/"))
    before = len(sent(app))
    add(client, world.bread_id)
    response = place_order(client)
    assert response.status_code == 302, page_of(response)[:3000]
    [order] = orders_of(db, odette.id)
    assert (order.customer_email, order.customer_phone) == ("", "03 21 00 00 01")
    assert len(sent(app)) == before + 1  # the shop's e-mail only
    assert "aucun message n'est envoyé" in page_of(client.get(response.headers["Location"]))
    # Without an e-mail, nobody can log in to that account.
    client.post("/admin/clients/agir/fin")
    other = app.test_client()
    assert other.post("/login", data={"email": "", "password": ""}).status_code != 302


def test_the_operator_cannot_act_for_another_territorys_shopper_nor_for_staff(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        stranger = make_user(uow, territory_id=world.other_territory_id, name="Jeanne Martin")
    login(client, world.operator_email)
    for user_id in (stranger, world.baker_user_id, world.courier_id, world.other_operator_id):
        assert client.post(f"/admin/clients/{user_id}/agir").status_code == 404, user_id
    assert "Vous commandez pour" not in page_of(client.get("/"))
    page = page_of(client.get("/admin/clients", query_string={"q": "Jeanne"}))
    assert "1 client trouvé" in page  # territory X's Jeanne only


def test_a_shopper_cannot_act_for_another(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    assert client.post(f"/admin/clients/{world.shopper2_id}/agir").status_code == 403


def test_logging_out_ends_acting_for_the_shopper(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    client.post("/logout")
    login(client, world.operator_email)
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]


def test_acting_for_a_merchant_ends_acting_for_a_shopper(
    client: FlaskClient, world: World, db: Database
) -> None:
    act_for(client, world)
    client.post(f"/admin/boutiques/{world.baker_id}/agir")
    assert "Vous commandez pour" not in page_of(client.get("/"))
    assert actions(db, "shopper.assist") == ["shopper.assist_start", "shopper.assist_stop"]
