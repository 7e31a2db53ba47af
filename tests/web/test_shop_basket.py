"""The basket: anonymous and logged in, grouped by merchant, stock, prices that changed."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from shop_core.audit.services import Actor
from shop_core.carts.model import Cart, CartItem
from shop_core.catalogue.services import get_product, product_input, set_active, update_product
from shop_core.database import Database
from shop_core.merchants.services import get_merchant

from .conftest import NOW, World, login
from .shopping import add


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def basket(client: FlaskClient) -> str:
    response = client.get("/panier")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def set_price(db: Database, world: World, product_id: int, cents: int) -> None:
    with db.uow() as uow:
        product = get_product(uow, product_id)
        data = product_input(product)
        data.price_cents = cents
        update_product(
            uow=uow,
            product_id=product_id,
            merchant_id=product.merchant_id,
            data=data,
            actor=Actor.system(),
        )


def test_empty_basket_invites_to_browse(client: FlaskClient, world: World) -> None:
    page = basket(client)
    assert "Votre panier est vide." in page
    assert "Passer commande" not in page


def test_anonymous_visitor_fills_a_basket_grouped_by_merchant_with_totals(
    client: FlaskClient, world: World
) -> None:
    assert add(client, world.bread_id, 2).status_code == 302
    add(client, world.apples_id, 3)
    page = basket(client).split("<h1>Mon panier</h1>", 1)[1]
    baker, farmer = page.index("Boulangerie Lefebvre"), page.index("Ferme du Ternois")
    assert baker < page.index("Pain de campagne") < farmer < page.index("Pommes Reinette")
    assert "Lefebvre</span></span> <strong>7,00\u00a0€" in page
    assert "Ternois</span></span> <strong>8,70\u00a0€" in page
    assert "Total <strong>15,70\u00a0€" in page
    assert 'href="/commande"' in page
    assert '<span class="badge"' in client.get("/").get_data(as_text=True)


def test_basket_badge_says_article_in_the_singular_for_one(
    client: FlaskClient, world: World
) -> None:
    """Said by hidden text: screen readers ignore an aria-label on a plain <span>."""
    add(client, world.bread_id, 1)
    home = client.get("/").get_data(as_text=True)
    assert '<span class="badge" aria-hidden="true">1</span>' in home
    assert '<span class="visually-hidden"> 1 article</span></a>' in home
    assert "aria-label" not in home.split('class="basket-link"', 1)[1].split("</a>", 1)[0]
    add(client, world.apples_id, 3)
    home = client.get("/").get_data(as_text=True)
    assert '<span class="visually-hidden"> 4 articles</span></a>' in home


def test_adding_more_than_the_stock_says_how_many_are_left_and_keeps_the_quantity(
    client: FlaskClient, world: World
) -> None:
    response = client.post(f"/produits/{world.cake_id}-tarte-au-sucre", data={"quantity": "5"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    # Said once, by the field, which takes the focus: it was also in a flash at the top and
    # in a summary above the form, three times on one screen.
    assert page.count("Stock insuffisant pour « Tarte au sucre » : 2 disponibles.") == 1
    assert '<p class="error" id="quantity-err">Stock insuffisant' in page
    assert "flash-error" not in page and "error-summary" not in page
    assert 'value="5"' in page and "autofocus" in page
    assert "Votre panier est vide." in basket(client)


def test_the_add_button_of_a_list_says_the_stock_in_a_message(
    client: FlaskClient, world: World
) -> None:
    # No quantity field there: the message comes back with the list, once.
    add(client, world.cake_id, 2)
    response = client.post(
        "/panier/ajouter",
        data={"product_id": world.cake_id, "quantity": 1, "next": "/"},
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert page.count("Stock insuffisant pour « Tarte au sucre »") == 1
    assert "flash-error" in page


def _card(page: str, product_id: int) -> str:
    """The product's card on a list page."""
    return page.split(f'id="produit-{product_id}"', 1)[1].split("</article>", 1)[0]


