"""Browsing the territory's shop: home, merchants, categories, products, search."""

from __future__ import annotations

import html

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shop_core.audit.services import Actor
from shop_core.catalogue.services import get_product, product_input, update_product
from shop_core.database import Database
from shop_core.merchants.services import get_merchant, set_opening_hours
from shop_core.testing.factories import make_merchant, make_product

from .conftest import NOW, World


@pytest.fixture(autouse=True)
def _clock(app: Flask) -> None:
    app.config["FIXED_NOW"] = NOW


def text(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_home_shows_the_territory_its_merchants_categories_and_products(
    client: FlaskClient, world: World
) -> None:
    page = text(client, "/")
    assert "<h1>Ternois</h1>" in page
    assert "Boulangerie Lefebvre" in page and "Ferme du Ternois" in page
    assert "Boulangerie-pâtisserie · Saint-Pol-sur-Ternoise" in page
    assert "Ferme · Saint-Pol-sur-Ternoise" in page
    assert 'href="/categories/boulangerie"' in page
    assert "Pain de campagne" in page and "Rôti de porc" in page
    assert 'action="/recherche"' in page


def test_home_shows_a_dozen_shops_and_links_to_all_of_them_page_by_page(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        for n in range(30):
            make_merchant(uow, territory_id=world.territory_id, name=f"Atelier {n:02d}")
        make_merchant(uow, territory_id=world.territory_id, name="Atelier en attente", active=False)
    home = text(client, "/")
    assert home.count('class="merchant-card"') == 12
    assert "Voir les 32 commerçants" in home and 'href="/boutiques"' in home

    first = text(client, "/boutiques")
    assert "32 commerçants et producteurs vendent ici." in first
    assert first.count('class="merchant-card"') == 24 and "Page 1 sur 2" in first
    second = text(client, "/boutiques?page=2")
    assert second.count('class="merchant-card"') == 8 and "Page 2 sur 2" in second
    assert "Atelier en attente" not in first + second
    shown = first + second
    assert all(f"Atelier {n:02d}" in shown for n in range(30))
    assert "Boulangerie Lefebvre" in shown and "Ferme du Ternois" in shown


def test_home_has_no_link_to_the_list_when_every_shop_is_shown(
    client: FlaskClient, world: World
) -> None:
    assert 'href="/boutiques"' not in text(client, "/")
    assert "2 commerçants et producteurs vendent ici." in text(client, "/boutiques")


def test_merchant_page_gives_address_opening_hours_in_french_and_products(
    client: FlaskClient, world: World, db: Database
) -> None:
    import datetime as dt

    with db.uow() as uow:
        set_opening_hours(
            uow=uow,
            merchant_id=world.baker_id,
            actor=Actor.system(),
            windows=[(1, dt.time(7), dt.time(12, 30)), (1, dt.time(15), dt.time(19))],
        )
        slug = get_merchant(uow, world.baker_id).slug
    page = text(client, f"/boutiques/{slug}")
    assert "Boulangerie Lefebvre" in page
    assert "rue d'Hesdin" in page and "62130 Saint-Pol-sur-Ternoise" in page
    # Each window whole on a line if it fits, else broken after its dash, never in an hour.
    assert (
        'Mardi</th><td role="cell"><span class="window"><span class="nowrap">7\u00a0h –</span> '
        '<span class="nowrap">12\u00a0h\u00a030,</span></span> '
        '<span class="window"><span class="nowrap">15\u00a0h –</span> '
        '<span class="nowrap">19\u00a0h</span></span></td>'
    ) in page
    assert 'Lundi</th><td role="cell">Fermé' in page
    assert "Pain de campagne" in page and "Tarte au sucre" in page
    assert "Rôti de porc" not in page


def test_unknown_merchant_and_merchants_of_other_territories_are_not_found(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        far = make_merchant(uow, territory_id=world.other_territory_id, name="Boucherie Loin")
        far_product = make_product(uow, merchant_id=far, name="Jambon lointain")
        slug = get_merchant(uow, far).slug
    assert client.get("/boutiques/nexiste-pas").status_code == 404
    assert client.get(f"/boutiques/{slug}").status_code == 404
    assert client.get(f"/produits/{far_product}-jambon-lointain").status_code == 404
    assert "Jambon" not in text(client, "/recherche?q=jambon").split("<main", 1)[1]


def test_product_page_shows_price_with_unit_and_vat(client: FlaskClient, world: World) -> None:
    page = text(client, f"/produits/{world.bread_id}-pain-de-campagne")
    assert "3,50\u00a0€" in page and "/\u00a0pièce" in page
    assert "TVA 5,5\u00a0% incluse" in page
    assert 'name="quantity"' in page and "Ajouter au panier" in page


def test_an_english_product_page_writes_the_vat_rate_as_english_does(
    client: FlaskClient, world: World
) -> None:
    page = text(client, f"/produits/{world.bread_id}-pain-de-campagne?lang=en")
    assert "5.5%" in page and "5,5" not in page


def test_product_sold_by_weight_says_the_price_is_an_estimate(
    client: FlaskClient, world: World
) -> None:
    page = text(client, f"/produits/{world.roast_id}-roti-de-porc")
    assert "18,90\u00a0€" in page and "/\u00a0kg" in page
    assert "environ 1\u00a0kg" in page
    assert "Prix estimé, ajusté à la pesée." in page


def test_perishable_products_say_there_is_no_right_of_withdrawal(
    client: FlaskClient, world: World, db: Database
) -> None:
    with db.uow() as uow:
        data = product_input(get_product(uow, world.apples_id))
        data.no_withdrawal = True
        update_product(
            uow=uow,
            product_id=world.apples_id,
            merchant_id=world.farmer_id,
            data=data,
            actor=Actor.system(),
        )
    page = text(client, f"/produits/{world.apples_id}-pommes-reinette")
    assert "non soumis au droit de rétractation" in page


def test_product_with_an_old_slug_redirects_to_its_address(
    client: FlaskClient, world: World
) -> None:
    response = client.get(f"/produits/{world.bread_id}-ancien-nom")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/produits/{world.bread_id}-pain-de-campagne")
    assert client.get("/produits/999999-rien").status_code == 404


def test_sold_out_product_cannot_be_added_from_its_page(
    client: FlaskClient, world: World, db: Database
) -> None:
    from shop_core.catalogue.services import set_stock

    with db.uow() as uow:
        set_stock(
            uow=uow,
            product_id=world.cake_id,
            merchant_id=world.baker_id,
            quantity=0,
            actor=Actor.system(),
        )
    page = text(client, f"/produits/{world.cake_id}-tarte-au-sucre")
    assert "Épuisé pour le moment" in page
    assert 'name="quantity"' not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [("roti", "Rôti de porc"), ("pomme", "Pommes Reinette"), ("tartes", "Tarte au sucre")],
)
def test_search_ignores_accents_and_plurals(
    client: FlaskClient, world: World, query: str, expected: str
) -> None:
    page = text(client, f"/recherche?q={query}")
    assert "1 produit trouvé" in page
    assert expected in page


def test_search_without_results_helps_instead_of_a_blank_page(
    client: FlaskClient, world: World
) -> None:
    page = text(client, "/recherche?q=caviar")
    assert "Nous n'avons rien trouvé" in page
    assert "Vérifiez l'orthographe." in page
    assert "Boulangerie Lefebvre" in page  # the merchants to browse instead


def test_search_finds_merchants_by_trade_and_keeps_the_query(
    client: FlaskClient, world: World
) -> None:
    page = text(client, "/recherche?q=ferme")
    assert "Commerçants" in page and "Ferme du Ternois" in page
    assert 'value="ferme"' in page


def test_search_pages_through_many_results(client: FlaskClient, world: World, db: Database) -> None:
    with db.uow() as uow:
        for n in range(30):
            make_product(uow, merchant_id=world.farmer_id, name=f"Confiture maison {n:02d}")
    first = text(client, "/recherche?q=confitures")
    assert "30 produits trouvés" in first and "Page 1 sur 2" in first
    assert "page=2" in first
    second = text(client, "/recherche?q=confitures&page=2")
    assert "Page 2 sur 2" in second
    assert second.count('card-title">Confiture maison') == 6
    assert text(client, "/recherche?q=confitures&page=abc").count("Page 1 sur 2") == 1
    # A page kept from before products went: the last page, not « rien trouvé ».
    past = client.get("/recherche?q=confitures&page=7")
    assert past.status_code == 302
    assert past.headers["Location"].endswith("/recherche?q=confitures&page=2")
    shop = client.get(f"/boutiques/{_farm_slug(db, world)}?page=9")
    assert shop.status_code == 302 and shop.headers["Location"].endswith("?page=2")
    assert (
        client.get("/categories/boulangerie?page=5")
        .headers["Location"]
        .endswith("/categories/boulangerie?page=1")
    )
    assert client.get("/recherche?q=introuvable&page=3").status_code == 200


def _farm_slug(db: Database, world: World) -> str:
    from shop_core.merchants.model import Merchant

    with db.uow() as uow:
        return uow.session.get_one(Merchant, world.farmer_id).slug


def test_category_page_lists_its_products(client: FlaskClient, world: World) -> None:
    page = text(client, "/categories/boulangerie")
    assert "Pain de campagne" in page and "Tarte au sucre" in page
    assert "Pommes Reinette" not in page
    assert client.get("/categories/rien").status_code == 404


def _statements(app: Flask, client: FlaskClient, url: str) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    engine = app.extensions["cabas_db"].engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


@pytest.mark.parametrize("url", ["/recherche?q=confiture", "/", "/categories/confitures"])
def test_pages_of_products_cost_the_same_queries_for_2_or_20_products(
    app: Flask, client: FlaskClient, world: World, db: Database, url: str
) -> None:
    from shop_core.catalogue.services import create_category

    with db.uow() as uow:
        jams = create_category(uow=uow, territory_id=world.territory_id, name="Confitures")
        merchants = [world.baker_id, world.farmer_id]
        for n in range(2):
            make_product(uow, merchant_id=merchants[n % 2], name=f"Confiture {n}", category_id=jams)
    few = _statements(app, client, url)
    with db.uow() as uow:
        for n in range(2, 20):
            make_product(uow, merchant_id=merchants[n % 2], name=f"Confiture {n}", category_id=jams)
    assert _statements(app, client, url) == few
