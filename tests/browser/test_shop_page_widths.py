"""In Chromium: every shop's page of the demo fits a 360 px phone, in French and in English.

Found by a walk of the shop in English: opening hours such as « 9:00 AM – 12:30 PM, 3:00 PM –
7:00 PM » beside « Wednesday » made the page 392 px wide; French's « 9 h – 12 h 30 » fitted.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from reference_app.demo import loader
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.merchants.model import Merchant, MerchantStatus

from .conftest import PHONE, LiveServer, shot


@pytest.fixture
def shop_slugs(db: Database) -> list[str]:
    loader.load(db)
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(Merchant.slug)
                .where(Merchant.status == MerchantStatus.ACTIVE)
                .order_by(Merchant.slug)
            )
        )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_shop_page_fits_a_phone_in_either_language(
    server: LiveServer, page_factory: Any, shop_slugs: list[str], lang: str
) -> None:
    page = page_factory(PHONE)
    page.goto(f"{server.url}/?lang={lang}")  # the language stays for the next pages
    too_wide = {}
    for slug in shop_slugs:
        page.goto(f"{server.url}/boutiques/{slug}")
        assert page.locator("html").get_attribute("lang") == lang
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[slug] = width
    page.goto(f"{server.url}/boutiques/la-cloche-a-fromages")
    shot(page, f"shop-page-hours-{lang}-360")

    assert len(shop_slugs) >= 13
    assert too_wide == {}


def test_a_product_name_without_spaces_breaks_inside_its_card_and_page(
    server: LiveServer, page_factory: Any, db: Database, shop_slugs: list[str]
) -> None:
    """A merchant's product named like a formula, one 40-letter word: the home page, the
    shop's page and the search were 585 px wide on a 360 px phone (every card widened, « Ajouter
    au panier » cut off), its own page 719 px."""
    with db.uow() as uow:
        shop = uow.session.scalar(select(Merchant).where(Merchant.slug == shop_slugs[0]))
        assert shop is not None
        product = uow.session.scalars(
            select(Product).where(Product.merchant_id == shop.id, Product.active.is_(True))
        ).first()
        assert product is not None
        product.name = '=HYPERLINK("http://evil.example","clic")-sans-aucune-espace'
        product_id, slug = product.id, shop.slug
        uow.commit()
    page = page_factory(PHONE)
    widths = {}
    for path in ("/", f"/boutiques/{slug}", "/recherche?q=hyperlink"):
        page.goto(f"{server.url}{path}")
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{server.url}/boutiques/{slug}")
    href = page.locator(f"#produit-{product_id} a.card-link").get_attribute("href")
    page.goto(f"{server.url}{href}")
    widths["product"] = page.evaluate("document.documentElement.scrollWidth")
    shot(page, "product-long-name-360")

    assert widths == dict.fromkeys(widths, PHONE["width"])
