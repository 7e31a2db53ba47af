"""« Mes commandes »: the list, one order's progress, cancelling what has not left the shop."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from reference_app.auth import users
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus
from shop_core.orders.services import transition
from shop_core.testing.factories import shoppers_code

from .conftest import NOW, PASSWORD, World, login, shows_code
from .shopping import add, orders_of, place_order

S = MerchantOrderStatus


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def page_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def order_two_merchants(client: FlaskClient, world: World, db: Database) -> str:
    login(client, world.shopper_email)
    add(client, world.cake_id, 1)
    add(client, world.apples_id, 2)
    assert place_order(client).status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    return order.reference


def move(db: Database, mo_id: int, *targets: S, reason: str = "") -> None:
    with db.uow() as uow:
        for target in targets:
            transition(
                uow=uow, merchant_order_id=mo_id, target=target, actor=Actor.system(),
                reason=reason, checked=shoppers_code(uow, mo_id),  # the code, where it is asked
            )  # fmt: skip


def test_my_orders_require_login(client: FlaskClient, world: World) -> None:
    response = client.get("/mes-commandes")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_confirmation_opened_logged_out_comes_back_to_itself_after_login(
    client: FlaskClient, app: Flask, world: World, db: Database
) -> None:
    # Was « Connectez-vous … pour passer commande. Votre panier est conservé. », then the
    # checkout after logging in: a bookmarked confirmation led to an empty basket.
    reference = order_two_merchants(client, world, db)
    other = app.test_client()
    url = f"/commande/{reference}/confirmation"
    response = other.get(url, follow_redirects=True)
    page = page_of(response)
    assert "Connectez-vous pour accéder à cette page." in page
    assert "pour passer commande" not in page
    response = other.post(
        f"/login?next={url}", data={"email": world.shopper_email, "password": PASSWORD}
    )
    assert response.headers["Location"] == url


def test_the_login_request_is_worded_through_the_catalogue(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch, world: World
) -> None:
    # Flask-Login flashed « Connectez-vous pour accéder à cette page. » as it was set: in
    # French on English pages.
    looked_up: list[str] = []

    def fake_gettext(message: str) -> str:
        looked_up.append(message)
        return "Log in to see this page."

    monkeypatch.setattr(users, "gettext", fake_gettext)
    assert app.login_manager.login_message == users.LOGIN_MESSAGE  # type: ignore[attr-defined]
    page = page_of(client.get("/mes-commandes?lang=en", follow_redirects=True))
    assert looked_up == [users.LOGIN_MESSAGE]
    assert "Log in to see this page." in page


def test_my_orders_list_each_merchant_order_with_its_status(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    move(db, order.merchant_orders[0].id, S.REFUSED, reason="Four en panne")
    page = page_of(client.get("/mes-commandes"))
    assert f"Commande {reference}" in page
    assert (
        'Boulangerie Lefebvre\u00a0: <span class="status status-refused">'
        "Refusée par le commerçant</span>" in page
    )
    assert (
        'Ferme du Ternois\u00a0: <span class="status status-placed">Envoyée au commerçant</span>'
        in page
    )
    assert "Livraison à domicile — mardi 24 novembre" in page


def test_order_detail_shows_history_with_dates_and_reasons(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    move(db, order.merchant_orders[0].id, S.REFUSED, reason="Four en panne")
    page = page_of(client.get(f"/mes-commandes/{reference}"))
    assert "Refusée par le commerçant\u00a0: <em>Four en panne</em>" in page
    # In English: the colon as English writes it, a reason the app words in English.
    move(db, order.merchant_orders[1].id, S.REFUSED, reason="Produit épuisé : plus de farine")
    english = page_of(client.get(f"/mes-commandes/{reference}?lang=en"))
    assert "Declined by the shop: <em>Four en panne</em>" in english
    assert ": <em>Product sold out: plus de farine</em>" in english
    assert page.count("— Envoyée au commerçant") == 2
    assert "23 novembre 2026 à 9\u00a0h\u00a000" in page  # placed at 8:00 UTC, in Paris time
    assert order.delivery_code in page


def test_another_shoppers_order_is_not_found(
    client: FlaskClient, app: Flask, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    other = app.test_client()
    login(other, world.shopper2_email)
    assert other.get(f"/mes-commandes/{reference}").status_code == 404
    assert other.get(f"/mes-commandes/{reference}/annuler").status_code == 404
    assert other.post(f"/mes-commandes/{reference}/annuler").status_code == 404
    assert reference not in page_of(other.get("/mes-commandes"))
    assert all(mo.status is S.PLACED for mo in orders_of(db, world.shopper_id)[0].merchant_orders)


def test_cancelling_asks_first_then_cancels_and_gives_the_stock_back(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    confirm = page_of(client.get(f"/mes-commandes/{reference}/annuler"))
    assert "Annuler la commande" in confirm and "Oui, annuler" in confirm
    assert all(mo.status is S.PLACED for mo in orders_of(db, world.shopper_id)[0].merchant_orders)
    response = client.post(f"/mes-commandes/{reference}/annuler", follow_redirects=True)
    page = page_of(response)
    assert "Votre commande est annulée." in page
    assert page.count('class="status status-cancelled"') == 2
    assert "Annuler ma commande" not in page
    (order,) = orders_of(db, world.shopper_id)
    assert {mo.status for mo in order.merchant_orders} == {S.CANCELLED}
    with db.uow() as uow:
        assert uow.session.get_one(Product, world.cake_id).stock_quantity == 2


def test_only_merchant_orders_still_at_the_shop_are_cancelled(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    baker, farmer = order.merchant_orders
    move(db, baker.id, S.ACCEPTED, S.READY, S.HANDED_TO_COURIER)
    confirm = page_of(client.get(f"/mes-commandes/{reference}/annuler"))
    assert "Ferme du Ternois" in confirm
    assert "Le reste de la commande est déjà en route ou terminé" in confirm
    client.post(f"/mes-commandes/{reference}/annuler")
    (order,) = orders_of(db, world.shopper_id)
    assert [mo.status for mo in order.merchant_orders] == [S.HANDED_TO_COURIER, S.CANCELLED]
    move(db, baker.id, S.DELIVERED)
    response = client.get(f"/mes-commandes/{reference}/annuler", follow_redirects=True)
    assert "Cette commande ne peut plus être annulée." in page_of(response)


def test_my_orders_names_the_pickup_point(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    point = f"point-{world.pickup_point_id}"
    assert place_order(client, where=point, address="").status_code == 302
    page = page_of(client.get("/mes-commandes"))
    assert "Point de retrait\u00a0: Le Tiers-Lieu du Ternois — mardi 24 novembre" in page


def test_my_orders_puts_the_colon_before_each_shops_status_as_each_language_does(
    client: FlaskClient, world: World
) -> None:
    login(client, world.shopper_email)
    add(client, world.bread_id)
    assert place_order(client).status_code == 302
    french = page_of(client.get("/mes-commandes"))
    english = page_of(client.get("/mes-commandes?lang=en"))
    assert "<li>Boulangerie Lefebvre\u00a0: " in french
    assert "<li>Boulangerie Lefebvre: " in english


def test_a_merchant_who_buys_finds_the_order_under_my_purchases(
    client: FlaskClient, world: World, db: Database
) -> None:
    # One account per e-mail on a territory: the baker buys apples with the merchant account.
    login(client, world.baker_email)
    home = page_of(client.get("/"))
    menu = home[home.index('class="main-nav"') : home.index("</nav>")]
    assert "Mes achats" not in menu and "Mes commandes" not in menu  # nothing bought yet
    add(client, world.apples_id, 1)
    assert place_order(client, where="collect").status_code == 302  # no address saved
    (order,) = orders_of(db, world.baker_user_id)

    home = page_of(client.get("/"))
    menu = home[home.index('class="main-nav"') : home.index("</nav>")]
    assert "Ma boutique" in menu and "Mes achats" in menu
    assert order.reference in page_of(client.get("/mes-commandes"))


def test_an_order_cancelled_in_full_shows_no_code_and_nothing_to_pay(
    client: FlaskClient, world: World, db: Database
) -> None:
    # Found walking the shop: the cancelled order still showed its code and its total, so a
    # shopper coming back to the page could think it was still to collect and pay.
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    code = order.delivery_code
    client.post(f"/mes-commandes/{reference}/annuler")
    page = page_of(client.get(f"/mes-commandes/{reference}"))
    assert "Cette commande est annulée\u00a0: vous n'avez rien à payer ni à retirer." in page
    assert "Code de remise" not in page and not shows_code(page, code)
    assert '<p class="total-line">Total <strong>0,00\u00a0€</strong></p>' in page
    listing = page_of(client.get("/mes-commandes"))
    assert "<strong>Commande annulée</strong>" in listing
    assert "· <strong>0,00\u00a0€</strong>" in listing


def test_a_refused_part_no_longer_counts_in_the_total(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    baker, farmer = order.merchant_orders
    move(db, baker.id, S.REFUSED, reason="Four en panne")
    page = page_of(client.get(f"/mes-commandes/{reference}"))
    left = f"{farmer.total_incl_cents // 100},{farmer.total_incl_cents % 100:02d}\u00a0€"
    assert f'<p class="total-line">Total <strong>{left}</strong></p>' in page
    assert "Sans ce qui a été annulé ou refusé." in page
    assert order.delivery_code in page  # the farmer's part is still to hand over
    assert "Commande annulée" not in page_of(client.get("/mes-commandes"))


def test_a_click_and_collect_order_says_where_to_collect_each_part(
    client: FlaskClient, world: World, db: Database
) -> None:
    # The confirmation said it once; the order page, where a shopper comes back, did not.
    login(client, world.shopper_email)
    add(client, world.cake_id, 1)
    add(client, world.apples_id, 1)
    assert place_order(client, where="collect").status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    page = page_of(client.get(f"/mes-commandes/{order.reference}"))
    for part in order.merchant_orders:
        where = f"À retirer\u00a0: {part.merchant.address}, {part.merchant.city}"
        assert where in page


def test_a_click_and_collect_shopper_is_told_to_show_the_code_at_the_shop(
    client: FlaskClient, world: World, db: Database
) -> None:
    # The shop asks for the code at the hand-over, as the courier and the pickup point do.
    login(client, world.shopper_email)
    add(client, world.cake_id, 1)
    assert place_order(client, where="collect").status_code == 302
    (order,) = orders_of(db, world.shopper_id)
    told = (
        "Gardez le code de remise\u00a0: montrez-le en boutique quand vous retirez votre commande."
    )

    for url in (f"/commande/{order.reference}/confirmation", f"/mes-commandes/{order.reference}"):
        page = page_of(client.get(url))
        assert f'<strong class="delivery-code">{order.delivery_code}</strong>' in page, url
        assert told in page and "vous le donnerez au livreur" not in page, url


def test_a_home_delivery_confirmation_names_the_courier_for_the_code(
    client: FlaskClient, world: World, db: Database
) -> None:
    reference = order_two_merchants(client, world, db)
    page = page_of(client.get(f"/commande/{reference}/confirmation"))
    assert (
        "vous le donnerez au livreur, ou au point de retrait si le colis y est déposé en votre "
        "absence." in page
    )
    assert "montrez-le en boutique" not in page
    assert "montrez-le en boutique" not in page_of(client.get(f"/mes-commandes/{reference}"))


def test_logging_in_to_order_shows_the_basket_first_when_it_kept_an_earlier_visit(
    app: Flask, world: World
) -> None:
    """The account's basket kept products from an earlier visit: logging in from « Passer
    commande » merged them silently and opened the checkout with quantities doubled. The
    visitor's quantity now wins, and the shopper sees the basket, told why, before paying."""
    earlier = app.test_client()
    login(earlier, world.shopper_email)
    add(earlier, world.bread_id, 1)
    add(earlier, world.apples_id, 2)

    visitor = app.test_client()
    add(visitor, world.bread_id, 3)
    response = visitor.post(
        "/login?next=/commande", data={"email": world.shopper_email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/panier"
    page = html.unescape(visitor.get("/panier").get_data(as_text=True))
    assert (
        "Votre panier contient aussi 1 produit choisi lors d'une visite précédente : "
        "vérifiez-le avant de commander." in page
    )
    assert re.search(r'name="quantity"[^>]*value="3"', page)  # the visitor's 3 loaves

    # Nothing kept from before: straight on to the checkout, as asked.
    fresh = app.test_client()
    add(fresh, world.cake_id, 1)
    response = fresh.post(
        "/login?next=/commande", data={"email": world.shopper2_email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/commande"


def test_the_confirmation_leaves_out_what_a_shop_refused(
    client: FlaskClient, world: World, db: Database
) -> None:
    """After a shop refused its part, the confirmation still said the whole amount was to
    pay, while the order page and the printed sheet left it out."""
    reference = order_two_merchants(client, world, db)
    (order,) = orders_of(db, world.shopper_id)
    refused, kept = order.merchant_orders
    move(db, refused.id, S.REFUSED, reason="Four en panne")

    page = page_of(client.get(f"/commande/{reference}/confirmation"))
    total = page.split('class="total-line"', 1)[1].split("</p>", 1)[0]
    assert f"{kept.total_incl_cents / 100:.2f}".replace(".", ",") in total
    assert "Sans ce qui a été annulé ou refusé." in page
    vat = f"{kept.total_vat_cents / 100:.2f}".replace(".", ",")
    assert f"dont TVA {vat}" in page
