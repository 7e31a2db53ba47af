"""Checkout: one order, one merchant order per merchant, snapshots, totals, stock."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart, view_cart
from shop_core.catalogue.model import Product
from shop_core.catalogue.services import get_product, product_input, update_product
from shop_core.database import Database
from shop_core.errors import EmptyBasket, InvalidDeliveryChoice, OpensAfterSlot, OutOfStock
from shop_core.merchants.services import set_opening_hours
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.services import (
    DeliveryChoice,
    PricesChanged,
    checkout,
    earliest_date,
)
from shop_core.stock.model import ReservationStatus, StockReservation
from shop_core.territories.model import Territory
from shop_core.territories.services import add_pickup_point
from shop_core.testing.factories import make_territory
from shop_core.vat import VatRate

from .conftest import CUSTOMER, NOW, TUESDAY, Shop, buy, home


def _order(db: Database, order_id: int) -> Order:
    with db.uow() as uow:
        order = uow.session.get(Order, order_id)
        assert order is not None
        for mo in order.merchant_orders:  # load what the assertions read
            _ = (mo.lines, mo.vat_lines, mo.history, mo.merchant.trade_name)
        return order


def _stock(db: Database, product_id: int) -> int:
    with db.uow() as uow:
        return uow.session.get_one(Product, product_id).stock_quantity


def test_basket_with_two_merchants_creates_two_merchant_orders(db: Database, shop: Shop) -> None:
    order = _order(db, buy(db, shop, {shop.bread_id: 2, shop.cake_id: 1, shop.apples_id: 3}))
    assert [mo.merchant.trade_name for mo in order.merchant_orders] == [
        "Boulangerie Lefebvre",
        "Ferme du Ternois",
    ]
    baker, farmer = order.merchant_orders
    assert baker.total_incl_cents == 2 * 350 + 1200
    assert farmer.total_incl_cents == 3 * 290
    assert order.total_incl_cents == 1900 + 870
    assert all(mo.status is MerchantOrderStatus.PLACED for mo in order.merchant_orders)
    assert baker.reference == f"{order.reference}-1"
    assert order.payment_status is PaymentStatus.UNPAID


def test_totals_reconcile_per_rate_and_commission_is_per_merchant_order(
    db: Database, shop: Shop
) -> None:
    order = _order(db, buy(db, shop, {shop.bread_id: 3, shop.apples_id: 7}))
    for mo in order.merchant_orders:
        assert sum(v.incl_cents for v in mo.vat_lines) == mo.total_incl_cents
        assert all(v.excl_cents + v.vat_cents == v.incl_cents for v in mo.vat_lines)
        assert mo.total_excl_cents + mo.total_vat_cents == mo.total_incl_cents
        # 5 % of the total including VAT, halves rounded up: 10,50 € → 0,53 €
        assert mo.commission_cents == (mo.total_incl_cents * 5 + 50) // 100
        assert mo.commission_rate_bp == 500
    by_rate = order.vat_by_rate()
    assert list(by_rate) == [VatRate.REDUCED]
    assert by_rate[VatRate.REDUCED][2] == order.total_incl_cents
    assert order.commission_cents == sum(mo.commission_cents for mo in order.merchant_orders)


def test_lines_snapshot_name_price_and_vat(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        data = product_input(get_product(uow, shop.bread_id))
        data.name, data.price_cents, data.vat_rate = "Pain bis", 990, VatRate.STANDARD
        update_product(
            uow=uow,
            product_id=shop.bread_id,
            merchant_id=shop.baker_id,
            data=data,
            actor=Actor.system(),
        )
    line = _order(db, order_id).merchant_orders[0].lines[0]
    assert (line.product_name, line.unit_price_cents, line.vat_rate) == (
        "Pain de campagne",
        350,
        VatRate.REDUCED,
    )


def test_checkout_reserves_stock_and_empties_the_basket(db: Database, shop: Shop) -> None:
    order_id = buy(db, shop, {shop.cake_id: 2, shop.bread_id: 4})
    assert _stock(db, shop.cake_id) == 0
    assert _stock(db, shop.bread_id) == 6
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        assert view_cart(uow, cart).is_empty
        reservations = uow.session.scalars(select(StockReservation)).all()
        assert {r.quantity for r in reservations} == {2, 4}
        assert all(r.status is ReservationStatus.COMMITTED for r in reservations)
    assert _order(db, order_id).delivery_method is DeliveryMethod.HOME


def test_a_shortfall_on_one_line_writes_nothing(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        add_item(uow=uow, cart_id=cart, product_id=shop.bread_id, quantity=3)
        add_item(uow=uow, cart_id=cart, product_id=shop.cake_id, quantity=2)
    # Someone else buys a cake meanwhile.
    with db.uow() as uow:
        uow.session.get_one(Product, shop.cake_id).stock_quantity = 1
        uow.commit()
    with db.uow() as uow, pytest.raises(OutOfStock):
        checkout(uow=uow, cart_id=cart, customer=CUSTOMER, delivery=home(), now=NOW)
    assert _stock(db, shop.bread_id) == 10
    assert _stock(db, shop.cake_id) == 1
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 0
        assert uow.session.scalar(select(func.count(StockReservation.id))) == 0
        assert view_cart(uow, cart).item_count == 5


def test_empty_basket_cannot_be_checked_out(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        with pytest.raises(EmptyBasket):
            checkout(uow=uow, cart_id=cart, customer=CUSTOMER, delivery=home(), now=NOW)


def test_same_idempotency_key_returns_the_same_order(db: Database, shop: Shop) -> None:
    first = buy(db, shop, {shop.bread_id: 1}, idempotency_key="k-1")
    with db.uow() as uow:
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        again = checkout(
            uow=uow,
            cart_id=cart,
            customer=CUSTOMER,
            delivery=home(),
            now=NOW,
            idempotency_key="k-1",
        )
    assert again == first
    assert _stock(db, shop.bread_id) == 9


def test_a_total_different_from_what_the_shopper_saw_is_refused(db: Database, shop: Shop) -> None:
    with pytest.raises(PricesChanged):
        buy(db, shop, {shop.bread_id: 1}, expected_total_cents=300)
    assert _stock(db, shop.bread_id) == 10


def test_cut_off_decides_the_earliest_date(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        territory = uow.session.get_one(Territory, shop.territory_id)
        # 17:59 in Paris (UTC+1 in November) → tomorrow; 18:00 → the day after.
        assert earliest_date(territory, dt.datetime(2026, 11, 23, 16, 59, tzinfo=dt.UTC)) == TUESDAY
        assert earliest_date(territory, dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.UTC)) == (
            TUESDAY + dt.timedelta(days=1)
        )
    with pytest.raises(InvalidDeliveryChoice, match="première date possible") as refused:
        buy(db, shop, {shop.bread_id: 1}, delivery=home(date=TUESDAY - dt.timedelta(days=1)))
    # The same as values, for the app to word it in another language.
    assert (refused.value.params["reason"], refused.value.params["first"]) == (
        "too_early",
        TUESDAY.isoformat(),
    )


def test_home_delivery_outside_served_communes_is_refused(db: Database, shop: Shop) -> None:
    with pytest.raises(InvalidDeliveryChoice, match="n'est pas desservie") as refused:
        buy(db, shop, {shop.bread_id: 1}, delivery=home(insee="80021"))
    assert refused.value.params["reason"] == "commune_not_delivered"
    assert refused.value.params["city"] in str(refused.value)
    assert _stock(db, shop.bread_id) == 10


def test_pickup_point_must_belong_to_the_territory(db: Database, shop: Shop) -> None:
    with db.uow() as uow:
        other = make_territory(uow)
        foreign = add_pickup_point(
            uow=uow,
            territory_id=other,
            name="Mairie",
            address="Place",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
        )
        mine = add_pickup_point(
            uow=uow,
            territory_id=shop.territory_id,
            name="Le Tiers-Lieu",
            address="2 place de l'Hôtel de Ville",
            postal_code="62130",
            city="Saint-Pol-sur-Ternoise",
        )
    with pytest.raises(InvalidDeliveryChoice):
        buy(
            db,
            shop,
            {shop.bread_id: 1},
            delivery=DeliveryChoice(
                method=DeliveryMethod.PICKUP_POINT, date=TUESDAY, pickup_point_id=foreign
            ),
        )
    order = _order(
        db,
        buy(
            db,
            shop,
            {shop.bread_id: 1},
            delivery=DeliveryChoice(
                method=DeliveryMethod.PICKUP_POINT, date=TUESDAY, pickup_point_id=mine
            ),
        ),
    )
    assert order.pickup_point_id == mine
    assert order.address_line1 == "2 place de l'Hôtel de Ville"


def test_click_and_collect_needs_the_shops_to_be_open_that_day(db: Database, shop: Shop) -> None:
    # Factory shops open Tuesday to Saturday.
    monday = dt.date(2026, 11, 30)
    with pytest.raises(InvalidDeliveryChoice, match="fermé"):
        buy(
            db,
            shop,
            {shop.bread_id: 1},
            delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=monday),
        )
    order = _order(
        db,
        buy(
            db,
            shop,
            {shop.bread_id: 1},
            delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=TUESDAY),
        ),
    )
    assert order.delivery_method is DeliveryMethod.CLICK_COLLECT


def test_online_payment_holds_stock_until_expiry(db: Database, shop: Shop) -> None:
    order = _order(db, buy(db, shop, {shop.cake_id: 2}, payment_method=PaymentMethod.ONLINE))
    assert order.payment_status is PaymentStatus.PENDING
    assert order.reservation_expires_at == NOW + dt.timedelta(minutes=30)
    assert _stock(db, shop.cake_id) == 0


def test_a_shop_opening_after_the_slot_cannot_be_delivered_in_it(db: Database, shop: Shop) -> None:
    """The farm opens at 16:00 on Tuesdays: its parcels cannot reach a door in the morning
    slot (9:00-12:00), so the order is refused, and nothing of it is kept; the afternoon
    slot (14:00-18:00) ends after 16:00 and is accepted."""
    with db.uow() as uow:
        set_opening_hours(
            uow=uow, merchant_id=shop.farmer_id, actor=Actor.system(),
            windows=[(1, dt.time(16), dt.time(19)), (2, dt.time(8, 30), dt.time(12))],
        )  # fmt: skip
    with pytest.raises(OpensAfterSlot) as refused:
        buy(db, shop, {shop.bread_id: 1, shop.apples_id: 2})

    assert str(refused.value) == (
        "« Ferme du Ternois » n'ouvre qu'à 16 h ce jour-là : ses produits ne peuvent pas être "
        "livrés sur le créneau choisi. Choisissez un créneau plus tard ou un autre jour."
    )
    assert refused.value.params == {"merchant": "Ferme du Ternois", "opens": "16:00"}
    assert _stock(db, shop.bread_id) == 10
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 0
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        assert view_cart(uow, cart).item_count == 3

    afternoon = replace(home(), slot="apres-midi")
    assert _order(db, buy(db, shop, {}, delivery=afternoon)).delivery_slot == "apres-midi"
