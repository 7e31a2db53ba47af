"""Factories that build valid territories, merchants, products and shoppers in one call.

Shipped with the library so that applications built on shop_core can write short tests.
Every factory goes through the real services, so what it builds passes the same checks.
"""

from __future__ import annotations

import datetime as dt
import itertools

from shop_core.accounts.model import Role
from shop_core.accounts.services import register_user
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Unit
from shop_core.catalogue.services import ProductInput, create_product
from shop_core.merchants.identity import vat_number_for
from shop_core.merchants.model import MerchantStatus, Trade
from shop_core.merchants.services import (
    MerchantProfile,
    register_merchant,
    set_opening_hours,
    set_status,
)
from shop_core.orders.delivery_codes import CheckedCode, check_code
from shop_core.orders.model import MerchantOrder
from shop_core.persistence.uow import UnitOfWork
from shop_core.territories.services import add_commune, add_delivery_slot, create_territory
from shop_core.vat import VatRate

_counter = itertools.count(1)


def luhn_siren(seed: int) -> str:
    """A valid (Luhn) SIREN derived from ``seed``."""
    base = f"{(seed * 7919) % 10**8:08d}"
    for check in range(10):
        candidate = base + str(check)
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def make_territory(uow: UnitOfWork, *, name: str | None = None, commission_bp: int = 500) -> int:
    """A territory serving Saint-Pol-sur-Ternoise, with morning and afternoon slots."""
    n = next(_counter)
    tid = create_territory(
        uow=uow, name=name or f"Territoire {n}", commission_rate_bp=commission_bp
    )
    add_commune(
        uow=uow,
        territory_id=tid,
        insee_code="62767",
        postal_code="62130",
        name="Saint-Pol-sur-Ternoise",
        lat=50.3814,
        lon=2.3347,
        population=4836,
    )
    add_commune(
        uow=uow,
        territory_id=tid,
        insee_code="62361",
        postal_code="62270",
        name="Frévent",
        lat=50.2764,
        lon=2.2878,
        population=3483,
    )
    add_delivery_slot(
        uow=uow,
        territory_id=tid,
        code="matin",
        label="Matin (9 h – 12 h)",
        starts=dt.time(9),
        ends=dt.time(12),
    )
    add_delivery_slot(
        uow=uow,
        territory_id=tid,
        code="apres-midi",
        label="Après-midi (14 h – 18 h)",
        starts=dt.time(14),
        ends=dt.time(18),
    )
    return tid


def make_user(
    uow: UnitOfWork,
    *,
    territory_id: int,
    role: Role = Role.SHOPPER,
    email: str | None = None,
    name: str = "Jeanne Martin",
) -> int:
    n = next(_counter)
    return register_user(
        uow=uow,
        territory_id=territory_id,
        email=email or f"user{n}@example.fr",
        full_name=name,
        password_hash="not-a-real-hash",
        role=role,
    )


def make_merchant(
    uow: UnitOfWork,
    *,
    territory_id: int,
    name: str | None = None,
    trade: Trade = Trade.BOULANGERIE,
    active: bool = True,
    vat_franchise: bool = False,
    owner_user_id: int | None = None,
) -> int:
    """An active merchant in Saint-Pol-sur-Ternoise, open Tuesday to Saturday."""
    n = next(_counter)
    siren = luhn_siren(n)
    profile = MerchantProfile(
        trade_name=name or f"Boutique {n}",
        legal_name=f"SARL Boutique {n}",
        siren=siren,
        trade=trade,
        address=f"{n} rue d'Hesdin",
        postal_code="62130",
        city="Saint-Pol-sur-Ternoise",
        insee_code="62767",
        lat=50.3814,
        lon=2.3347,
        vat_number="" if vat_franchise else vat_number_for(siren),
        vat_franchise=vat_franchise,
    )
    mid = register_merchant(
        uow=uow,
        territory_id=territory_id,
        profile=profile,
        owner_user_id=owner_user_id,
        actor=Actor.system(),
    )
    set_opening_hours(
        uow=uow,
        merchant_id=mid,
        actor=Actor.system(),
        windows=[(day, dt.time(8), dt.time(19)) for day in range(1, 6)],
    )
    if active:
        set_status(uow=uow, merchant_id=mid, status=MerchantStatus.ACTIVE, actor=Actor.system())
    return mid


def make_product(
    uow: UnitOfWork,
    *,
    merchant_id: int,
    name: str = "Pain de campagne",
    price_cents: int = 350,
    vat_rate: VatRate = VatRate.REDUCED,
    unit: Unit = Unit.PIECE,
    stock: int | None = 10,
    estimated_weight_g: int | None = None,
    description: str = "",
    category_id: int | None = None,
) -> int:
    """A product on sale; ``stock=None`` means the stock is not tracked."""
    return create_product(
        uow=uow,
        merchant_id=merchant_id,
        actor=Actor.system(),
        data=ProductInput(
            name=name,
            price_cents=price_cents,
            vat_rate=vat_rate,
            unit=unit,
            description=description,
            estimated_weight_g=estimated_weight_g,
            track_stock=stock is not None,
            stock_quantity=stock or 0,
            category_id=category_id,
        ),
    )


def shoppers_code(uow: UnitOfWork, merchant_order_id: int) -> CheckedCode:
    """What ``check_code`` gives when the shopper reads out their code: for a test that
    moves an order straight to *livrée* or *retirée* with ``transition``."""
    order = uow.session.get_one(MerchantOrder, merchant_order_id).order
    return check_code([order], order.delivery_code)
