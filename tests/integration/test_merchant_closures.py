"""A shop's exceptional closures (holidays): recorded by the merchant, refused when they
make no sense, and then honoured by checkout and by the delivery planning."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.planning import plan_day
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.carts.services import get_or_create_cart, view_cart
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.errors import ClosedThen, NotFound, ValidationError
from shop_core.merchants.closures import (
    ClosureInput,
    add_closure,
    orders_during,
    remove_closure,
    upcoming,
)
from shop_core.merchants.model import Merchant
from shop_core.orders.model import MerchantOrder, Order

from .at_once import at_once
from .conftest import NOW, TUESDAY, Shop, buy, home
from .delivery_setup import DISTANCES, SETTINGS, add_fleet, order

MERCHANT = Actor(user_id=None)
TODAY = NOW.date()  # Monday 23 November 2026
SATURDAY = TUESDAY + dt.timedelta(days=4)


def close(db: Database, merchant_id: int, starts: dt.date, ends: dt.date, note: str = "") -> int:
    with db.uow() as uow:
        return add_closure(
            uow=uow, merchant_id=merchant_id, data=ClosureInput(starts, ends, note),
            actor=MERCHANT, today=TODAY,
        ).id  # fmt: skip


def test_a_closure_closes_the_shop_on_its_days_only(db: Database, shop: Shop) -> None:
    close(db, shop.baker_id, TUESDAY, TUESDAY + dt.timedelta(days=2), "Congés")
    with db.uow() as uow:
        baker = uow.session.get_one(Merchant, shop.baker_id)
        assert [baker.is_closed_on(TUESDAY + dt.timedelta(days=n)) for n in range(-1, 4)] == [
            True,  # Monday: closed every week (its weekly hours)
            True,
            True,
            True,  # the closure
            False,  # Friday
        ]
        assert baker.windows_on(TUESDAY) == []
        assert baker.windows_on(SATURDAY) == baker.opening_windows(SATURDAY.weekday())
        assert [c.note for c in upcoming(baker.closures, TODAY)] == ["Congés"]
        assert upcoming(baker.closures, TUESDAY + dt.timedelta(days=3)) == []
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "merchant.closure_added")
        ).one()
        assert entry.details == {"starts": "2026-11-24", "ends": "2026-11-26"}


DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("starts", "ends", "note", "field", "message"),
    [
        (TUESDAY, TUESDAY - DAY, "", "ends", "ne peut pas être avant le premier."),
        (TODAY - DAY, TUESDAY, "", "starts", "Choisissez un premier jour à partir d'aujourd'hui."),
        (TUESDAY, TUESDAY + 366 * DAY, "", "ends", "Une fermeture dure un an au plus."),
        (TUESDAY, TUESDAY, "x" * 121, "note", "120 caractères au plus."),
        (SATURDAY, SATURDAY + 3 * DAY, "", "starts", "chevauchent la fermeture du 26/11/2026"),
    ],
)  # fmt: skip
def test_a_closure_that_makes_no_sense_is_refused_and_nothing_is_written(
    db: Database, shop: Shop, starts: dt.date, ends: dt.date, note: str, field: str, message: str
) -> None:
    close(db, shop.baker_id, TUESDAY + 2 * DAY, SATURDAY)  # Thursday to Saturday
    with db.uow() as uow, pytest.raises(ValidationError, match=message) as refused:
        add_closure(
            uow=uow, merchant_id=shop.baker_id, data=ClosureInput(starts, ends, note),
            actor=MERCHANT, today=TODAY,
        )  # fmt: skip
    assert refused.value.field == field
    with db.uow() as uow:
        assert len(uow.session.get_one(Merchant, shop.baker_id).closures) == 1


def test_an_overlap_gives_the_other_closures_days_for_other_languages(
    db: Database, shop: Shop
) -> None:
    close(db, shop.baker_id, TUESDAY + 2 * DAY, SATURDAY)
    with db.uow() as uow, pytest.raises(ValidationError) as refused:
        add_closure(
            uow=uow, merchant_id=shop.baker_id, data=ClosureInput(SATURDAY, SATURDAY),
            actor=MERCHANT, today=TODAY,
        )  # fmt: skip
    assert (refused.value.code, refused.value.params) == (
        "closure_overlaps",
        {"detail": str(refused.value), "field": "starts", "starts": "2026-11-26",
         "ends": "2026-11-28"},
    )  # fmt: skip


def test_a_closure_is_removed_by_its_own_shop_only(db: Database, shop: Shop) -> None:
    closure = close(db, shop.baker_id, TUESDAY, TUESDAY)
    with db.uow() as uow, pytest.raises(NotFound):
        remove_closure(uow=uow, merchant_id=shop.farmer_id, closure_id=closure, actor=MERCHANT)
    with db.uow() as uow:
        remove_closure(uow=uow, merchant_id=shop.baker_id, closure_id=closure, actor=MERCHANT)
    with db.uow() as uow:
        baker = uow.session.get_one(Merchant, shop.baker_id)
        assert baker.closures == [] and not baker.is_closed_on(TUESDAY)


def test_a_form_sent_twice_at_once_records_one_closure_and_removes_it_once(
    db: Database, shop: Shop
) -> None:
    outcomes = at_once(*[lambda: close(db, shop.baker_id, TUESDAY, SATURDAY)] * 2)

    assert outcomes == [
        "ok",
        "refused: Ces jours chevauchent la fermeture du 24/11/2026 au 28/11/2026 : "
        "supprimez-la d'abord, ou choisissez d'autres jours.",
    ]
    with db.uow() as uow:
        (closure,) = uow.session.get_one(Merchant, shop.baker_id).closures
        closure_id = closure.id

    def remove() -> None:
        with db.uow() as uow:
            remove_closure(
                uow=uow, merchant_id=shop.baker_id, closure_id=closure_id, actor=MERCHANT
            )

    assert at_once(remove, remove) == ["ok", "refused: Fermeture introuvable."]
    with db.uow() as uow:
        assert uow.session.get_one(Merchant, shop.baker_id).closures == []
        removed = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "merchant.closure_removed"
        )
        assert uow.session.scalar(removed) == 1


def test_checkout_refuses_a_day_a_shop_of_the_basket_is_on_holiday(
    db: Database, shop: Shop
) -> None:
    close(db, shop.farmer_id, TUESDAY, TUESDAY + dt.timedelta(days=6))
    with pytest.raises(ClosedThen) as refused:
        buy(db, shop, {shop.bread_id: 1, shop.apples_id: 2})

    assert str(refused.value) == (
        "« Ferme du Ternois » est fermé du 24/11/2026 au 30/11/2026 : choisissez un autre jour."
    )
    assert refused.value.params == {
        "merchant": "Ferme du Ternois", "starts": "2026-11-24", "ends": "2026-11-30",
    }  # fmt: skip
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(Order.id))) == 0
        assert uow.session.get_one(Product, shop.bread_id).stock_quantity == 10
        cart = get_or_create_cart(uow=uow, territory_id=shop.territory_id, user_id=shop.shopper_id)
        assert view_cart(uow, cart).item_count == 3
    # The baker alone is open that day; the farm again from 1 December.
    assert buy(db, shop, {}, delivery=home(TUESDAY + dt.timedelta(days=8)))


def test_orders_placed_before_the_holiday_are_named_and_left_out_of_the_planning(
    db: Database, shop: Shop
) -> None:
    """The baker goes on holiday after Jeanne ordered for Tuesday: the merchant is told
    which orders fall in the closure, and the planning leaves the baker's part out, with the
    first day after the holiday the round runs."""
    add_fleet(db, shop)
    placed = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    close(db, shop.baker_id, TUESDAY, TUESDAY + dt.timedelta(days=1))
    with db.uow() as uow:
        during = orders_during(uow.session, shop.baker_id, TUESDAY, TUESDAY)
        assert [mo.order_id for mo in during] == [placed]
        assert orders_during(uow.session, shop.farmer_id, TUESDAY, TUESDAY) != []
        assert orders_during(uow.session, shop.baker_id, SATURDAY, SATURDAY) == []

    with db.uow() as uow:
        report = plan_day(
            uow=uow, territory_id=shop.territory_id, date=TUESDAY, distances=DISTANCES,
            settings=SETTINGS, now=NOW,
        )  # fmt: skip
    (left,) = report.unplanned
    with db.uow() as uow:
        assert uow.session.get_one(MerchantOrder, left.merchant_order_id).merchant_id == (
            shop.baker_id
        )
    assert left.reason_code == "merchant_closed"
    assert left.next_date == TUESDAY + dt.timedelta(days=2)  # Thursday, open again