def test_the_add_button_of_a_list_brings_the_shopper_back_to_the_card_with_its_message(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        shop = get_merchant(uow, world.baker_id).slug
    listing = f"/boutiques/{shop}?page=1"
    response = client.post(
        "/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1, "next": listing}
    )
    # Her place in the list: the card she added from, not the top of the page.
    assert response.headers["Location"] == f"{listing}#produit-{world.bread_id}"
    page = html.unescape(client.get(listing).get_data(as_text=True))
    card = _card(page, world.bread_id)
    assert '<div class="card-note" role="status">' in card
    assert "Ajouté au panier : 1 × Pain de campagne." in card
    assert page.count("Ajouté au panier") == 1  # not at the top as well
    assert 'class="flashes"' not in page
    assert "Ajouté au panier" not in html.unescape(client.get(listing).get_data(as_text=True))


def test_a_refusal_from_a_list_is_said_on_the_card(client: FlaskClient, world: World) -> None:
    add(client, world.cake_id, 2)
    response = client.post(
        "/panier/ajouter",
        data={"product_id": world.cake_id, "quantity": 1, "next": "/recherche?q=tarte"},
        follow_redirects=True,
    )
    card = _card(html.unescape(response.get_data(as_text=True)), world.cake_id)
    assert 'class="flash flash-error">Stock insuffisant pour « Tarte au sucre »' in card


def test_a_message_whose_card_is_not_on_the_page_shows_at_the_top(
    client: FlaskClient, world: World
) -> None:
    # The list changed meanwhile, or the product is on another of its pages.
    response = client.post(
        "/panier/ajouter",
        data={"product_id": world.bread_id, "quantity": 1, "next": "/recherche?q=pomme"},
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert f'id="produit-{world.bread_id}"' not in page
    top = page.split('<div class="flashes" role="status">', 1)[1].split("</div>", 1)[0]
    assert '<p class="flash flash-success">Ajouté au panier : 1 × Pain de campagne.</p>' in top


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://ailleurs.example/",
        "//ailleurs.example/",
        "/\\ailleurs.example/",
        "/\\/ailleurs.example/",
        "/\t/ailleurs.example/",
        "/boutiques\r\nSet-Cookie: x=1",
        "boutiques",
        "",
    ],
)
def test_the_add_button_never_sends_the_shopper_to_another_site(
    client: FlaskClient, world: World, elsewhere: str
) -> None:
    response = client.post(
        "/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1, "next": elsewhere}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/#produit-{world.bread_id}"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("deux", "Indiquez la quantité en chiffres, par exemple 2."),
        ("0", "Indiquez une quantité entre 1 et 999."),
        ("", "Indiquez une quantité."),
    ],
)
def test_bad_quantity_on_the_product_page_gives_a_french_error(
    client: FlaskClient, world: World, typed: str, message: str
) -> None:
    response = client.post(f"/produits/{world.bread_id}-pain-de-campagne", data={"quantity": typed})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert page.count(message) == 1
    assert f'value="{typed}"' in page or typed == ""


def test_a_quantity_in_letters_gets_one_message_and_stays_in_its_box(
    client: FlaskClient, world: World
) -> None:
    """Not also « entre 1 et 999 »; a text box, which a browser does not empty as it does a
    number box holding « abc »."""
    in_digits = "Indiquez la quantité en chiffres, par exemple 2."
    product = html.unescape(
        client.post(
            f"/produits/{world.bread_id}-pain-de-campagne", data={"quantity": "abc"}
        ).get_data(as_text=True)
    )
    add(client, world.bread_id, 1)
    line = html.unescape(
        client.post(f"/panier/{world.bread_id}/quantite", data={"quantity": "abc"}).get_data(
            as_text=True
        )
    )
    for page in (product, line):
        assert in_digits in page
        assert "Indiquez une quantité entre" not in page
        box = re.search(r'<input[^>]*name="quantity"[^>]*>', page.split('id="contenu"', 1)[1])
        assert box and 'type="text"' in box[0] and 'value="abc"' in box[0]
        assert 'inputmode="numeric"' in box[0]


