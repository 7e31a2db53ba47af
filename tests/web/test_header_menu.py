"""The header's menu: the shopper's links on the shopfront, none of the shopper's basket in
the back-office (the shop's and the operator's), one link per name."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from shop_core.database import Database

from .backoffice import merchant_order_of, place_order
from .conftest import World, login


def menu(client: FlaskClient, path: str) -> list[str]:
    """The names of the header's links and buttons on the page at ``path``."""
    response = client.get(path)
    assert response.status_code == 200, path
    page = response.get_data(as_text=True)
    nav = page[page.index('class="main-nav"') : page.index("</nav>")]
    names = re.findall(r"<(?:a|button)\b[^>]*>\s*([^<]+?)\s*<", nav)
    return [html.unescape(name) for name in names]


def test_the_shopper_menu_is_the_shopfront_one(client: FlaskClient, world: World) -> None:
    login(client, world.shopper_email)
    assert menu(client, "/") == ["Mon compte", "Mes commandes", "Se déconnecter", "Panier"]


def test_the_merchant_back_office_has_no_basket_and_one_ma_boutique(
    client: FlaskClient, db: Database, world: World
) -> None:
    # « Panier » led a merchant at work to the shopfront's basket, and the header's « Ma
    # boutique » (the orders) sat above the tab « Ma boutique » (the shop's settings).
    order_id = place_order(db, world, {world.bread_id: 1})
    mo = merchant_order_of(db, order_id, world.baker_id)
    login(client, world.baker_email)
    for path in (
        "/boutique",
        f"/boutique/commandes/{mo.id}",
        "/boutique/produits",
        "/boutique/ma-boutique",
    ):
        assert menu(client, path) == ["Se déconnecter"], path
        page = client.get(path).get_data(as_text=True)
        assert page.count(">Ma boutique</a>") == 1, path  # the tab
    # Shopping, the same account has its basket and its way back to the shop.
    assert menu(client, "/") == ["Mon compte", "Ma boutique", "Se déconnecter", "Panier"]


def test_the_operator_back_office_has_no_basket(client: FlaskClient, world: World) -> None:
    login(client, world.operator_email)
    for path in ("/admin", "/admin/boutiques", "/admin/paiements"):
        assert menu(client, path) == ["Administration", "Se déconnecter"], path
    client.post(f"/admin/boutiques/{world.baker_id}/agir")
    assert menu(client, "/boutique") == ["Administration", "Se déconnecter"]
    client.post("/admin/agir/fin")
    assert menu(client, "/") == ["Mon compte", "Administration", "Se déconnecter", "Panier"]


def test_the_operator_ordering_for_a_shopper_keeps_the_basket_in_the_back_office(
    client: FlaskClient, world: World
) -> None:
    login(client, world.operator_email)
    client.post(f"/admin/clients/{world.shopper_id}/agir")
    assert "Panier" in menu(client, "/admin")
