"""In Chromium: « Ajouter au panier » on a long list brings the shopper back to that card.

Found by a walk of the shop: the list came back at its top after each product, and the
shopper, on a phone, had to scroll down again to find where she was.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from reference_app.demo import loader
from shop_core.catalogue.model import Category
from shop_core.database import Database

from .conftest import PHONE, LiveServer, shot


def test_adding_from_far_down_a_list_comes_back_to_the_card_and_its_message(
    db: Database, server: LiveServer, page_factory: Any
) -> None:
    loader.load(db)
    with db.uow() as uow:
        slug = uow.session.scalars(
            select(Category.slug).where(Category.name == "Fromages, crèmerie et œufs")
        ).one()
    page = page_factory(PHONE)
    page.goto(f"{server.url}/categories/{slug}")
    cards = page.locator("main .product-card")
    assert cards.count() >= 10
    card = cards.nth(9)
    name = card.locator(".card-title").inner_text()
    card.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_load_state()
    shot(page, "shop-added-from-a-list-phone")

    assert page.url.endswith(f"#{card.get_attribute('id')}")
    assert page.evaluate("window.scrollY") > 1000  # not back at the top
    note = card.get_by_role("status")
    assert note.inner_text() == f"Ajouté au panier : 1 × {name}."
    box = note.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]
    assert page.locator(".flashes").count() == 0
