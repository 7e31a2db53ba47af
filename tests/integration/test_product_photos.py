"""A photo taken off a product: its files may be deleted only when no other photo uses them."""

from __future__ import annotations

from shop_core.audit.services import Actor
from shop_core.catalogue.services import add_photo, remove_photo
from shop_core.database import Database
from shop_core.testing.factories import make_product

from .conftest import Shop

MERCHANT = Actor(user_id=None)


def test_a_file_two_products_share_is_kept_until_the_last_one_lets_it_go(
    db: Database, shop: Shop
) -> None:
    """A product form sent twice with one kept photo gives two products the same file."""
    with db.uow() as uow:
        twin = make_product(uow, merchant_id=shop.baker_id, name="Pain de seigle")
    photos = []
    for product_id in (shop.bread_id, twin):
        with db.uow() as uow:
            photos.append(
                add_photo(
                    uow=uow, product_id=product_id, merchant_id=shop.baker_id,
                    key="products/pain.webp", thumb_key="products/pain-thumb.webp",
                    alt="Pain", actor=MERCHANT,
                )
            )  # fmt: skip

    with db.uow() as uow:
        first = remove_photo(
            uow=uow, product_id=shop.bread_id, photo_id=photos[0], merchant_id=shop.baker_id,
            actor=MERCHANT,
        )  # fmt: skip
    with db.uow() as uow:
        last = remove_photo(
            uow=uow, product_id=twin, photo_id=photos[1], merchant_id=shop.baker_id,
            actor=MERCHANT,
        )  # fmt: skip

    assert first == ()  # the other product still shows it
    assert last == ("products/pain.webp", "products/pain-thumb.webp")
