"""Basket: several merchants, stock limits, visible price changes."""

from __future__ import annotations

import pytest

from shop_core.audit.services import Actor
from shop_core.carts.services import (
    acknowledge_prices,
    add_item,
    get_or_create_cart,
    merge_carts,
    set_quantity,
    view_cart,
)
from shop_core.catalogue.services import get_product, product_input, set_active, update_product
from shop_core.database import Database
from shop_core.errors import OutOfStock, ProductUnavailable, ValidationError

from .conftest import Shop


def _cart(db: Database, shop: Shop) -> int:
    with db.uow() as uow:
        return get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)


def test_basket_groups_lines_by_merchant_with_subtotals(db: Database, shop: Shop) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=2)
        add_item(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=3)
        add_item(uow=uow, cart_id=cart, product_id=shop.roast_id, quantity=1)
        view = view_cart(uow, cart)
    assert [g.merchant.trade_name for g in view.groups] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    assert view.groups[0].subtotal_cents == 700
    # 3 × 2,90 € + roast estimated at 1 kg × 18,90 €/kg
    assert view.groups[1].subtotal_cents == 870 + 1890
    assert view.total_cents == 700 + 870 + 1890
    assert view.item_count == 6


def test_adding_more_than_the_stock_gives_a_clear_error_and_keeps_the_basket(
    db: Database, shop: Shop
) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.cake_id, quantity=1)
        with pytest.raises(OutOfStock) as error:
            add_item(uow=uow, cart_id=cart, product_id=shop.cake_id, quantity=2)
    assert str(error.value) == "Stock insuffisant pour « Tarte au sucre » : 2 disponibles."
    assert error.value.code == "out_of_stock"
    with db.uow() as uow:
        assert view_cart(uow, cart).item_count == 1


def test_untracked_stock_has_no_limit_but_quantities_are_bounded(db: Database, shop: Shop) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=500)
        with pytest.raises(ValidationError):
            add_item(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=0)
        with pytest.raises(ValidationError):
            set_quantity(uow=uow, cart_id=cart, product_id=shop.apples_id, quantity=-1)


def test_a_price_change_after_adding_is_visible_until_acknowledged(
    db: Database, shop: Shop
) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
        data = product_input(get_product(uow, shop.bread_id))
        data.price_cents = 380
        update_product(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            data=data,
            actor=Actor.system(),
        )
    with db.uow() as uow:
        view = view_cart(uow, cart)
        line = view.groups[0].lines[0]
        assert view.prices_changed
        assert (line.price_seen_cents, line.unit_price_cents) == (350, 380)
        acknowledge_prices(uow=uow, cart_id=cart)
        assert not view_cart(uow, cart).prices_changed


def test_a_disabled_product_cannot_be_added_and_is_flagged_in_the_basket(
    db: Database, shop: Shop
) -> None:
    cart = _cart(db, shop)
    with db.uow() as uow:
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
        set_active(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            active=False,
            actor=Actor.system(),
        )
        with pytest.raises(ProductUnavailable):
            add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
        view = view_cart(uow, cart)
    assert view.has_problems
    assert view.total_cents == 0


def test_anonymous_basket_merges_into_the_shoppers_basket(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        anon = get_or_create_cart(uow=uow, territory_id=shop.territory_id, token="abc")
        add_item(uow=uow, cart_id=anon, product_id=shop.bread_id, quantity=2)
        mine = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        add_item(uow=uow, cart_id=mine, product_id=shop.bread_id, quantity=1)
        assert merge_carts(uow=uow, from_cart_id=anon, into_cart_id=mine) == 0
        view = view_cart(uow, mine)
    # The visitor's choice is the latest: 2 loaves, not the 3 that adding both gave.
    assert view.item_count == 2


def test_a_merge_counts_what_the_account_kept_from_an_earlier_visit(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        mine = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        add_item(uow=uow, cart_id=mine, product_id=shop.bread_id, quantity=1)
        add_item(uow=uow, cart_id=mine, product_id=shop.cake_id, quantity=2)
        anon = get_or_create_cart(uow=uow, territory_id=shop.territory_id, token="abc")
        add_item(uow=uow, cart_id=anon, product_id=shop.bread_id, quantity=2)
        assert merge_carts(uow=uow, from_cart_id=anon, into_cart_id=mine) == 1  # the cake
        view = view_cart(uow, mine)
    assert view.item_count == 4  # 2 loaves (the visitor's), 2 cakes (kept)
