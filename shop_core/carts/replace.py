"""Replacing a basket's whole content at once (an app syncing the basket it kept offline)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop_core.carts.model import Cart, CartItem
from shop_core.carts.services import MAX_QUANTITY
from shop_core.catalogue.model import Product
from shop_core.errors import NotFound, OutOfStock, ProductUnavailable, ValidationError
from shop_core.persistence.uow import UnitOfWork


def replace_items(*, uow: UnitOfWork, cart_id: int, items: Mapping[int, int]) -> None:
    """Make the basket hold exactly ``items`` (product id → quantity), or change nothing.

    Every product is checked first (in the basket's territory, on sale, enough stock), so a
    refused request leaves the basket as it was. Lines kept keep the price the shopper saw.
    """
    cart = uow.session.get(Cart, cart_id)
    if cart is None:
        raise NotFound(what="Panier")
    for quantity in items.values():
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise ValidationError(
                f"La quantité doit être comprise entre 1 et {MAX_QUANTITY}.",
                field="quantity",
                code="quantity_out_of_range",
                max=MAX_QUANTITY,
            )
    products = {
        p.id: p
        for p in uow.session.scalars(
            select(Product)
            .where(Product.id.in_(list(items)))
            .options(selectinload(Product.merchant))
        )
    }
    for product_id in sorted(items):
        product = products.get(product_id)
        if product is None or product.merchant.territory_id != cart.territory_id:
            raise NotFound(what="Produit")
        if not product.on_sale:
            raise ProductUnavailable(product=product.name)
        if product.track_stock and items[product_id] > product.stock_quantity:
            raise OutOfStock(product=product.name, available=product.stock_quantity)
    current = {item.product_id: item for item in cart.items}
    for product_id, item in current.items():
        if product_id not in items:
            cart.items.remove(item)
    for product_id, quantity in items.items():
        existing = current.get(product_id)
        if existing is None:
            cart.items.append(
                CartItem(
                    product_id=product_id,
                    quantity=quantity,
                    price_seen_cents=products[product_id].price_cents,
                )
            )
        else:
            existing.quantity = quantity
    uow.commit()
