"""Concurrent checkouts for the last units, with real threads and connections."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.errors import OutOfStock
from shop_core.invoices.model import Invoice
from shop_core.orders.model import MerchantOrder, Order, StatusChange
from shop_core.orders.model import MerchantOrderStatus as S
from shop_core.orders.services import transition
from shop_core.testing.factories import make_user, shoppers_code

from .at_once import at_once
from .conftest import Shop, buy, check_out

BUYERS = 12


@pytest.mark.parametrize("units", [1, 5])
def test_concurrent_checkouts_for_the_last_units_succeed_exactly_that_many_times(
    db: Database, shop: Shop, units: int
) -> None:
    with db.uow() as uow:
        uow.session.get_one(Product, shop.cake_id).stock_quantity = units
        uow.commit()
        carts = []
        for _ in range(BUYERS):
            user = make_user(uow, territory_id=shop.territory_id)
            cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=user)
            # Baskets share two products, added in different orders, to provoke deadlocks.
            add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=1)
            add_item(uow=uow, cart_id=cart, product_id=shop.cake_id, quantity=1)
            carts.append((user, cart))
    barrier = threading.Barrier(BUYERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def buyer(user: int, cart: int) -> None:
        barrier.wait()
        try:
            check_out(db, user, cart)
            result = "ok"
        except OutOfStock:
            result = "out"
        except Exception as exc:  # noqa: BLE001 - reported in the assertion below
            result = f"error: {exc!r}"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buyer, args=c) for c in carts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["ok"] * units + ["out"] * (BUYERS - units)
    with db.uow() as uow:
        assert uow.session.get_one(Product, shop.cake_id).stock_quantity == 0
        assert uow.session.get_one(Product, shop.bread_id).stock_quantity == 10 - units
        assert uow.session.scalar(select(func.count(MerchantOrder.id))) == units


def test_concurrent_deliveries_number_invoices_without_gaps_or_duplicates(
    db: Database, shop: Shop
) -> None:
    count = 8
    mo_ids = []
    for _ in range(count):
        order_id = buy(db, shop, {shop.bread_id: 1})
        with db.uow() as uow:
            mo = uow.session.get_one(Order, order_id).merchant_orders[0]
            mo_ids.append(mo.id)
        for target in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER):
            with db.uow() as uow:
                transition(uow=uow, merchant_order_id=mo.id, target=target, actor=Actor.system())
    barrier = threading.Barrier(count)
    errors: list[str] = []

    def deliver(mo_id: int) -> None:
        barrier.wait()
        try:
            with db.uow() as uow:
                transition(
                    uow=uow, merchant_order_id=mo_id, target=S.DELIVERED, actor=Actor.system(),
                    checked=shoppers_code(uow, mo_id),
                )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=deliver, args=(i,)) for i in mo_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db.uow() as uow:
        numbers = sorted(uow.session.scalars(select(Invoice.number)).all())
    assert numbers == list(range(1, count + 1))


@pytest.mark.parametrize("target", [S.READY, S.DELIVERED])
def test_the_same_move_clicked_several_times_at_once_is_made_once(
    db: Database, shop: Shop, target: S
) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        mo_id = uow.session.get_one(Order, order_id).merchant_orders[0].id
    steps = [S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED]
    for step in steps[: steps.index(target)]:
        with db.uow() as uow:
            transition(uow=uow, merchant_order_id=mo_id, target=step, actor=Actor.system())

    def click() -> None:
        with db.uow() as uow:
            uow.session.get_one(MerchantOrder, mo_id)  # the page looked the order up first
            transition(
                uow=uow, merchant_order_id=mo_id, target=target, actor=Actor.system(),
                checked=shoppers_code(uow, mo_id),  # the code, where it is asked for
            )  # fmt: skip

    outcomes = at_once(*[click] * 4)

    assert outcomes[0] == "ok" and all(o.startswith("refused: ") for o in outcomes[1:]), outcomes
    with db.uow() as uow:
        moves = select(func.count(StatusChange.id)).where(
            StatusChange.merchant_order_id == mo_id, StatusChange.to_status == target
        )
        assert uow.session.scalar(moves) == 1
        assert uow.session.scalar(select(func.count(Invoice.id))) == (target is S.DELIVERED)
