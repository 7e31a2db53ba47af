"""Parcels sent back to their shops: never collected at the pickup point, or not delivered.

The sale is undone (a credit note for an invoice already issued, a refund of what was paid
online), the rounds that were to deliver them skip them, and the merchant decides whether
the goods go back on sale."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from delivery.model import Stop, StopStatus
from delivery.returns import RETURNED_REASON, return_to_merchant
from delivery.stops import AfterFailure, AlreadyRecorded, collect, deliver, fail
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.invoices.model import CreditNote, Invoice
from shop_core.orders.model import MerchantOrderStatus, Order, PaymentMethod, PaymentStatus
from shop_core.orders.pickup_points import waiting_at_points
from shop_core.orders.returns import (
    DEPOT,
    back_at_shop,
    failed_deliveries,
    on_the_way_back,
    parcel_return,
    put_back_on_sale,
    units_to_put_back,
)
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans
from shop_core.payments.refunds import settle
from tests.payments_fake import FakeMarketplace

from .at_once import at_once
from .conftest import NOW, TUESDAY, Shop, buy
from .delivery_setup import SYSTEM, Fleet, add_fleet, merchant_orders, stops_of_plan
from .test_delivery_stops import at, code_of, do, one_order, planned
from .test_online_payments import balance_holds, onboard, place_online
from .test_online_payments import deliver as webhook
from .test_pickup_points import at_point, hand_over

S = MerchantOrderStatus
OPERATOR = Actor(user_id=None)
LATER = NOW + dt.timedelta(days=10)


def send_back(db: Database, shop: Shop, order_id: int, reason: str) -> list[int]:
    with db.uow() as uow:
        try:
            return return_to_merchant(
                uow=uow, territory_id=shop.territory_id, order_id=order_id, reason=reason,
                actor=OPERATOR, now=LATER,
            )  # fmt: skip
        except Exception:
            uow.rollback()
            raise


def stock_of(db: Database, product_id: int) -> int | None:
    with db.uow() as uow:
        return uow.session.get_one(Product, product_id).stock_quantity


def credit_notes(db: Database) -> list[CreditNote]:
    with db.uow() as uow:
        return list(uow.session.scalars(select(CreditNote).order_by(CreditNote.id)))


WEDNESDAY = TUESDAY + dt.timedelta(days=1)


def failed_then_planned(
    db: Database, shop: Shop, fleet: Fleet | None = None
) -> tuple[Fleet, int, Stop]:
    """Jeanne was out on Tuesday: her order is on Wednesday's round; that round's stop."""
    fleet, oid, pickup, drop = one_order(db, shop, fleet=fleet)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND, now=at(10))
    planned(db, shop, date=WEDNESDAY, now=at(18))
    (again,) = stops_of_plan(db, shop.territory_id, WEDNESDAY)
    return fleet, oid, again


def test_parcels_never_collected_at_the_point_go_back_with_a_credit_note(
    db: Database, shop: Shop
) -> None:
    oid = at_point(db, shop, {shop.cake_id: 1, shop.apples_id: 1}, dropped=1)
    cake, apples = merchant_orders(db, oid)
    assert stock_of(db, shop.cake_id) == 1  # two in stock, one sold

    returned = send_back(db, shop, oid, "Jamais venue la chercher")

    assert returned == [cake.id]  # the farm's parcels never reached the point
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.RETURNED, apples.status]
    with db.uow() as uow:
        assert waiting_at_points(uow.session, territory_id=shop.territory_id) == []
        invoice = uow.session.scalar(select(Invoice).where(Invoice.merchant_order_id == cake.id))
        assert invoice is not None
        (note,) = uow.session.scalars(select(CreditNote)).all()
        # Same sequence as the invoices, the next number, the invoice's totals cancelled.
        assert (note.invoice_id, note.merchant_id) == (invoice.id, shop.baker_id)
        assert note.number == invoice.number + 1
        assert note.reference == f"A{shop.baker_id:04d}-{note.number:06d}"
        assert note.total_incl_cents == invoice.total_incl_cents == 1200
        assert note.reason == f"Annule la facture {invoice.reference} : Jamais venue la chercher"
        assert note.issued_on == LATER.date()
        entry = uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "order.returned_to_merchant")
        )
        assert entry is not None and entry.subject == cake.order.reference
    # The goods are back at the shop, not on sale until the merchant says so.
    assert stock_of(db, shop.cake_id) == 1
    with db.uow() as uow:
        assert units_to_put_back(uow, cake.id) == 1
        assert (
            put_back_on_sale(
                uow=uow, merchant_id=shop.baker_id, merchant_order_id=cake.id, actor=OPERATOR
            )
            == 1
        )
    assert stock_of(db, shop.cake_id) == 2
    with db.uow() as uow, pytest.raises(ValidationError, match="déjà remis en vente"):
        put_back_on_sale(
            uow=uow, merchant_id=shop.baker_id, merchant_order_id=cake.id, actor=OPERATOR
        )
    assert stock_of(db, shop.cake_id) == 2


def way_back(db: Database, shop: Shop, **only: int) -> list[tuple[str, str, str]]:
    with db.uow() as uow:
        found = on_the_way_back(uow.session, territory_id=shop.territory_id, **only)
    return [(r.reference, r.merchant, r.held_at) for r in found]


def bring_back(
    db: Database, shop: Shop, mo_id: int, *, merchant_id: int | None = None, territory: int = 0
) -> None:
    with db.uow() as uow:
        try:
            back_at_shop(
                uow=uow, territory_id=territory or shop.territory_id, merchant_order_id=mo_id,
                actor=OPERATOR, merchant_id=merchant_id, now=LATER + dt.timedelta(days=1),
            )  # fmt: skip
        except Exception:
            uow.rollback()
            raise


def test_returned_parcels_are_followed_until_they_are_back_at_the_shop(
    db: Database, shop: Shop
) -> None:
    # Two returns: the cake waits at the town hall; Jeanne's other order failed at her door,
    # so its parcel is with the courier.
    fleet = add_fleet(db, shop)
    at_the_point = at_point(db, shop, {shop.cake_id: 1}, point_id=fleet.point_id)
    (cake,) = merchant_orders(db, at_the_point)
    fleet, at_the_door, _ = failed_then_planned(db, shop, fleet)
    (bread,) = merchant_orders(db, at_the_door)
    send_back(db, shop, at_the_point, "Jamais venue")
    send_back(db, shop, at_the_door, "Injoignable")

    assert way_back(db, shop) == [
        (cake.reference, "Boulangerie Lefebvre", "Mairie de Saint-Pol"),
        (bread.reference, "Boulangerie Lefebvre", DEPOT),
    ]
    with db.uow() as uow:
        point_id = uow.session.get_one(Order, at_the_point).pickup_point_id
        assert point_id is not None
    assert [r[0] for r in way_back(db, shop, point_id=point_id)] == [cake.reference]
    assert way_back(db, shop, merchant_id=shop.farmer_id) == []
    with db.uow() as uow:
        assert on_the_way_back(uow.session, territory_id=shop.territory_id + 1) == []

    # The merchant says the cake is back; another shop or territory cannot.
    with pytest.raises(NotFound):
        bring_back(db, shop, cake.id, merchant_id=shop.farmer_id)
    with pytest.raises(NotFound):
        bring_back(db, shop, cake.id, territory=shop.territory_id + 1)
    bring_back(db, shop, cake.id, merchant_id=shop.baker_id)
    with pytest.raises(ValidationError, match="déjà revenus"):
        bring_back(db, shop, cake.id)  # the operator, too late: recorded once
    assert [r[0] for r in way_back(db, shop)] == [bread.reference]
    with db.uow() as uow:
        back = parcel_return(uow.session, cake.id)
        assert back is not None and back.back_at == LATER + dt.timedelta(days=1)
        entry = uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "order.back_at_shop")
        )
        assert entry is not None and entry.details == {"from": "Mairie de Saint-Pol"}

    # Putting the goods back on sale says they are back, too.
    with db.uow() as uow:
        put_back_on_sale(
            uow=uow, merchant_id=shop.baker_id, merchant_order_id=bread.id, actor=OPERATOR,
            now=LATER,
        )  # fmt: skip
    assert way_back(db, shop) == []
    # An order never returned has no way back.
    other = at_point(db, shop, {shop.bread_id: 1}, point_id=fleet.point_id)
    (part,) = merchant_orders(db, other)
    with pytest.raises(ValidationError, match="pas en retour"):
        bring_back(db, shop, part.id)


def test_only_the_shop_can_put_back_and_only_a_returned_order(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.cake_id: 1})
    (cake,) = merchant_orders(db, oid)
    with db.uow() as uow, pytest.raises(ValidationError, match="Seule une commande retournée"):
        put_back_on_sale(
            uow=uow, merchant_id=shop.baker_id, merchant_order_id=cake.id, actor=OPERATOR
        )
    send_back(db, shop, oid, "Client parti")
    with db.uow() as uow, pytest.raises(NotFound):
        put_back_on_sale(
            uow=uow, merchant_id=shop.farmer_id, merchant_order_id=cake.id, actor=OPERATOR
        )
    assert stock_of(db, shop.cake_id) == 1


def test_a_return_needs_a_reason_and_something_to_return(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.cake_id: 1})
    home = buy(db, shop, {shop.bread_id: 1})

    with pytest.raises(ValidationError, match="Indiquez pourquoi") as refused:
        send_back(db, shop, oid, "   ")
    assert refused.value.field == "reason"
    with pytest.raises(ValidationError, match="rien à retourner"):
        send_back(db, shop, home, "Erreur")  # placed, still at the shop: not a return
    with db.uow() as uow, pytest.raises(NotFound):
        return_to_merchant(
            uow=uow, territory_id=shop.territory_id + 1, order_id=oid, reason="x",
            actor=OPERATOR,
        )  # fmt: skip
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.DELIVERED]

    send_back(db, shop, oid, "Jamais venue")
    with pytest.raises(ValidationError, match="rien à retourner"):
        send_back(db, shop, oid, "Jamais venue")  # a second click
    assert len(credit_notes(db)) == 1


def test_a_failed_delivery_sent_back_leaves_the_next_round(db: Database, shop: Shop) -> None:
    fleet, oid, again = failed_then_planned(db, shop)
    with db.uow() as uow:
        (failed,) = failed_deliveries(uow.session, territory_id=shop.territory_id)
    assert (failed.order_id, failed.failures, failed.last_reason) == (oid, 1, "Absent")
    assert failed.next_date == WEDNESDAY and failed.address.startswith("3 rue des Tilleuls")

    (returned,) = send_back(db, shop, oid, "Injoignable, refuse la livraison")

    assert [mo.status for mo in merchant_orders(db, oid)] == [S.RETURNED]
    with db.uow() as uow:
        closed = uow.session.get_one(Stop, again.id)
        assert (closed.status, closed.reason) == (StopStatus.FAILED, RETURNED_REASON)
        assert failed_deliveries(uow.session, territory_id=shop.territory_id) == []
        # Never delivered: no invoice, so no credit note.
        assert uow.session.scalar(select(func.count()).select_from(CreditNote)) == 0
    with pytest.raises(AlreadyRecorded):
        do(
            deliver, db, shop, fleet, again, code=code_of(db, oid), means=PaymentMeans.CASH,
            now=at(10, day=WEDNESDAY),
        )  # fmt: skip
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.RETURNED]


def test_what_was_paid_online_is_refunded_and_taken_back_from_the_shop(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    accounts = onboard(db, gateway, shop.baker_id)
    oid, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 2})
    gateway.pay(checkout_id)
    webhook(db, gateway, "evt_1", checkout_id)
    (mo,) = merchant_orders(db, oid)
    with db.uow() as uow:
        assert uow.session.get_one(Order, oid).payment_method is PaymentMethod.ONLINE
    for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED):
        with db.uow() as uow:
            transition(
                uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, reason="Absent",
                now=NOW,
            )  # fmt: skip
    with db.uow() as uow:
        settle(uow=uow, gateway=gateway, order_id=oid)
    assert gateway.transferred_to(accounts[shop.baker_id]) == 700 - mo.commission_cents

    send_back(db, shop, oid, "Adresse introuvable, client injoignable")
    with db.uow() as uow:
        settle(uow=uow, gateway=gateway, order_id=oid)
        settle(uow=uow, gateway=gateway, order_id=oid)  # again: nothing more

    assert [r["amount"] for r in gateway.refunds] == [700]
    assert gateway.transferred_to(accounts[shop.baker_id]) == 0
    balance_holds(db, oid)


def test_a_return_and_the_couriers_delivery_at_the_same_instant_do_not_both_happen(
    db: Database, shop: Shop
) -> None:
    fleet, oid, again = failed_then_planned(db, shop)
    code = code_of(db, oid)

    outcomes = at_once(
        lambda: do(
            deliver,
            db,
            shop,
            fleet,
            again,
            code=code,
            means=PaymentMeans.CASH,
            now=at(10, day=WEDNESDAY),
        ),  # fmt: skip
        lambda: send_back(db, shop, oid, "Client injoignable"),
    )

    assert outcomes[0] == "ok" and outcomes[1].startswith("refused: ")
    with db.uow() as uow:
        stop = uow.session.get_one(Stop, again.id)
        paid = uow.session.scalar(select(func.count(OfflinePayment.id)))
        notes = uow.session.scalar(select(func.count(CreditNote.id)))
    (mo,) = merchant_orders(db, oid)
    if stop.status is StopStatus.DONE:  # delivered first: nothing left to send back
        assert (mo.status, paid, notes) == (S.DELIVERED, 1, 0)
    else:  # sent back first: the courier's tap finds the stop closed
        assert (stop.status, mo.status, paid) == (StopStatus.FAILED, S.RETURNED, 0)


def test_an_order_paid_by_hand_is_paid_once_its_last_unpaid_part_goes_back(
    db: Database, shop: Shop
) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1, shop.apples_id: 1}, dropped=1)
    bread, apples = merchant_orders(db, oid)
    hand_over(db, shop, oid, code_of(db, oid), PaymentMeans.CASH)  # the bread, paid 3,50 €
    for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED):
        with db.uow() as uow:
            transition(
                uow=uow, merchant_order_id=apples.id, target=step, actor=SYSTEM,
                reason="Point fermé", now=NOW,
            )  # fmt: skip

    def payment_status() -> PaymentStatus:
        with db.uow() as uow:
            return uow.session.get_one(Order, oid).payment_status

    assert payment_status() is PaymentStatus.UNPAID  # the apples are still to pay
    send_back(db, shop, oid, "Plus de pommes voulues")
    assert payment_status() is PaymentStatus.PAID  # all it still sells is paid
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.PICKED_UP, S.RETURNED]
