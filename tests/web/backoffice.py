"""Helpers shared by the merchant back-office and operator admin web tests."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.merchants.identity import vat_number_for
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
)
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    checkout,
    transition,
)
from shop_core.testing.factories import luhn_siren

from .conftest import NOW, World

TUESDAY = NOW.date().replace(day=24)
S = MerchantOrderStatus


def place_order(
    db: Database,
    world: World,
    items: dict[int, int],
    method: DeliveryMethod = DeliveryMethod.HOME,
    payment_method: PaymentMethod = PaymentMethod.OFFLINE,
) -> int:
    """Jeanne checks out ``items`` (product id → quantity) for Tuesday; the order id."""
    choice = DeliveryChoice(method=method, date=TUESDAY)
    if method is DeliveryMethod.HOME:
        choice = DeliveryChoice(
            method=method,
            date=TUESDAY,
            slot="matin",
            address=DeliveryAddress(
                recipient="Jeanne Martin",
                line1="3 rue des Tilleuls",
                postal_code="62130",
                city="Saint-Pol-sur-Ternoise",
                insee_code="62767",
            ),
        )
    elif method is DeliveryMethod.PICKUP_POINT:
        choice = DeliveryChoice(method=method, date=TUESDAY, pickup_point_id=world.pickup_point_id)
    with db.uow() as uow:
        cart = get_or_create_cart(
            uow=uow, territory_id=world.territory_id, user_id=world.shopper_id
        )
        for pid, qty in items.items():
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=qty)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer("Jeanne Martin", world.shopper_email, "0601020304", world.shopper_id),
            delivery=choice,
            now=NOW,
            payment_method=payment_method,
        )


def dropped_at_point(db: Database, world: World) -> Order:
    """Jeanne's loaf, ordered for the pickup point, left there by the courier on ``NOW``."""
    oid = place_order(db, world, {world.bread_id: 1}, DeliveryMethod.PICKUP_POINT)
    with db.uow() as uow:
        order = uow.session.get_one(Order, oid)
        for mo in order.merchant_orders:
            for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
                transition(
                    uow=uow, merchant_order_id=mo.id, target=step, actor=Actor.system(), now=NOW
                )
        order = uow.session.get_one(Order, oid)
        order.merchant_orders  # noqa: B018  (loaded for the caller)
        return order


def merchant_order_of(db: Database, order_id: int, merchant_id: int) -> MerchantOrder:
    with db.uow() as uow:
        mo = uow.session.scalar(
            select(MerchantOrder).where(
                MerchantOrder.order_id == order_id, MerchantOrder.merchant_id == merchant_id
            )
        )
        assert mo is not None
        _ = (mo.lines, mo.history, uow.session.get(Order, order_id))
        return mo


def png_bytes(width: int = 800, height: int = 600) -> bytes:
    """A real PNG made in memory."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def shop_identity(name: str = "Fromagerie Caron", seed: int = 777) -> dict[str, str]:
    """Form fields of a valid shop identity (SIREN, VAT number) in Saint-Pol."""
    siren = luhn_siren(seed)
    return {
        "trade_name": name,
        "legal_name": f"SARL {name}",
        "trade": "fromagerie",
        "siren": siren,
        "siret": "",
        "vat_number": vat_number_for(siren),
        "address": "4 rue d'Hesdin",
        "postal_code": "62130",
        "city": "Saint-Pol-sur-Ternoise",
    }
