"""In Chromium: a shopper buys from two merchants and sees two merchant orders."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, Order
from tests.web.conftest import PASSWORD, World

from .conftest import DESKTOP, PHONE, LiveServer, shot


def _add_from_search(page: Any, server: LiveServer, query: str, name: str) -> None:
    page.goto(f"{server.url}/")
    page.get_by_label("Rechercher un produit").fill(query)
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_role("link", name=name).first.click()
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_load_state()


def test_shopper_buys_from_two_merchants_and_sees_two_merchant_orders(
    db: Database, world: World, server: LiveServer, page_factory: Any
) -> None:
    page = page_factory(PHONE)
    page.goto(f"{server.url}/")
    shot(page, "shop-home-phone")
    _add_from_search(page, server, "pain", "Pain de campagne")
    shot(page, "shop-product-phone")
    _add_from_search(page, server, "pomme", "Pommes Reinette")

    page.goto(f"{server.url}/panier")
    assert "Boulangerie Lefebvre" in page.content() and "Ferme du Ternois" in page.content()
    shot(page, "shop-basket-phone")
    page.get_by_role("link", name="Passer commande").click()
    # Checkout asks to log in first, then comes back.
    page.get_by_label("Adresse e-mail").fill(world.shopper_email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "/commande" not in page.url:
        page.goto(f"{server.url}/commande")
    page.locator("input[name=where][value=home]").check()
    page.locator("input[name=address]").first.check()
    page.locator("input[name=slot]").first.check()
    shot(page, "shop-checkout-phone")
    page.get_by_role("button", name="Valider ma commande").click()
    page.wait_for_load_state()
    assert "confirmation" in page.url
    shot(page, "shop-confirmation-phone")
    text = page.content()
    assert "Boulangerie Lefebvre" in text and "Ferme du Ternois" in text

    with db.uow() as uow:
        order = uow.session.scalars(select(Order).where(Order.user_id == world.shopper_id)).one()
        assert order.delivery_method is DeliveryMethod.HOME
        assert [mo.merchant_id for mo in order.merchant_orders] == [world.baker_id, world.farmer_id]
        reference = order.reference

    desktop = page_factory(DESKTOP)
    desktop.goto(f"{server.url}/login")
    desktop.get_by_label("Adresse e-mail").fill(world.shopper_email)
    desktop.get_by_label("Mot de passe").fill(PASSWORD)
    desktop.get_by_role("button", name="Se connecter").click()
    desktop.goto(f"{server.url}/mes-commandes")
    assert reference in desktop.content()
    desktop.get_by_role("link", name=reference).first.click()
    detail = desktop.content()
    assert detail.count("Boulangerie Lefebvre") >= 1 and detail.count("Ferme du Ternois") >= 1
    shot(desktop, "shop-my-order-desktop")
    desktop.goto(f"{server.url}/")
    shot(desktop, "shop-home-desktop")
