"""A shopper's orders: scoped to the shopper, newest first, cancellable parts."""

from __future__ import annotations

from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.history import (
    cancellable_parts,
    customer_order,
    order_for_request,
    orders_of_customer,
)
from shop_core.orders.model import MerchantOrderStatus, Order
from shop_core.orders.services import transition
from shop_core.testing.factories import make_user

from .conftest import Shop, buy


def test_orders_of_customer_lists_newest_first_with_merchant_orders(
    db: Database, shop: Shop
) -> None:
    first = buy(db, shop, {shop.bread_id: 1})
    second = buy(db, shop, {shop.bread_id: 1, shop.apples_id: 2}, idempotency_key="k-2")
    with db.uow() as uow:
        page = orders_of_customer(
            uow.session, territory_id=shop.territory_id, user_id=shop.shopper_id
        )
        assert page.total == 2
        assert [o.id for o in page.orders] == [second, first]
        assert len(page.orders[0].merchant_orders) == 2
        assert order_for_request(uow.session, user_id=shop.shopper_id, idempotency_key="k-2")


def test_another_shopper_cannot_find_an_order_by_reference(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1}, idempotency_key="mine")
    with db.uow() as uow:
        other = make_user(uow, territory_id=shop.territory_id)
        reference = uow.session.get_one(Order, order_id).reference
        assert (
            customer_order(
                uow.session, territory_id=shop.territory_id, user_id=other, reference=reference
            )
            is None
        )
        assert order_for_request(uow.session, user_id=other, idempotency_key="mine") is None
        mine = customer_order(
            uow.session,
            territory_id=shop.territory_id,
            user_id=shop.shopper_id,
            reference=reference,
        )
        assert mine is not None and mine.id == order_id


def test_cancellable_parts_leave_out_merchant_orders_on_their_way(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        baker, farmer = order.merchant_orders
        for target in (
            MerchantOrderStatus.ACCEPTED,
            MerchantOrderStatus.READY,
            MerchantOrderStatus.HANDED_TO_COURIER,
        ):
            transition(uow=uow, merchant_order_id=baker.id, target=target, actor=Actor.system())
        assert [mo.id for mo in cancellable_parts(order)] == [farmer.id]
