"""What the online payment pages show: wording and layout rules found by looking at them."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_core.database import Database

from . import test_stripe_payments as stripe_tests
from .conftest import World, login
from .shopping import add, sent

# The app with online payment configured against the local fake Stripe server.
app = stripe_tests.app
fake = stripe_tests.fake
pytestmark = pytest.mark.usefixtures("fake")


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def test_checkout_explains_card_payment_apart_from_payment_at_delivery(
    client: FlaskClient,
    world: World,
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id, 1)

    page = _page(client, "/commande")

    assert "Paiement par carte bancaire, en ligne maintenant" in page
    assert "page sécurisée de notre prestataire Stripe" in page
    # The "nothing is paid online" hint belongs to payment at delivery only.
    assert page.count("Rien n'est payé en ligne") == 1


def test_waiting_page_has_the_shop_stylesheet_and_says_the_amount(
    client: FlaskClient,
    world: World,
    db: Database,
) -> None:
    stripe_tests.pay_online(client, world, {world.bread_id: 2})
    order = stripe_tests.the_order(db)

    page = _page(client, f"/commande/{order.reference}/paiement")

    assert "css/shopfront.css" in page
    assert 'http-equiv="refresh"' in page
    assert order.reference in page and "Montant" in page


def test_merchant_payments_page_keeps_the_back_office_menu(
    client: FlaskClient,
    world: World,
) -> None:
    login(client, world.baker_email)

    page = _page(client, "/boutique/paiements")

    assert 'class="bo-nav"' in page
    assert 'aria-current="page">Paiements</a>' in page


def test_with_online_payment_the_shop_is_told_where_its_transfers_will_show(
    client: FlaskClient,
    world: World,
) -> None:
    login(client, world.baker_email)

    page = _page(client, "/boutique/paiements")

    assert "Virements des commandes payées en ligne" in page
    assert "dès votre première commande payée en ligne" in page


def test_operator_payments_page_claims_no_balance_before_any_online_order(
    client: FlaskClient,
    world: World,
) -> None:
    login(client, world.operator_email)

    page = _page(client, "/admin/paiements")

    assert "Pas encore de paiement en ligne" in page
    assert "s'équilibrent" not in page


def test_an_order_paid_online_is_not_said_to_be_paid_at_delivery(
    app: Flask, client: FlaskClient, world: World, db: Database
) -> None:
    stripe_tests.pay_online(client, world, {world.bread_id: 1})
    order = stripe_tests.the_order(db)

    page = _page(client, f"/mes-commandes/{order.reference}")

    assert "Par carte bancaire, en ligne : paiement en attente" in page
    assert "À la livraison ou au retrait" not in page
    bodies = "\n".join(m.body for m in sent(app))
    assert "Paiement : par carte bancaire, en ligne" in bodies
    assert "Paiement : à la livraison ou au retrait." not in bodies
