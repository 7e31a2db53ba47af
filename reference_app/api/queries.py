"""The API's reads, each scoped to the request's territory (and to the caller's account).

Listing rules (what is on sale, which orders are the shopper's) come from the core
(``shop_core.catalogue.browse``, ``shop_core.orders.history``); here products get merchant,
category and photos loaded in one go and an order everything its representation shows, so a
page costs a fixed number of queries.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shop_core.catalogue.browse import shop_product
from shop_core.catalogue.model import Product
from shop_core.merchants.model import Merchant, MerchantMember
from shop_core.orders.model import MerchantOrder, Order

_PRODUCT_DISPLAY = (
    selectinload(Product.merchant),
    selectinload(Product.category),
    selectinload(Product.photos),
)


def with_display(session: Session, products: list[Product]) -> list[Product]:
    """The same products, in the same order, with what a representation reads loaded."""
    if not products:
        return []
    loaded = {
        p.id: p
        for p in session.scalars(
            select(Product)
            .where(Product.id.in_([p.id for p in products]))
            .options(*_PRODUCT_DISPLAY)
            .execution_options(populate_existing=True)
        )
    }
    return [loaded[p.id] for p in products if p.id in loaded]


def visible_product(
    session: Session, *, territory_id: int, product_id: int, user_id: int | None
) -> Product | None:
    """What the shop shows (``shop_product``: inactive ones too, marked not on sale), and
    for merchant staff their own products even before the shop is approved."""
    product = shop_product(session, territory_id=territory_id, product_id=product_id)
    if product is not None or user_id is None:
        return product
    own: Product | None = session.scalar(
        select(Product)
        .join(Merchant, Merchant.id == Product.merchant_id)
        .join(MerchantMember, MerchantMember.merchant_id == Merchant.id)
        .where(
            Product.id == product_id,
            Product.archived.is_(False),
            Merchant.territory_id == territory_id,
            MerchantMember.user_id == user_id,
        )
        .options(*_PRODUCT_DISPLAY)
    )
    return own


def own_order(session: Session, *, territory_id: int, user_id: int, order_id: int) -> Order | None:
    """One of the caller's orders by id, with everything its representation shows."""
    order: Order | None = session.scalar(
        select(Order)
        .where(
            Order.id == order_id,
            Order.territory_id == territory_id,
            Order.user_id == user_id,
        )
        .options(
            selectinload(Order.pickup_point),
            selectinload(Order.merchant_orders).options(
                selectinload(MerchantOrder.merchant),
                selectinload(MerchantOrder.lines),
                selectinload(MerchantOrder.vat_lines),
            ),
        )
    )
    return order
