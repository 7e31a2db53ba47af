"""One order's page for the operator (/admin/commandes/<reference>): what they tell a
shopper who phones — who ordered and how to reach them, each shop's part, its status and
history, a failed delivery and why, a return and where the parcels are, the round of a
planned day — for the operator of the order's territory only."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from reference_app.formatting import elides
from shop_core.accounts.model import User
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.delivery_codes import check_code
from shop_core.orders.model import MerchantOrder, Order
from shop_core.orders.services import transition
from shop_core.payments.model import PaymentMeans, Receiver
from shop_core.payments.offline import take_payment

from .backoffice import S, merchant_order_of, place_order
from .conftest import NOW, World, login, only_the_operator_reaches
from .rounds_setup import SYSTEM, add_fleet, configure, make_ready, plan
from .test_operator_orders import elsewhere


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def plain(page: str) -> str:
    """The page's text without tags, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def reference(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).reference


def code(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).delivery_code


def page_of(client: FlaskClient, db: Database, order_id: int) -> str:
    response = client.get(f"/admin/commandes/{reference(db, order_id)}")
    assert response.status_code == 200, text(response)[:2000]
    return text(response)


def part(page: str, shop: str) -> str:
    """The section of one shop's part."""
    start = page.index(f'>{shop} <span class="status')
    return page[start : page.index("</section>", start)]


def fail_delivery(
    db: Database, world: World, order_id: int, reason: str, merchant_id: int | None = None
) -> None:
    """The baker's part (or ``merchant_id``'s) goes out with the courier, who finds nobody
    at the door."""
    mo = merchant_order_of(db, order_id, merchant_id or world.baker_id)
    with db.uow() as uow:
        for step in (S.ACCEPTED, S.READY):
            transition(uow=uow, merchant_order_id=mo.id, target=step, actor=Actor.system(), now=NOW)
        courier = Actor(user_id=world.courier_id)
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.HANDED_TO_COURIER, actor=courier, now=NOW
        )
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.DELIVERY_FAILED, actor=courier,
            reason=reason, now=NOW,
        )  # fmt: skip


# --- who may see it -------------------------------------------------------------------------


def test_only_the_operator_of_the_territory_sees_an_order(
    client: FlaskClient, db: Database, world: World
) -> None:
    url = f"/admin/commandes/{reference(db, place_order(db, world, {world.bread_id: 1}))}"
    only_the_operator_reaches(client, world, url)


def test_another_territorys_order_and_an_unknown_reference_are_not_found(
    client: FlaskClient, db: Database, world: World
) -> None:
    theirs = elsewhere(db, world)
    login(client, world.operator_email)
    assert client.get(f"/admin/commandes/{theirs}").status_code == 404
    assert client.get("/admin/commandes/TER-000000-ZZZZZZ").status_code == 404


# --- what it shows --------------------------------------------------------------------------


def test_the_list_opens_the_order_page_which_shows_the_shopper_the_delivery_and_each_shop(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 2, world.apples_id: 1})
    ref = reference(db, oid)
    login(client, world.operator_email)

    listing = text(client.get("/admin/commandes"))
    assert f'href="/admin/commandes/{ref}">{ref}</a>' in listing

    page = page_of(client, db, oid)
    words = plain(page)
    assert f'href="/admin/clients/{world.shopper_id}">Jeanne Martin</a>' in page
    assert 'href="tel:0601020304"' in page
    assert "jeanne@example.fr" in page
    assert f"Code de remise {code(db, oid)}" in words
    assert "Livraison à domicile" in words and "3 rue des Tilleuls" in words
    assert "À la livraison, au livreur, en espèces ou par chèque" in words
    # The sheet to print stays one click away, and the round board of the day.
    assert f'href="/admin/clients/{world.shopper_id}/commandes/{ref}/fiche"' in page
    assert 'href="/admin/tournees?date=2026-11-24"' in page
    bakery = plain(part(page, "Boulangerie Lefebvre"))
    assert "À accepter" in bakery
    assert "2 × Pain de campagne" in bakery
    assert "Passée — Jeanne Martin (client)" in bakery
    assert "Pas encore sur une tournée" in bakery
    assert "Pommes Reinette" in plain(part(page, "Ferme du Ternois"))


