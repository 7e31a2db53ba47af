"""Replacing a basket's content in one call: all of it, or nothing."""

from __future__ import annotations

import pytest

from shop_core.audit.services import Actor
from shop_core.carts.replace import replace_items
from shop_core.carts.services import add_item, get_or_create_cart, view_cart
from shop_core.catalogue.services import set_active
from shop_core.database import Database
from shop_core.errors import NotFound, OutOfStock, ProductUnavailable, ValidationError
from shop_core.testing.factories import make_merchant, make_product, make_territory

from .conftest import Shop


def _cart(db: Database, shop: Shop) -> int:
    with db.uow() as uow:
        return get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)


def _content(db: Database, cart: int) -> dict[str, int]:
    with db.uow() as uow:
        view = view_cart(uow, cart)
    return {line.product.name: line.quantity for g in view.groups for line in g.lines}


def test_replacing_sets_exactly_the_given_lines(db: Database, shop: Shop) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
        add_item(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=4)
        replace_items(uow=uow, cart_id=cart, items={shop.bread_id: 3, shop.cake_id: 2})
    assert _content(db, cart) == {"Pain de campagne": 3, "Tarte au sucre": 2}


def test_replacing_with_nothing_empties_the_basket(db: Database, shop: Shop) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
        replace_items(uow=uow, cart_id=cart, items={})
    assert _content(db, cart) == {}


@pytest.mark.parametrize("problem", ["stock", "inactive", "unknown", "other_territory", "zero"])
def test_a_refused_replacement_leaves_the_basket_unchanged(
    db: Database, shop: Shop, problem: str
) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=2)
        items = {shop.apples_id: 1}
        expected: type[Exception]
        if problem == "stock":
            items[shop.cake_id], expected = 3, OutOfStock
        elif problem == "inactive":
            set_active(
                uow=uow,
                product_id=shop.roast_id,
                merchant_id=shop.farmer_id,
                active=False,
                actor=Actor.system(),
            )
            items[shop.roast_id], expected = 1, ProductUnavailable
        elif problem == "unknown":
            items[999_999], expected = 1, NotFound
        elif problem == "other_territory":
            elsewhere = make_territory(uow)
            merchant = make_merchant(uow, territory_id=elsewhere)
            items[make_product(uow, merchant_id=merchant)], expected = 1, NotFound
        else:
            items[shop.cake_id], expected = 0, ValidationError
        with pytest.raises(expected):
            replace_items(uow=uow, cart_id=cart, items=items)
    assert _content(db, cart) == {"Pain de campagne": 2}
