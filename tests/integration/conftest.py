"""Fixtures building a small territory through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.merchants.model import Trade
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    checkout,
    transition,
)
from shop_core.testing.factories import (
    make_merchant,
    make_product,
    make_territory,
    make_user,
    shoppers_code,
)
from shop_core.vat import VatRate

# A Monday morning, before the 18:00 cut-off: the earliest date is Tuesday.
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
TUESDAY = dt.date(2026, 11, 24)


@dataclass
class Shop:
    territory_id: int
    baker_id: int
    farmer_id: int
    shopper_id: int
    bread_id: int
    cake_id: int
    apples_id: int
    roast_id: int


@pytest.fixture
def shop(db: Database) -> Shop:
    with db.uow() as uow:
        tid = make_territory(uow)
        baker = make_merchant(uow, territory_id=tid, name="Boulangerie Lefebvre")
        farmer = make_merchant(uow, territory_id=tid, name="Ferme du Ternois", trade=Trade.FERME)
        shopper = make_user(uow, territory_id=tid)
        bread = make_product(uow, merchant_id=baker, name="Pain de campagne", price_cents=350)
        cake = make_product(
            uow,
            merchant_id=baker,
            name="Tarte au sucre",
            price_cents=1200,
            vat_rate=VatRate.REDUCED,
            stock=2,
        )
        apples = make_product(
            uow,
            merchant_id=farmer,
            name="Pomme Reinette",
            price_cents=290,
            stock=None,
            description="Pommes du verger, 1 kg",
        )
        from shop_core.catalogue.model import Unit

        roast = make_product(
            uow,
            merchant_id=farmer,
            name="Rôti de porc",
            price_cents=1890,
            unit=Unit.KG,
            estimated_weight_g=1000,
            stock=5,
        )
    return Shop(tid, baker, farmer, shopper, bread, cake, apples, roast)


def home(date: dt.date = TUESDAY, insee: str = "62767") -> DeliveryChoice:
    return DeliveryChoice(
        method=DeliveryMethod.HOME,
        date=date,
        slot="matin",
        address=DeliveryAddress(
            recipient="Jeanne Martin",
            line1="3 rue des Tilleuls",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
            insee_code=insee,
        ),
    )


CUSTOMER = Customer(name="Jeanne Martin", email="jeanne@example.fr", phone="0601020304")


def buy(db: Database, shop: Shop, items: dict[int, int], **kwargs: object) -> int:
    """Fill the shopper's basket and check out; returns the order id."""
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        for pid, qty in items.items():
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=qty)
        options: dict[str, object] = {"delivery": home(), "now": NOW}
        options.update(kwargs)
        customer = Customer(CUSTOMER.name, CUSTOMER.email, CUSTOMER.phone, shop.shopper_id)
        return checkout(uow=uow, cart_id=cart, customer=customer, **options)  # type: ignore[arg-type]


def check_out(db: Database, user: int, cart: int) -> int:
    """Another shopper (``user``, basket ``cart``) checks out for home delivery."""
    with db.uow() as uow:
        return checkout(
            uow=uow,
            cart_id=cart,
            delivery=home(),
            now=NOW,
            customer=Customer("Client", f"c{user}@example.fr", user_id=user),
        )


def deliver_all(db: Database, order_id: int) -> None:
    """Take every merchant order of the order through to delivered at the shopper's door."""
    with db.uow() as uow:
        mo_ids = [mo.id for mo in uow.session.get_one(Order, order_id).merchant_orders]
    S = MerchantOrderStatus
    for mo_id in mo_ids:
        for target in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
            with db.uow() as uow:
                transition(
                    uow=uow, merchant_order_id=mo_id, target=target, actor=Actor.system(),
                    checked=shoppers_code(uow, mo_id),  # the shopper reads out their code
                )  # fmt: skip
