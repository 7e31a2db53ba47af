"""Basket services: add, change, remove, and a view grouped by merchant."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shop_core.carts.model import Cart, CartItem
from shop_core.catalogue.model import Product
from shop_core.errors import NotFound, OutOfStock, ProductUnavailable, ValidationError
from shop_core.merchants.model import Merchant
from shop_core.persistence.uow import UnitOfWork

MAX_QUANTITY = 999


def get_or_create_cart(
    *, uow: UnitOfWork, territory_id: int, user_id: int | None = None, token: str | None = None
) -> int:
    """The basket of a shopper (by user id) or of an anonymous visitor (by token)."""
    if user_id is None and token is None:
        raise ValueError("a cart belongs to a user or to a token")
    query = select(Cart).where(Cart.territory_id == territory_id)
    query = query.where(Cart.user_id == user_id) if user_id else query.where(Cart.token == token)
    cart = uow.session.scalar(query)
    if cart is None:
        cart = Cart(territory_id=territory_id, user_id=user_id, token=None if user_id else token)
        uow.session.add(cart)
        uow.commit()
    return cart.id


def merge_carts(*, uow: UnitOfWork, from_cart_id: int, into_cart_id: int) -> int:
    """Move an anonymous basket's items into the shopper's basket at login.

    The visitor's choice is the latest: a product in both baskets takes the visitor's
    quantity (adding the two doubled what the shopper had just chosen again). Products
    kept from the account's earlier visits stay; their number is returned, for the
    shopper to be told before ordering them by surprise (0: nothing was there before).
    """
    if from_cart_id == into_cart_id:
        return 0
    source = uow.session.get(Cart, from_cart_id)
    target = uow.session.get(Cart, into_cart_id)
    if source is None or target is None:
        return 0
    existing = {item.product_id: item for item in target.items}
    chosen = {item.product_id for item in source.items}
    for item in source.items:
        if item.product_id in existing:
            existing[item.product_id].quantity = item.quantity
            existing[item.product_id].price_seen_cents = item.price_seen_cents
        else:
            target.items.append(
                CartItem(
                    product_id=item.product_id,
                    quantity=item.quantity,
                    price_seen_cents=item.price_seen_cents,
                )
            )
    uow.session.delete(source)
    uow.commit()
    return len(existing.keys() - chosen) if chosen else 0


def _sellable(uow: UnitOfWork, cart: Cart, product_id: int) -> Product:
    product = uow.session.get(Product, product_id)
    if product is None or product.merchant.territory_id != cart.territory_id:
        raise NotFound(what="Produit")
    if not product.on_sale:
        raise ProductUnavailable(product=product.name)
    return product


def set_quantity(*, uow: UnitOfWork, cart_id: int, product_id: int, quantity: int) -> None:
    """Set a product's quantity in the basket (0 removes it); checks the stock."""
    cart = uow.session.get(Cart, cart_id)
    if cart is None:
        raise NotFound(what="Panier")
    if not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            f"La quantité doit être comprise entre 1 et {MAX_QUANTITY}.",
            field="quantity",
            code="quantity_out_of_range",
            max=MAX_QUANTITY,
        )
    item = next((i for i in cart.items if i.product_id == product_id), None)
    if quantity == 0:
        if item is not None:
            cart.items.remove(item)
            uow.commit()
        return
    product = _sellable(uow, cart, product_id)
    if product.track_stock and quantity > product.stock_quantity:
        raise OutOfStock(product=product.name, available=product.stock_quantity)
    if item is None:
        cart.items.append(
            CartItem(product_id=product_id, quantity=quantity, price_seen_cents=product.price_cents)
        )
    else:
        item.quantity = quantity
    uow.commit()


def add_item(*, uow: UnitOfWork, cart_id: int, product_id: int, quantity: int = 1) -> None:
    """Add ``quantity`` of a product; more than the stock gives ``OutOfStock``."""
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationError(
            f"La quantité doit être comprise entre 1 et {MAX_QUANTITY}.",
            field="quantity",
            code="quantity_out_of_range",
            max=MAX_QUANTITY,
        )
    cart = uow.session.get(Cart, cart_id)
    if cart is None:
        raise NotFound(what="Panier")
    current = next((i.quantity for i in cart.items if i.product_id == product_id), 0)
    set_quantity(uow=uow, cart_id=cart_id, product_id=product_id, quantity=current + quantity)


def acknowledge_prices(*, uow: UnitOfWork, cart_id: int) -> None:
    """The shopper has seen the current prices: reset the price-change markers."""
    cart = uow.session.get(Cart, cart_id)
    if cart is None:
        raise NotFound(what="Panier")
    for item in cart.items:
        item.price_seen_cents = item.product.price_cents
    uow.commit()


@dataclass(frozen=True, slots=True)
class CartLine:
    product: Product
    quantity: int
    unit_price_cents: int
    price_seen_cents: int
    total_cents: int
    available: bool
    stock_short: bool

    @property
    def price_changed(self) -> bool:
        return self.unit_price_cents != self.price_seen_cents


@dataclass(frozen=True, slots=True)
class MerchantGroup:
    merchant: Merchant
    lines: list[CartLine]

    @property
    def subtotal_cents(self) -> int:
        return sum(line.total_cents for line in self.lines if line.available)


@dataclass(frozen=True, slots=True)
class CartView:
    """A basket as the shopper sees it: per merchant, with what changed since adding."""

    cart_id: int
    groups: list[MerchantGroup]

    @property
    def total_cents(self) -> int:
        return sum(g.subtotal_cents for g in self.groups)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for g in self.groups for line in g.lines)

    @property
    def has_problems(self) -> bool:
        return any(not ln.available or ln.stock_short for g in self.groups for ln in g.lines)

    @property
    def prices_changed(self) -> bool:
        return any(line.price_changed for g in self.groups for line in g.lines)

    @property
    def is_empty(self) -> bool:
        return not self.groups


def view_cart(uow: UnitOfWork, cart_id: int) -> CartView:
    """The basket grouped by merchant, in a bounded number of queries."""
    cart = uow.session.scalar(
        select(Cart)
        .where(Cart.id == cart_id)
        .options(
            selectinload(Cart.items)
            .selectinload(CartItem.product)
            .options(selectinload(Product.merchant), selectinload(Product.photos))
        )
    )
    if cart is None:
        raise NotFound(what="Panier")
    groups: dict[int, MerchantGroup] = {}
    for item in cart.items:
        product = item.product
        unit = product.estimated_piece_price_cents()
        line = CartLine(
            product=product,
            quantity=item.quantity,
            unit_price_cents=product.price_cents,
            price_seen_cents=item.price_seen_cents,
            total_cents=unit * item.quantity,
            available=product.on_sale,
            stock_short=product.track_stock and item.quantity > product.stock_quantity,
        )
        group = groups.setdefault(product.merchant_id, MerchantGroup(product.merchant, []))
        group.lines.append(line)
    ordered = sorted(groups.values(), key=lambda g: g.merchant.trade_name)
    return CartView(cart_id=cart.id, groups=ordered)
