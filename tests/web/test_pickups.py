"""The operator's page of parcels waiting at the pickup points: handing them over."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskClient

from shop_core.accounts.profile import set_locale
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus, Order

from .backoffice import dropped_at_point
from .conftest import NOW, World, login, shows_code

S = MerchantOrderStatus


def test_the_operator_hands_the_parcels_over_against_code_and_payment(
    client: FlaskClient, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    euros = "3,50\u00a0€"
    wrong = f"{(int(order.delivery_code) + 1) % 10000:04d}"
    login(client, world.operator_email)

    page = client.get("/admin/retraits").get_data(as_text=True)
    assert "Jeanne Martin" in page and order.reference in page
    assert f"À encaisser : {euros}" in page and f"Paiement reçu ({euros})" in page
    assert not shows_code(page, order.delivery_code)

    refused = client.post(f"/admin/retraits/{order.id}", data={"code": wrong, "means": "cash"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Code incorrect : demandez au client le code à 4 chiffres" in html
    assert f'value="{wrong}"' in html and 'value="cash" checked' in html
    forgot = client.post(f"/admin/retraits/{order.id}", data={"code": order.delivery_code})
    assert forgot.status_code == 422
    assert "Indiquez comment le client a payé : espèces ou chèque." in forgot.get_data(as_text=True)

    done = client.post(
        f"/admin/retraits/{order.id}",
        data={"code": order.delivery_code, "means": "cash"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert f"Commande {order.reference} remise à Jeanne Martin." in html
    assert "Aucun colis n&#39;attend aux points de retrait." in html or (
        "Aucun colis n'attend aux points de retrait." in html
    )
    with db.uow() as uow:
        statuses = [mo.status for mo in uow.session.get_one(Order, order.id).merchant_orders]
    assert statuses == [S.PICKED_UP]


def test_the_page_is_in_english_too(client: FlaskClient, db: Database, world: World) -> None:
    dropped_at_point(db, world)
    login(client, world.operator_email)
    page = client.get("/admin/retraits?lang=en").get_data(as_text=True)
    assert "Parcels at the pickup points" in page and "Payment received" in page


def test_shoppers_are_reminded_of_parcels_waiting_three_and_seven_days(
    app: Flask, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)  # arrived on Monday 23 November
    outbox = app.extensions["cabas_outbox"]
    runner = app.test_cli_runner()
    sent: dict[int, list[str]] = {}

    for days in (2, 3, 4, 7):
        app.config["FIXED_NOW"] = NOW + dt.timedelta(days=days)
        outbox.clear()
        result = runner.invoke(args=["remind-pickups"])
        assert result.exit_code == 0, result.output
        sent[days] = [m.body for m in outbox if m.to == world.shopper_email]

    assert [len(sent[d]) for d in (2, 3, 4, 7)] == [0, 1, 0, 1]
    body = sent[7][0]
    assert (
        f"Votre commande {order.reference} vous attend au point de retrait depuis 7 jours." in body
    )
    assert f"Code de remise : {order.delivery_code}" in body
    assert "Montant à payer au retrait : 3,50\u00a0€ (en espèces ou par chèque)" in body
    assert "Le Tiers-Lieu du Ternois" in body
    assert "- Boulangerie Lefebvre" in body


def test_no_reminder_once_the_parcels_are_collected(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{order.id}", data={"code": order.delivery_code, "means": "cash"})
    app.config["FIXED_NOW"] = NOW + dt.timedelta(days=3)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    result = app.test_cli_runner().invoke(args=["remind-pickups"])

    assert "0 rappel(s) envoyé(s)." in result.output
    assert [m for m in outbox if m.to == world.shopper_email] == []


def test_a_shopper_who_reads_english_is_reminded_in_english(
    app: Flask, db: Database, world: World
) -> None:
    with db.uow() as uow:
        set_locale(uow=uow, user_id=world.shopper_id, locale="en")
    order = dropped_at_point(db, world)
    app.config["FIXED_NOW"] = NOW + dt.timedelta(days=3)
    outbox = app.extensions["cabas_outbox"]
    outbox.clear()

    app.test_cli_runner().invoke(args=["remind-pickups"])

    (mail,) = [m for m in outbox if m.to == world.shopper_email]
    assert mail.subject == f"Your order {order.reference} is waiting for you at the pickup point"
    assert "has been waiting for you at the pickup point for 3 days." in mail.body
    assert "Amount to pay on collection: €3.50 (in cash or by cheque)" in mail.body
