"""An order paid by hand says who takes the money, by the rule of the confirmation e-mail:
the courier at the door for a home delivery, the pickup point's staff for a pickup point, the
shop at its counter for a click and collect. Only the basket, not tied to a way of receiving
it yet, speaks of all of them."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, Order, PaymentStatus

from .backoffice import place_order
from .conftest import NOW, World, login
from .shopping import add

HOME, POINT, COLLECT = (
    DeliveryMethod.HOME,
    DeliveryMethod.PICKUP_POINT,
    DeliveryMethod.CLICK_COLLECT,
)
MEANS = "en espèces ou par chèque"


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def plain(response: Any) -> str:
    """The page's text without tags, spaces folded."""
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200, page[:2000]
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("\u00a0", " ").split())


def reference(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).reference


def mark_paid_by_hand(db: Database, order_id: int) -> None:
    """As the last hand payment leaves it (``payments.offline.mark_paid_if_settled``)."""
    with db.uow() as uow:
        uow.session.get_one(Order, order_id).payment_status = PaymentStatus.PAID
        uow.commit()


@pytest.mark.parametrize(
    ("method", "to_pay", "on_confirmation", "on_sheet"),
    [
        (
            HOME,
            f"À la livraison, au livreur, {MEANS}",
            "à payer au livreur, à la livraison",
            f"Vous payez {MEANS} au livreur, à la livraison.",
        ),
        (
            COLLECT,
            f"Au retrait, en boutique, {MEANS}",
            "à payer en boutique, quand vous retirez votre commande",
            f"Vous payez {MEANS} en boutique, quand vous retirez votre commande.",
        ),
        (
            POINT,
            f"Au retrait, au point de retrait, {MEANS}",
            "à payer au point de retrait, quand vous retirez votre commande",
            f"Vous payez {MEANS} au point de retrait, quand vous retirez votre commande.",
        ),
    ],
)
def test_an_order_to_pay_by_hand_says_who_takes_the_money(
    client: FlaskClient,
    db: Database,
    world: World,
    method: DeliveryMethod,
    to_pay: str,
    on_confirmation: str,
    on_sheet: str,
) -> None:
    ref = reference(db, place_order(db, world, {world.bread_id: 1}, method))
    login(client, world.shopper_email)

    confirmation = plain(client.get(f"/commande/{ref}/confirmation"))
    mine = plain(client.get(f"/mes-commandes/{ref}"))
    sheet = plain(client.get(f"/commande/{ref}/fiche"))

    assert on_confirmation in confirmation and to_pay in confirmation
    assert to_pay in mine
    assert on_sheet in sheet and to_pay in sheet
    for page in (confirmation, mine, sheet):
        assert "ou au retrait" not in page


@pytest.mark.parametrize(
    ("method", "paid", "on_sheet"),
    [
        (HOME, "Payée à la livraison, au livreur", "Rien à payer au livreur."),
        (COLLECT, "Payée au retrait, en boutique", "Rien à payer en boutique."),
        (POINT, "Payée au retrait, au point de retrait", "Rien à payer au point de retrait."),
    ],
)
def test_an_order_paid_by_hand_says_where_it_was_paid(
    client: FlaskClient,
    db: Database,
    world: World,
    method: DeliveryMethod,
    paid: str,
    on_sheet: str,
) -> None:
    order_id = place_order(db, world, {world.bread_id: 1}, method)
    mark_paid_by_hand(db, order_id)
    ref = reference(db, order_id)
    login(client, world.shopper_email)

    mine = plain(client.get(f"/mes-commandes/{ref}"))
    sheet = plain(client.get(f"/commande/{ref}/fiche"))

    assert paid in mine and paid in sheet and on_sheet in sheet
    assert "ou au retrait" not in mine and "ou au retrait" not in sheet


