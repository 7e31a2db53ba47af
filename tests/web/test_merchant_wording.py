"""The merchant's pages in the merchant's words: a status says what to do or what became of
the order, and the total says who takes the money of this order."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app.merchant.statuses import history_step, order_state
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
)
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver
from shop_core.persistence.base import utcnow

from .backoffice import dropped_at_point, merchant_order_of, place_order
from .conftest import World, login

S = MerchantOrderStatus


def _text(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#39;", "'")


def _card(page: str, mo_id: int) -> str:
    start = page.index(f'id="commande-{mo_id}"')
    return _text(page[start : page.index("</article>", start)])


def test_a_new_order_is_to_accept_wherever_the_merchant_sees_it(
    client: FlaskClient, db: Database, world: World
) -> None:
    mo = merchant_order_of(db, place_order(db, world, {world.bread_id: 1}), world.baker_id)
    login(client, world.baker_email)

    pages = [client.get(url).get_data(as_text=True) for url in ("/boutique", "/boutique/commandes")]
    detail = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)

    for page in [*pages, detail]:
        assert '<span class="status status-placed">À accepter</span>' in page
        assert ">Passée<" not in page
    assert "— Commande reçue" in _text(detail)  # the history says what happened


def test_an_online_order_not_paid_yet_says_it_waits_for_its_payment(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1}, payment_method=PaymentMethod.ONLINE)
    mo = merchant_order_of(db, oid, world.baker_id)
    login(client, world.baker_email)

    detail = client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True)

    assert '"status status-placed">En attente du paiement en ligne</span>' in detail


def _order(status: S, payment: PaymentMethod = PaymentMethod.OFFLINE) -> MerchantOrder:
    return MerchantOrder(status=status, order=Order(payment_method=payment))


@pytest.mark.parametrize(
    ("status", "state"),
    [
        (S.PLACED, "À accepter"),
        (S.PAID, "À accepter"),  # paid online, still to accept
        (S.ACCEPTED, "Acceptée"),
        (S.PREPARING, "En préparation"),
        (S.READY, "Prête"),
        (S.HANDED_TO_COURIER, "Remise au livreur"),
        (S.PICKED_UP, "Retirée par le client"),
        (S.RETURNED, "Retournée à la boutique"),
    ],
)
def test_each_status_reads_as_the_shop_understands_it(app: Flask, status: S, state: str) -> None:
    with app.test_request_context():
        assert order_state(_order(status)) == state


@pytest.mark.parametrize(
    ("status", "step"),
    [(S.PLACED, "Commande reçue"), (S.PAID, "Payée en ligne"), (S.ACCEPTED, "Acceptée")],
)
def test_the_history_says_each_step(app: Flask, status: S, step: str) -> None:
    with app.test_request_context():
        assert history_step(status) == step


@pytest.mark.parametrize(
    ("method", "total", "line"),
    [
        (
            DeliveryMethod.HOME,
            "encaissé par le livreur chez le client",
            "À la livraison, encaissé par le livreur chez le client",
        ),
        (
            DeliveryMethod.PICKUP_POINT,
            "encaissé par le point de retrait",
            "Au point de retrait, encaissé par son équipe",
        ),
        (
            DeliveryMethod.CLICK_COLLECT,
            "à encaisser par vous au retrait",
            "À la boutique, à encaisser par vous au retrait",
        ),
    ],
)
def test_the_total_says_who_takes_the_money_of_this_order(
    client: FlaskClient,
    db: Database,
    world: World,
    method: DeliveryMethod,
    total: str,
    line: str,
) -> None:
    mo = merchant_order_of(db, place_order(db, world, {world.bread_id: 1}, method), world.baker_id)
    login(client, world.baker_email)

    card = _card(client.get("/boutique").get_data(as_text=True), mo.id)
    detail = _text(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))

    assert f"Total 3,50\u00a0€ {total}" in card
    assert "ou au point de retrait" not in card and "encaissée" not in card
    assert f"Paiement {line} " in detail


def test_an_order_paid_online_says_so_after_its_total(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1}, payment_method=PaymentMethod.ONLINE)
    mo = merchant_order_of(db, oid, world.baker_id)
    with db.uow() as uow:
        transition(uow=uow, merchant_order_id=mo.id, target=S.PAID, actor=Actor.system())
    login(client, world.baker_email)

    card = _card(client.get("/boutique").get_data(as_text=True), mo.id)

    assert "Total 3,50\u00a0€ payé en ligne" in card


def test_money_taken_at_a_pickup_point_is_said_to_be_kept_there_not_with_the_courier(
    client: FlaskClient, db: Database, world: World
) -> None:
    order = dropped_at_point(db, world)
    (mo,) = [mo for mo in order.merchant_orders if mo.merchant_id == world.baker_id]
    with db.uow() as uow:
        uow.session.add(
            OfflinePayment(
                merchant_order_id=mo.id,
                amount_cents=350,
                means=PaymentMeans.CASH,
                receiver=Receiver.POINT,
                received_at=utcnow(),
            )
        )
        uow.commit()
    login(client, world.baker_email)

    detail = _text(client.get(f"/boutique/commandes/{mo.id}").get_data(as_text=True))

    assert "le point de retrait le garde jusqu'à ce que la plateforme le récupère" in detail
    assert "livreur" not in detail.split("Paiement", 1)[1].split("Historique", 1)[0]