def test_product_page_adds_the_quantity_and_says_so(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"/produits/{world.bread_id}-pain-de-campagne",
        data={"quantity": "3"},
        follow_redirects=True,
    )
    page = html.unescape(response.get_data(as_text=True))
    assert "Ajouté au panier : 3 × Pain de campagne." in page
    assert "Vous en avez 3 dans votre panier." in page


def test_quantity_can_be_changed_and_a_line_removed(client: FlaskClient, world: World) -> None:
    add(client, world.bread_id, 1)
    add(client, world.apples_id, 1)
    response = client.post(f"/panier/{world.bread_id}/quantite", data={"quantity": "4"})
    assert response.status_code == 302
    assert "Total <strong>16,90\u00a0€" in basket(client)
    client.post(f"/panier/{world.apples_id}/retirer")
    page = basket(client)
    assert "Pommes Reinette" not in page and "Total <strong>14,00\u00a0€" in page
    client.post(f"/panier/{world.bread_id}/quantite", data={"quantity": "0"})
    assert "Votre panier est vide." in basket(client)


def test_changing_a_quantity_beyond_the_stock_shows_the_message_at_the_line(
    client: FlaskClient, world: World
) -> None:
    add(client, world.cake_id, 1)
    response = client.post(f"/panier/{world.cake_id}/quantite", data={"quantity": "7"})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Stock insuffisant pour « Tarte au sucre » : 2 disponibles." in page
    assert 'value="7"' in page
    assert f'id="quantite-{world.cake_id}-err"' in page
    response = client.post(f"/panier/{world.cake_id}/quantite", data={"quantity": "beaucoup"})
    assert "Indiquez la quantité en chiffres" in html.unescape(response.get_data(as_text=True))


def test_price_change_shows_old_and_new_price_until_acknowledged(
    client: FlaskClient, world: World, db: Database
) -> None:
    add(client, world.bread_id, 2)
    set_price(db, world, world.bread_id, 380)
    page = basket(client)
    assert "Des prix ont changé depuis que vous avez rempli votre panier" in page
    assert "<del>3,50\u00a0€</del> → <ins>3,80\u00a0€</ins>" in page
    assert 'href="/commande"' not in page
    client.post("/panier/prix-vus")
    page = basket(client)
    assert "<del>" not in page and "Total <strong>7,60\u00a0€" in page
    assert 'href="/commande"' in page


def test_unavailable_and_short_products_are_flagged_and_block_checkout(
    client: FlaskClient, world: World, db: Database
) -> None:
    add(client, world.bread_id, 1)
    add(client, world.cake_id, 2)
    with db.uow() as uow:
        set_active(
            uow=uow,
            product_id=world.bread_id,
            merchant_id=world.baker_id,
            active=False,
            actor=Actor.system(),
        )
        get_product(uow, world.cake_id).stock_quantity = 1
        uow.commit()
    page = basket(client)
    assert "Ce produit n'est plus proposé à la vente\u00a0: retirez-le du panier." in page
    assert "Il n'en reste qu'un\u00a0: réduisez la quantité." in page
    assert 'href="/commande"' not in page
    login(client, world.shopper_email)
    response = client.get("/commande")
    assert response.status_code == 302 and response.headers["Location"].endswith("/panier")


def test_anonymous_basket_is_kept_at_login(client: FlaskClient, world: World, db: Database) -> None:
    add(client, world.bread_id, 2)
    login(client, world.shopper_email)
    with db.uow() as uow:
        cart = uow.session.scalar(select(Cart).where(Cart.user_id == world.shopper_id))
        assert cart is not None
        items = uow.session.scalars(select(CartItem).where(CartItem.cart_id == cart.id)).all()
        assert [(i.product_id, i.quantity) for i in items] == [(world.bread_id, 2)]
    assert "Pain de campagne" in basket(client)


def test_product_of_another_territory_cannot_be_added(
    client: FlaskClient, world: World, db: Database
) -> None:
    from shop_core.testing.factories import make_merchant, make_product

    with db.uow() as uow:
        far = make_merchant(uow, territory_id=world.other_territory_id)
        product = make_product(uow, merchant_id=far)
    assert add(client, product).status_code == 404
    assert client.post("/panier/ajouter", data={"product_id": "abc"}).status_code == 400
