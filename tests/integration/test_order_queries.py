"""The operator's list of the territory's orders: filters in SQL, combined; pages; the
territory's own orders only; one statement count whatever the page holds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, select

from shop_core.accounts.model import User
from shop_core.audit.services import Actor
from shop_core.carts.services import add_item, get_or_create_cart
from shop_core.database import Database
from shop_core.orders.model import (
    DeliveryMethod,
    MerchantOrder,
    MerchantOrderStatus,
    Order,
    PaymentMethod,
)
from shop_core.orders.queries import (
    OrderFilters,
    StatusGroup,
    all_territory_orders,
    fold,
    territory_orders,
)
from shop_core.orders.services import (
    Customer,
    DeliveryAddress,
    DeliveryChoice,
    checkout,
    transition,
)
from shop_core.testing.factories import make_merchant, make_product, make_territory, make_user

from .conftest import NOW, TUESDAY, Shop

WEDNESDAY = TUESDAY + dt.timedelta(days=1)
S = MerchantOrderStatus


def _home(date: dt.date, city: str = "Saint-Pol-sur-Ternoise") -> DeliveryChoice:
    insee, postal = ("62361", "62270") if city == "Frévent" else ("62767", "62130")
    return DeliveryChoice(
        method=DeliveryMethod.HOME,
        date=date,
        slot="matin",
        address=DeliveryAddress(
            recipient="x", line1="1 rue Haute", postal_code=postal, city=city, insee_code=insee
        ),
    )


def _order(
    db: Database,
    territory_id: int,
    items: dict[int, int],
    *,
    name: str = "Jeanne Martin",
    phone: str = "0601020304",
    delivery: DeliveryChoice | None = None,
    minutes: int = 0,
    online: bool = False,
    user_id: int | None = None,
) -> int:
    """A shopper of ``territory_id`` (a new one unless ``user_id``) checks out ``items``,
    ``minutes`` after ``NOW``; the order id."""
    with db.uow() as uow:
        user = user_id or make_user(uow, territory_id=territory_id, name=name)
        cart = get_or_create_cart(uow=uow, territory_id=territory_id, user_id=user)
        for pid, qty in items.items():
            add_item(uow=uow, cart_id=cart, product_id=pid, quantity=qty)
        return checkout(
            uow=uow,
            cart_id=cart,
            customer=Customer(name, f"client{user}@example.fr", phone, user),
            delivery=delivery or _home(TUESDAY),
            now=NOW + dt.timedelta(minutes=minutes),
            payment_method=PaymentMethod.ONLINE if online else PaymentMethod.OFFLINE,
        )


def _move(db: Database, order_id: int, merchant_id: int, *steps: MerchantOrderStatus) -> None:
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        (part,) = (mo for mo in order.merchant_orders if mo.merchant_id == merchant_id)
        part_id = part.id
    for step in steps:
        with db.uow() as uow:
            transition(
                uow=uow,
                merchant_order_id=part_id,
                target=step,
                actor=Actor.system(),
                reason="Rupture",
            )


def _ids(db: Database, territory_id: int, **filters: Any) -> list[int]:
    with db.uow() as uow:
        page = territory_orders(
            uow.session, territory_id=territory_id, filters=OrderFilters(**filters), per_page=100
        )
        return [row.order.id for row in page.rows]


def test_words_match_reference_name_email_phone_or_commune_whatever_accents_and_case(
    db: Database, shop: Shop
) -> None:
    jeanne = _order(db, shop.territory_id, {shop.bread_id: 1})
    helene = _order(
        db,
        shop.territory_id,
        {shop.apples_id: 1},
        name="Hélène LEFÈVRE",
        phone="06 11 22 33 44",
        delivery=_home(TUESDAY, "Frévent"),
        minutes=1,
    )
    with db.uow() as uow:
        reference = uow.session.get_one(Order, helene).reference
    for text in (
        "helene",
        "HÉLÈNE",
        "lefevre hélène",
        "frevent",
        "FRÉVENT lefèvre",
        "0611223344",
        "06.11.22",
        "+33 6 11 22 33 44",
        reference.lower(),
        reference[-6:],
    ):
        assert _ids(db, shop.territory_id, text=text) == [helene], text
    assert _ids(db, shop.territory_id, text="martin saint-pol") == [jeanne]
    # Every word must match: a shopper of Saint-Pol named Lefèvre does not exist.
    assert _ids(db, shop.territory_id, text="lefevre saint-pol") == []
    # "%" and "_" are letters to look for, not wildcards.
    assert _ids(db, shop.territory_id, text="%") == []
    assert fold("Œuvre Ça") == "oeuvre ca"


def test_a_phone_the_shopper_gave_in_international_form_is_found_as_the_operator_types_it(
    db: Database, shop: Shop
) -> None:
    # The shopper typed « +33 », the operator reads the number in the French way.
    paul = _order(db, shop.territory_id, {shop.bread_id: 1}, name="Paul", phone="+33 6 55 44 33 22")
    _order(db, shop.territory_id, {shop.bread_id: 1}, minutes=1)
    for text in ("06 55 44 33 22", "0655443322", "06.55.44", "+33 6 55 44 33 22"):
        assert _ids(db, shop.territory_id, text=text) == [paul], text


def test_state_and_shop_filters_apply_to_the_same_part_and_combine_with_the_others(
    db: Database, shop: Shop
) -> None:
    # Both shops: the baker has not accepted yet, the farm is preparing.
    both = _order(db, shop.territory_id, {shop.bread_id: 1, shop.apples_id: 1})
    _move(db, both, shop.farmer_id, S.ACCEPTED, S.PREPARING)
    # The baker only, accepted, for Wednesday, at the shop.
    collect = _order(
        db,
        shop.territory_id,
        {shop.bread_id: 2},
        delivery=DeliveryChoice(method=DeliveryMethod.CLICK_COLLECT, date=WEDNESDAY),
        minutes=1,
    )
    _move(db, collect, shop.baker_id, S.ACCEPTED)
    # Paid online but not yet: no shop may accept it.
    unpaid = _order(db, shop.territory_id, {shop.apples_id: 3}, minutes=2, online=True)
    # Refused by the farm.
    refused = _order(db, shop.territory_id, {shop.apples_id: 1}, minutes=3)
    _move(db, refused, shop.farmer_id, S.REFUSED)

    tid = shop.territory_id
    assert _ids(db, tid) == [refused, unpaid, collect, both]
    assert _ids(db, tid, status=StatusGroup.TO_ACCEPT) == [both]
    assert _ids(db, tid, status=StatusGroup.AWAITING_PAYMENT) == [unpaid]
    assert _ids(db, tid, status=StatusGroup.PREPARING) == [collect, both]
    assert _ids(db, tid, status=StatusGroup.CANCELLED) == [refused]
    assert _ids(db, tid, merchant_id=shop.baker_id) == [collect, both]
    # The baker's part of `both` is to accept, its farm's part is in preparation.
    assert _ids(db, tid, status=StatusGroup.TO_ACCEPT, merchant_id=shop.farmer_id) == []
    assert _ids(db, tid, status=StatusGroup.PREPARING, merchant_id=shop.farmer_id) == [both]
    assert _ids(db, tid, status=StatusGroup.PREPARING, merchant_id=shop.baker_id) == [collect]
    assert _ids(db, tid, method=DeliveryMethod.CLICK_COLLECT) == [collect]
    assert _ids(db, tid, method=DeliveryMethod.HOME, status=StatusGroup.PREPARING) == [both]
    assert _ids(db, tid, delivery_from=WEDNESDAY) == [collect]
    assert _ids(db, tid, delivery_to=TUESDAY) == [refused, unpaid, both]
    assert _ids(db, tid, delivery_from=TUESDAY, delivery_to=TUESDAY, text="martin") == [
        refused,
        unpaid,
        both,
    ]
    assert _ids(db, tid, delivery_from=WEDNESDAY, delivery_to=TUESDAY) == []


def test_pages_hold_the_newest_orders_first_and_a_page_out_of_range_is_the_nearest(
    db: Database, shop: Shop
) -> None:
    ids = [_order(db, shop.territory_id, {shop.apples_id: 1}, minutes=n) for n in range(5)]
    newest_first = ids[::-1]
    with db.uow() as uow:

        def page(number: int) -> tuple[list[int], int, int, int]:
            found = territory_orders(
                uow.session,
                territory_id=shop.territory_id,
                filters=OrderFilters(),
                page=number,
                per_page=2,
            )
            return [r.order.id for r in found.rows], found.page, found.page_count, found.total

        assert page(1) == (newest_first[:2], 1, 3, 5)
        assert page(2) == (newest_first[2:4], 2, 3, 5)
        assert page(3) == (newest_first[4:], 3, 3, 5)
        assert page(99) == page(3)
        assert page(-3) == page(1)


def test_another_territorys_orders_never_appear(db: Database, shop: Shop) -> None:
    mine = _order(db, shop.territory_id, {shop.bread_id: 1})
    with db.uow() as uow:
        other = make_territory(uow)
        their_shop = make_merchant(uow, territory_id=other, name="Boulangerie Lefebvre")
        their_bread = make_product(uow, merchant_id=their_shop)
    theirs = _order(db, other, {their_bread: 1})
    for filters in ({}, {"text": "jeanne martin"}, {"merchant_id": their_shop}):
        assert theirs not in _ids(db, shop.territory_id, **filters)
        assert mine not in _ids(db, other, **filters)
    assert _ids(db, shop.territory_id, merchant_id=their_shop) == []
    assert _ids(db, other) == [theirs]
    with db.uow() as uow:
        exported = all_territory_orders(uow.session, territory_id=other, filters=OrderFilters())
        assert [row.order.id for row in exported] == [theirs]


def test_the_card_of_a_deleted_account_is_not_offered(db: Database, shop: Shop) -> None:
    kept = _order(db, shop.territory_id, {shop.bread_id: 1})
    gone = _order(db, shop.territory_id, {shop.bread_id: 1}, minutes=1)
    with db.uow() as uow:
        order = uow.session.get_one(Order, gone)
        assert order.user_id is not None
        uow.session.get_one(User, order.user_id).deleted_at = NOW
        uow.commit()
        rows = territory_orders(
            uow.session, territory_id=shop.territory_id, filters=OrderFilters()
        ).rows
        kept_user = uow.session.get_one(Order, kept).user_id
    assert [(r.order.id, r.shopper_id) for r in rows] == [(gone, None), (kept, kept_user)]


def test_a_page_costs_the_same_statements_whatever_its_orders_and_shops(
    db: Database, shop: Shop
) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def count(per_page: int, **filters: Any) -> int:
        with db.uow() as uow:
            statements.clear()
            page = territory_orders(
                uow.session,
                territory_id=shop.territory_id,
                filters=OrderFilters(**filters),
                per_page=per_page,
            )
            # What the template reads: every part, its shop, the pickup point.
            for row in page.rows:
                for part in row.order.merchant_orders:
                    _ = (part.merchant.trade_name, part.status, row.order.pickup_point)
            return len(statements)

    for n in range(6):
        _order(db, shop.territory_id, {shop.bread_id: 1, shop.apples_id: 1}, minutes=n)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert count(1) == count(6) == count(6, text="martin", status=StatusGroup.TO_ACCEPT)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    with db.uow() as uow:
        assert len(uow.session.scalars(select(MerchantOrder.id)).all()) == 12