def test_a_failed_delivery_says_why_who_found_it_and_offers_to_send_it_back(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    fail_delivery(db, world, oid, "Client absent : personne au portail")
    login(client, world.operator_email)

    bakery = part(page_of(client, db, oid), "Boulangerie Lefebvre")

    words = plain(bakery)
    assert "Échec de livraison" in words
    assert "Livraison impossible : Client absent : personne au portail" in words
    assert "par Marc Facteur (livreur)" in words
    assert f'href="/admin/retraits#echec-{oid}">Retourner à la boutique</a>' in bakery
    assert "Remise au livreur — Marc Facteur (livreur)" in words


def test_a_returned_order_says_why_and_where_its_parcels_are_and_shows_no_code(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    fail_delivery(db, world, oid, "Client absent")
    login(client, world.operator_email)
    sent = client.post(f"/admin/retraits/{oid}/retour", data={"reason": "Injoignable"})
    assert sent.status_code == 302

    page = page_of(client, db, oid)

    words = plain(page)
    assert "Aucune boutique ne sert plus cette commande" in words
    assert "Code de remise" not in words and code(db, oid) not in words
    bakery = plain(part(page, "Boulangerie Lefebvre"))
    assert "Retournée à la boutique" in bakery
    assert "Motif : Injoignable" in bakery
    assert "Les colis sont encore ici : Au dépôt, avec le livreur." in bakery
    assert "Retournée — Sophie Animatrice (animation) : Injoignable" in bakery
    assert "Livraison impossible" not in bakery  # it is history now, not the state


def test_a_part_paid_by_hand_says_how_much_how_when_and_who_holds_the_money(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = place_order(db, world, {world.bread_id: 1})
    mo = merchant_order_of(db, oid, world.baker_id)
    courier = Actor(user_id=world.courier_id)  # takes the money, and only that here
    with db.uow() as uow:
        for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER):
            transition(uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, now=NOW)
        order = uow.session.get_one(Order, oid)
        transition(
            uow=uow, merchant_order_id=mo.id, target=S.DELIVERED, actor=SYSTEM, now=NOW,
            checked=check_code([order], order.delivery_code),
        )  # fmt: skip
        take_payment(
            uow.session, merchant_order=uow.session.get_one(MerchantOrder, mo.id),
            means=PaymentMeans.CHEQUE, actor=courier, now=NOW, receiver=Receiver.COURIER,
        )  # fmt: skip
        uow.commit()
    login(client, world.operator_email)

    bakery = plain(part(page_of(client, db, oid), "Boulangerie Lefebvre"))

    assert "Livrée" in bakery
    assert (
        "3,50 € payés par chèque le 23 novembre 2026 à 9 h 00, reçus par Marc Facteur "
        "(livreur) · pas encore remis à la plateforme"
    ) in bakery


def test_a_planned_day_names_the_round_the_courier_and_when_they_should_come(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    configure(app)
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    plan(db, world)
    login(client, world.operator_email)

    bakery = plain(part(page_of(client, db, oid), "Boulangerie Lefebvre"))

    assert re.search(
        r"Le livreur devrait passer chez le client entre \d+ h( \d+)? et \d+ h( \d+)?\.", bakery
    )
    assert "Collecte à la boutique · tournée « Saint-Pol matin », Marc Facteur · prévu vers" in (
        bakery
    )
    assert "Livraison chez le client · tournée « Saint-Pol matin », Marc Facteur" in bakery


def test_the_page_issues_as_many_queries_for_two_shops_and_more_lines_as_for_one(
    app: Flask, client: FlaskClient, db: Database, world: World
) -> None:
    small = place_order(db, world, {world.bread_id: 1})
    fail_delivery(db, world, small, "Client absent")
    large = place_order(db, world, {world.bread_id: 1, world.cake_id: 1, world.apples_id: 2})
    fail_delivery(db, world, large, "Client absent")
    fail_delivery(db, world, large, "Client absent", world.farmer_id)
    login(client, world.operator_email)
    counted: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counted.append(statement)

    engine = app.extensions["cabas_db"].engine
    counts = []
    for oid in (small, large):
        page_of(client, db, oid)  # warm up
        counted.clear()
        event.listen(engine, "before_cursor_execute", seen)
        page_of(client, db, oid)
        event.remove(engine, "before_cursor_execute", seen)
        counts.append(len(counted))
    assert counts[0] == counts[1], counts


# --- « de » before a name -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "elided"),
    [
        ("Élodie Carpentier", True),
        ("Anne", True),
        ("Œdipe", True),
        ("Hélène Roux", True),
        ("Yves", True),
        ("Jeanne Martin", False),
        ("Yann", False),
        ("Hdz", False),
        ("", False),
    ],
)
def test_de_is_elided_before_a_vowel_or_a_mute_h(name: str, elided: bool) -> None:
    assert elides(name) is elided


def elodies_order(db: Database, world: World) -> int:
    """The shopper renamed Élodie Carpentier, and an order of hers; its id."""
    with db.uow() as uow:
        uow.session.get_one(User, world.shopper_id).full_name = "Élodie Carpentier"
        uow.commit()
    oid = place_order(db, world, {world.bread_id: 1})
    with db.uow() as uow:
        uow.session.get_one(Order, oid).customer_name = "Élodie Carpentier"
        uow.commit()
    return oid


def test_the_printed_sheet_of_elodie_reads_commande_d_elodie(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = elodies_order(db, world)
    login(client, world.operator_email)

    sheet = text(
        client.get(f"/admin/clients/{world.shopper_id}/commandes/{reference(db, oid)}/fiche")
    )

    assert '<h1 id="fiche">Commande d\'Élodie Carpentier</h1>' in sheet


def test_the_operator_ordering_for_elodie_reads_d_elodie_on_her_confirmation_orders_and_account(
    client: FlaskClient, db: Database, world: World
) -> None:
    oid = elodies_order(db, world)
    login(client, world.operator_email)
    assert client.post(f"/admin/clients/{world.shopper_id}/agir").status_code == 302

    confirmation = text(client.get(f"/commande/{reference(db, oid)}/confirmation"))
    assert "Commande d'Élodie Carpentier enregistrée" in confirmation
    assert "<h1>Commandes d'Élodie Carpentier</h1>" in text(client.get("/mes-commandes"))
    assert "pas celui d'Élodie Carpentier, pour qui vous commandez" in text(client.get("/compte"))