@pytest.mark.parametrize(
    ("method", "read_out"),
    [
        (HOME, f"Montant à payer : 3,50 €, {MEANS}, au livreur, à la livraison."),
        (
            COLLECT,
            f"Montant à payer : 3,50 €, {MEANS}, en boutique, quand vous retirez votre commande.",
        ),
    ],
)
def test_what_the_operator_reads_out_and_sees_says_who_takes_the_money(
    client: FlaskClient, db: Database, world: World, method: DeliveryMethod, read_out: str
) -> None:
    ref = reference(db, place_order(db, world, {world.bread_id: 1}, method))
    login(client, world.operator_email)
    assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302

    confirmation = plain(client.get(f"/commande/{ref}/confirmation"))
    client.post("/admin/clients/agir/fin")
    operators = plain(client.get(f"/admin/commandes/{ref}"))

    assert "À lire à Jeanne Martin" in confirmation and read_out in confirmation
    to_pay = "À la livraison, au livreur" if method is HOME else "Au retrait, en boutique"
    # Once, in the payment's section: the summary of the delivery said it again.
    assert operators.count(f"{to_pay}, {MEANS}") == 1
    # What is read out; the banner above, for any order taken over the phone, says both.
    said = confirmation.split("À lire à", 1)[1].split("Fiche à imprimer", 1)[0]
    assert "ou au retrait" not in said and "ou au retrait" not in operators


def test_the_basket_names_the_card_only_where_the_checkout_offers_one(
    app: Flask,
    client: FlaskClient,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    by_hand = "Vous payez à la livraison ou au retrait."
    assert by_hand in plain(client.get("/panier"))

    monkeypatch.setitem(app.extensions, "cabas_payments", object())  # a payment gateway
    basket = plain(client.get("/panier"))
    assert (
        "Vous payez par carte bancaire en ligne, ou à la livraison ou au retrait : "
        "vous choisissez en passant commande."
    ) in basket
    assert by_hand not in basket

    client.post("/logout")
    login(client, world.operator_email)  # over the phone, an order is paid by hand
    assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302
    add(client, world.bread_id)
    assert by_hand in plain(client.get("/panier"))


@pytest.mark.parametrize(
    ("method", "kept", "on_sheet", "read_out"),
    [
        (
            HOME,
            "vous le donnerez au livreur, ou au point de retrait si le colis y est déposé en "
            "votre absence.",
            "Donnez ce code au livreur, ou au point de retrait si le colis y est déposé en "
            "votre absence.",
            "vous le donnerez au livreur, ou au point de retrait si le colis y est déposé en "
            "votre absence.",
        ),
        (
            POINT,
            "vous le donnerez au point de retrait quand vous retirerez votre commande.",
            "Donnez ce code au point de retrait, quand vous retirez votre commande.",
            "vous le donnerez au point de retrait, quand vous retirerez votre commande.",
        ),
        (
            COLLECT,
            "montrez-le en boutique quand vous retirez votre commande.",
            "Donnez ce code en boutique, quand vous retirez votre commande.",
            "vous le donnerez en boutique, quand vous retirerez votre commande.",
        ),
    ],
)
def test_the_delivery_code_says_to_whom_it_is_given(
    client: FlaskClient,
    db: Database,
    world: World,
    method: DeliveryMethod,
    kept: str,
    on_sheet: str,
    read_out: str,
) -> None:
    """« au livreur, au point de retrait ou en boutique » was said of every order, a click
    and collect too; the code now goes to whoever hands that order over."""
    ref = reference(db, place_order(db, world, {world.bread_id: 1}, method))
    login(client, world.operator_email)
    assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302

    confirmation = plain(client.get(f"/commande/{ref}/confirmation"))
    sheet = plain(client.get(f"/commande/{ref}/fiche"))

    said = confirmation.split("À lire à", 1)[1].split("Fiche à imprimer", 1)[0]
    assert read_out in said
    assert kept in confirmation
    assert on_sheet in sheet
    for page in (confirmation, sheet):
        assert "au point de retrait ou en boutique" not in page
