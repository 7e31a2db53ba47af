"""While the operator orders for a shopper, online card payment is not offered, even when
the shop takes it: the shopper pays at delivery or pickup."""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient

from shop_core.database import Database

from . import test_stripe_payments as stripe_tests
from .conftest import World, login
from .shopping import add, orders_of, place_order

# The app with online payment configured against the local fake Stripe server.
app = stripe_tests.app
fake = stripe_tests.fake
pytestmark = pytest.mark.usefixtures("fake")

CARD = "Paiement par carte bancaire, en ligne maintenant"


def test_card_payment_is_offered_to_the_shopper_but_not_while_acting_for_them(
    client: FlaskClient, world: World, db: Database
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert CARD in html.unescape(client.get("/commande").get_data(as_text=True))
    client.post("/logout")

    login(client, world.operator_email)
    assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302
    assert CARD not in html.unescape(client.get("/commande").get_data(as_text=True))
    # A hand-made request asking for the card is refused, and nothing is ordered.
    response = place_order(client, payment="online")
    assert response.status_code == 200
    assert orders_of(db, world.shopper_id) == []
    assert place_order(client).status_code == 302
    [order] = orders_of(db, world.shopper_id)
    assert order.payment_method.value == "offline"
