"""Sending parcels back to their shop from the operator's page, and the merchant putting the
goods back on sale."""

from __future__ import annotations

from html import unescape as html_unescape

from flask import Flask
from flask.testing import FlaskClient

from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.orders.services import transition

from .backoffice import dropped_at_point, place_order
from .conftest import NOW, World, login

S = MerchantOrderStatus


def statuses(db: Database, order_id: int) -> list[S]:
    with db.uow() as uow:
        return [mo.status for mo in uow.session.get_one(Order, order_id).merchant_orders]


def moved(db: Database, order_id: int, *steps: S, reason: str = "") -> int:
    """Take the order's merchant order through ``steps``; its id."""
    with db.uow() as uow:
        (mo,) = uow.session.get_one(Order, order_id).merchant_orders
        mo_id = mo.id
    for step in steps:
        with db.uow() as uow:
            transition(
                uow=uow, merchant_order_id=mo_id, target=step, actor=Actor.system(),
                reason=reason, now=NOW,
            )  # fmt: skip
    return mo_id


def cake_stock(db: Database, world: World) -> int | None:
    with db.uow() as uow:
        return uow.session.get_one(Product, world.cake_id).stock_quantity


def test_the_operator_sends_parcels_nobody_came_for_back_to_the_shop(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    outbox = app.extensions["cabas_outbox"]
    login(client, world.operator_email)

    page = client.get("/admin/retraits").get_data(as_text=True)
    assert "Retourner à la boutique" in page and "Aucune livraison en échec." in page
    # The reason is mailed as typed: the field says so, and a screen reader reads it too.
    assert (
        f'<p class="hint" id="reason-{order.id}-hint">Envoyé tel quel au client et à la '
        "boutique, dans le courriel qui les prévient : écrivez-le pour eux.</p>"
    ) in html_unescape(page)
    assert f'aria-describedby="reason-{order.id}-hint"' in page

    refused = client.post(f"/admin/retraits/{order.id}/retour", data={"reason": " "})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Indiquez pourquoi les colis retournent à la boutique." in html
    assert f'aria-describedby="reason-{order.id}-hint reason-{order.id}-err"' in html
    assert '<details class="return-form" open>' in html
    assert statuses(db, order.id) == [S.DELIVERED]

    outbox.clear()
    done = client.post(
        f"/admin/retraits/{order.id}/retour",
        data={"reason": "Jamais venue la chercher"},
        follow_redirects=True,
    )
    html = done.get_data(as_text=True)
    assert "1 commande de boutique retournée : la boutique et le client sont prévenus." in html
    assert f'id="retrait-{order.id}"' not in html  # no longer waiting at the point
    assert statuses(db, order.id) == [S.RETURNED]
    (shopper,) = [m for m in outbox if m.to == world.shopper_email]
    assert shopper.subject == "Votre commande chez Boulangerie Lefebvre retourne à la boutique"
    assert "Motif : Jamais venue la chercher" in shopper.body
    assert "Vous ne paierez rien pour cette partie de la commande." in shopper.body
    (baker,) = [m for m in outbox if m.to == world.baker_email]
    assert "les colis reviennent à la boutique" in baker.subject
    assert "Les colis sont pour l'instant ici : Le Tiers-Lieu du Ternois." in baker.body
    assert "remettez-les ensuite en vente depuis la commande" in baker.body

    # The parcels still have to go back: the dashboard says so, the page from where to where.
    dashboard = client.get("/admin").get_data(as_text=True)
    assert '<span class="tile-number">1</span> commande à rapporter à sa boutique' in dashboard
    (mo_id,) = [mo.id for mo in order.merchant_orders]
    listed = done.get_data(as_text=True)
    assert "Colis à rapporter aux boutiques" in listed
    assert "à prendre : Le Tiers-Lieu du Ternois" in listed
    assert f'id="retour-{mo_id}"' in listed
    brought = client.post(f"/admin/retraits/retours/{mo_id}/rapportes", follow_redirects=True)
    html = brought.get_data(as_text=True)
    assert "Colis rapportés à la boutique." in html
    assert "Colis à rapporter aux boutiques" not in html
    twice = client.post(f"/admin/retraits/retours/{mo_id}/rapportes", follow_redirects=True)
    assert "Ces colis sont déjà revenus à la boutique." in twice.get_data(as_text=True)

    again = client.post(
        f"/admin/retraits/{order.id}/retour", data={"reason": "Deux fois"}, follow_redirects=True
    )
    assert "rien à retourner" in again.get_data(as_text=True)  # a second click, said once
    assert statuses(db, order.id) == [S.RETURNED]


def test_a_failed_delivery_is_listed_and_can_be_sent_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    moved(db, oid, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED, reason="Absent")
    login(client, world.operator_email)

    page = client.get("/admin/retraits").get_data(as_text=True)
    assert "Livraisons en échec" in page and "dernier motif : Absent" in page
    assert f'id="echec-{oid}"' in page and "Prochaine présentation prévue le" in page

    client.post(f"/admin/retraits/{oid}/retour", data={"reason": "Client injoignable"})

    assert statuses(db, oid) == [S.RETURNED]
    assert "Aucune livraison en échec." in client.get("/admin/retraits").get_data(as_text=True)


def test_the_merchant_puts_the_returned_goods_back_on_sale_once(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.cake_id: 1}, DeliveryMethod.PICKUP_POINT)
    mo_id = moved(db, oid, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED)
    assert cake_stock(db, world) == 1
    login(client, world.operator_email)
    client.post(f"/admin/retraits/{oid}/retour", data={"reason": "Jamais venue"})
    client.post("/logout")
    login(client, world.baker_email)

    page = client.get(f"/boutique/commandes/{mo_id}").get_data(as_text=True).replace("&#39;", "'")
    assert "Colis en retour vers la boutique" in page
    assert "Les colis sont encore ici : Le Tiers-Lieu du Ternois." in page
    assert "Remettre 1 article en vente" not in page  # not before they are back
    back = client.post(f"/boutique/commandes/{mo_id}/colis-recuperes", follow_redirects=True)
    page = back.get_data(as_text=True).replace("&#39;", "'")
    assert "Colis récupérés : décidez s'ils retournent en vente." in page
    assert "Colis revenus à la boutique" in page and "Remettre 1 article en vente" in page
    assert "(de : Le Tiers-Lieu du Ternois)" in page
    done = client.post(f"/boutique/commandes/{mo_id}/remise-en-vente", follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "1 article remis en vente." in html and "Remettre 1 article en vente" not in html
    assert "Les articles sont remis en vente." in html
    assert cake_stock(db, world) == 2

    twice = client.post(f"/boutique/commandes/{mo_id}/remise-en-vente", follow_redirects=True)
    assert "Ces articles sont déjà remis en vente." in twice.get_data(as_text=True)
    assert cake_stock(db, world) == 2


def test_the_return_form_speaks_english(client: FlaskClient, db: Database, world: World) -> None:
    dropped_at_point(db, world)
    login(client, world.operator_email)
    page = client.get("/admin/retraits?lang=en").get_data(as_text=True)
    assert "Send back to the shop" in page and "Failed deliveries" in page
