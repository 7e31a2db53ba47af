"""A merchant's stock change does not undo the orders placed while they typed it."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import (
    ProductChangedMeanwhile,
    StockLevel,
    edit_snapshot,
    get_product,
    product_input,
    set_stock,
    update_product,
)
from shop_core.database import Database
from shop_core.testing.factories import make_user

from .at_once import at_once
from .conftest import Shop, buy, check_out


def _stock(db: Database, product_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Product, product_id).stock_quantity


def _set(db: Database, shop: Shop, quantity: int, seen: int | None) -> StockLevel:
    with db.uow() as uow:
        return set_stock(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            quantity=quantity,
            actor=Actor(None, merchant_id=shop.baker_id),
            seen=seen,
        )


def test_loaves_added_to_a_level_orders_moved_meanwhile_are_added_to_what_is_left(
    db: Database, shop: Shop
) -> None:
    assert _stock(db, shop.bread_id) == 10  # what the baker's page shows
    buy(db, shop, {shop.bread_id: 2})  # a shopper buys two meanwhile
    level = _set(db, shop, 12, seen=10)  # the baker bakes two more and types 12
    assert (level.before, level.now, level.change, level.adjusted) == (8, 10, 2, True)
    assert _stock(db, shop.bread_id) == 10
    with db.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "product.stock")
        ).one()
        assert entry.details["quantity"] == 10
        assert (entry.details["stock_seen"], entry.details["stock_typed"]) == (10, 12)


def test_taking_away_more_than_orders_left_stops_at_zero(db: Database, shop: Shop) -> None:
    buy(db, shop, {shop.bread_id: 9})
    level = _set(db, shop, 5, seen=10)  # five loaves burnt, typed over the 10 shown
    assert (level.now, level.change) == (0, -5)
    assert _stock(db, shop.bread_id) == 0


def test_a_level_typed_over_what_is_still_there_is_taken_as_it_is(db: Database, shop: Shop) -> None:
    assert not _set(db, shop, 4, seen=10).adjusted
    assert _stock(db, shop.bread_id) == 4
    buy(db, shop, {shop.bread_id: 1})
    assert _set(db, shop, 7, seen=None).now == 7  # a caller that does not know what was seen


def test_an_edit_that_leaves_the_stock_alone_keeps_what_orders_took(
    db: Database, shop: Shop
) -> None:
    with db.uow() as uow:
        form = product_input(get_product(uow, shop.bread_id))  # the form shows 10
    buy(db, shop, {shop.bread_id: 3})
    form.price_cents = 380
    with db.uow() as uow:
        level = update_product(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            data=form,
            actor=Actor(None, merchant_id=shop.baker_id),
            stock_seen=10,
        )
    assert level is not None and not level.adjusted and level.now == 7
    with db.uow() as uow:
        bread = uow.session.get_one(Product, shop.bread_id)
        assert (bread.price_cents, bread.stock_quantity) == (380, 7)


def test_checkouts_and_stock_changes_at_the_same_instant_all_count(
    db: Database, shop: Shop
) -> None:
    """Eight shoppers buy a loaf while the baker adds one, four times (four phones, or four
    taps, each typing 11 over the 10 its page showed): every sale and every loaf counts."""
    carts = []
    with db.uow() as uow:
        for _ in range(8):
            user = make_user(uow, territory_id=shop.territory_id)
            cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=user)
            add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
            carts.append((user, cart))

    def baker() -> None:
        _set(db, shop, 11, seen=10)

    shoppers = [functools.partial(check_out, db, user, cart) for user, cart in carts]
    outcomes = at_once(*shoppers, *([baker] * 4))
    assert outcomes == ["ok"] * 12
    assert _stock(db, shop.bread_id) == 10 - 8 + 4


def test_an_edit_made_over_someone_elses_change_is_refused_and_writes_nothing(
    db: Database, shop: Shop
) -> None:
    merchant = Actor(None, merchant_id=shop.baker_id)
    with db.uow() as uow:
        bread = get_product(uow, shop.bread_id)
        mine, theirs = product_input(bread), product_input(bread)
        seen = edit_snapshot(bread)
    buy(db, shop, {shop.bread_id: 2})  # a sale is not a change of the product
    theirs.price_cents, theirs.active = 390, False
    with db.uow() as uow:
        update_product(
            uow=uow, product_id=shop.bread_id, merchant_id=shop.baker_id, data=theirs,
            actor=merchant, seen=seen,
        )  # fmt: skip
    mine.name = "Pain de campagne bio"
    with db.uow() as uow, pytest.raises(ProductChangedMeanwhile) as refused:
        update_product(
            uow=uow, product_id=shop.bread_id, merchant_id=shop.baker_id, data=mine,
            actor=merchant, seen=seen,
        )  # fmt: skip
    assert "(prix : 3,50\u00a0€ → 3,90\u00a0€, retiré de la vente)" in str(refused.value)
    with db.uow() as uow:
        bread = uow.session.get_one(Product, shop.bread_id)
        assert (bread.name, bread.price_cents, bread.active) == ("Pain de campagne", 390, False)
