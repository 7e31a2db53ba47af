"""Parcels waiting at a pickup point, handed to the shopper against the code and payment."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import InvalidDeliveryChoice, NotFound, ValidationError
from shop_core.orders.delivery_codes import MissingDeliveryCode, WrongDeliveryCode
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus, Order, PaymentStatus
from shop_core.orders.pickup_points import (
    hand_over_at_point,
    orders_for_point,
    waiting_at_points,
)
from shop_core.orders.redelivery import redirect_delivery
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans, Receiver
from shop_core.payments.offline import (
    CodeAndMeansRefused,
    hand_in_point,
    held_at_points,
    settle_month,
)
from shop_core.persistence.uow import UnitOfWork
from shop_core.testing.factories import shoppers_code

from .at_once import at_once
from .conftest import NOW, Shop
from .delivery_setup import SYSTEM, TUESDAY, add_fleet, merchant_orders, order

S = MerchantOrderStatus
STAFF = Actor(user_id=None)


def at_point(
    db: Database,
    shop: Shop,
    items: dict[int, int],
    *,
    dropped: int | None = None,
    point_id: int | None = None,
) -> int:
    """An order for the pickup point (by default a new fleet's) whose parcels the courier
    dropped there (all, or the first ``dropped`` merchant orders)."""
    point_id = point_id or add_fleet(db, shop).point_id
    oid = order(db, shop, items, point_id=point_id)
    for mo in merchant_orders(db, oid)[:dropped]:
        with db.uow() as uow:
            for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
                transition(uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, now=NOW)
    return oid


def code_of(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).delivery_code


def hand_over(
    db: Database,
    shop: Shop,
    order_id: int,
    code: str,
    means: PaymentMeans | None,
    *,
    point_id: int | None = None,
) -> int:
    """Hand over as the operator's team, or as the point's staff (``point_id``)."""
    with db.uow() as uow:
        try:
            return hand_over_at_point(
                uow=uow, territory_id=shop.territory_id, order_id=order_id, code=code,
                means=means, actor=STAFF, now=NOW, point_id=point_id,
            )  # fmt: skip
        except Exception:
            uow.rollback()
            raise


def waiting(db: Database, shop: Shop) -> list[str]:
    with db.uow() as uow:
        return [w.reference for w in waiting_at_points(uow.session, territory_id=shop.territory_id)]


def test_the_parcels_at_the_point_are_listed_with_what_to_take(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.bread_id: 2, shop.apples_id: 1}, dropped=1)
    order(db, shop, {shop.bread_id: 1})  # home delivery: never at a point

    with db.uow() as uow:
        (found,) = waiting_at_points(uow.session, territory_id=shop.territory_id)
        assert waiting_at_points(uow.session, territory_id=shop.territory_id + 1) == []
    bread = merchant_orders(db, oid)[0]
    assert found.order_id == oid and found.point_name == "Mairie de Saint-Pol"
    assert [p.reference for p in found.parts] == [bread.reference]  # the farm's is not there
    assert found.to_pay_cents == bread.total_incl_cents == 700
    assert found.customer == "Jeanne Martin" and found.parcels == 1


def test_a_closed_point_still_counts_the_orders_on_their_way_there_or_waiting(
    db: Database, shop: Shop
) -> None:
    point_id = add_fleet(db, shop).point_id
    at_point(db, shop, {shop.bread_id: 1}, point_id=point_id)  # waiting there
    failed = order(db, shop, {shop.apples_id: 1}, point_id=point_id)  # the point was shut
    (part,) = merchant_orders(db, failed)
    for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERY_FAILED):
        with db.uow() as uow:
            transition(
                uow=uow, merchant_order_id=part.id, target=step, actor=SYSTEM, now=NOW,
                reason="Point fermé",
            )  # fmt: skip
    handed = at_point(db, shop, {shop.bread_id: 1}, point_id=point_id)
    hand_over(db, shop, handed, code_of(db, handed), PaymentMeans.CASH)
    order(db, shop, {shop.bread_id: 1})  # home delivery

    with db.uow() as uow:
        assert orders_for_point(uow.session, territory_id=shop.territory_id, point_id=point_id) == 2


def test_nothing_changes_hands_without_the_code_or_the_payment(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1})
    code = code_of(db, oid)
    wrong = f"{(int(code) + 1) % 10000:04d}"

    with pytest.raises(WrongDeliveryCode, match="Code incorrect"):
        hand_over(db, shop, oid, wrong, PaymentMeans.CASH)
    with pytest.raises(MissingDeliveryCode, match="Indiquez le code à 4 chiffres"):
        hand_over(db, shop, oid, "  ", PaymentMeans.CASH)
    with pytest.raises(ValidationError, match="espèces ou chèque"):
        hand_over(db, shop, oid, code, None)
    with pytest.raises(NotFound):
        with db.uow() as uow:
            hand_over_at_point(
                uow=uow, territory_id=shop.territory_id + 1, order_id=oid, code=code,
                means=PaymentMeans.CASH, actor=STAFF,
            )  # fmt: skip

    assert [mo.status for mo in merchant_orders(db, oid)] == [S.DELIVERED]
    with db.uow() as uow:
        assert uow.session.scalar(select(OfflinePayment.id)) is None


def test_a_point_hand_over_without_the_code_nor_the_means_says_both_at_once(
    db: Database, shop: Shop
) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1, shop.apples_id: 1})

    with pytest.raises(CodeAndMeansRefused) as refused:
        hand_over(db, shop, oid, " ", None)

    assert isinstance(refused.value.code_error, MissingDeliveryCode)
    assert refused.value.means_error.field == "means"
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.DELIVERED, S.DELIVERED]
    with db.uow() as uow:
        assert uow.session.scalar(select(OfflinePayment.id)) is None
        assert uow.session.scalar(select(AuditEntry.id).where(
            AuditEntry.action == "order.picked_up_at_point"
        )) is None  # fmt: skip


def test_the_courier_leaves_parcels_at_the_point_without_a_code_but_only_a_hand_over_gives_them(
    db: Database, shop: Shop
) -> None:
    # The drop (*livrée* at the point) is the point's staff taking the parcels: no code.
    oid = at_point(db, shop, {shop.bread_id: 1})
    (part,) = merchant_orders(db, oid)
    assert part.status is S.DELIVERED

    with db.uow() as uow, pytest.raises(ValidationError, match="remise au client") as refused:
        transition(uow=uow, merchant_order_id=part.id, target=S.PICKED_UP, actor=STAFF, now=NOW)

    assert refused.value.code == "hand_over_without_code"
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.DELIVERED]
    assert waiting(db, shop) == [merchant_orders(db, oid)[0].order.reference]
    assert hand_over(db, shop, oid, code_of(db, oid), PaymentMeans.CASH) == 1


def test_the_shopper_takes_the_parcels_and_pays_at_the_point(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    code = code_of(db, oid)

    assert hand_over(db, shop, oid, f" {code[:2]} {code[2:]}", PaymentMeans.CHEQUE) == 2

    assert [mo.status for mo in merchant_orders(db, oid)] == [S.PICKED_UP, S.PICKED_UP]
    assert waiting(db, shop) == []
    with db.uow() as uow:
        payments = list(uow.session.scalars(select(OfflinePayment)))
        assert {p.means for p in payments} == {PaymentMeans.CHEQUE}
        assert all(p.handed_in_at is not None for p in payments)  # taken by the operator's side
        assert uow.session.get_one(Order, oid).payment_status is PaymentStatus.PAID
        (entry,) = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.picked_up_at_point")
        )
        total = sum(p.amount_cents for p in payments)
        assert entry.details == {"amount_cents": total, "means": "cheque"}
    with pytest.raises(ValidationError, match="n'attend plus au point de retrait"):
        hand_over(db, shop, oid, code, PaymentMeans.CASH)


def test_two_clicks_at_once_hand_the_parcels_over_once(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    code = code_of(db, oid)

    outcomes = at_once(*[lambda: hand_over(db, shop, oid, code, PaymentMeans.CASH)] * 3)

    refused = "refused: Cette commande n'attend plus au point de retrait."
    assert outcomes == ["ok", refused, refused]
    assert [mo.status for mo in merchant_orders(db, oid)] == [S.PICKED_UP, S.PICKED_UP]
    with db.uow() as uow:
        assert len(list(uow.session.scalars(select(OfflinePayment)))) == 2
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "order.picked_up_at_point")
        )
        assert len(list(entries)) == 1


def collect_from_point(db: Database, shop: Shop, point_id: int, *, territory: int = 0) -> int:
    with db.uow() as uow:
        try:
            return hand_in_point(
                uow=uow, territory_id=territory or shop.territory_id, point_id=point_id,
                actor=Actor(user_id=shop.shopper_id), now=NOW + dt.timedelta(days=2),
            )  # fmt: skip
        except Exception:
            uow.rollback()
            raise


def test_the_money_a_points_staff_takes_waits_there_until_the_operator_collects_it(
    db: Database, shop: Shop
) -> None:
    point = add_fleet(db, shop).point_id
    by_staff = at_point(db, shop, {shop.bread_id: 1, shop.apples_id: 1}, point_id=point)
    by_operator = at_point(db, shop, {shop.bread_id: 2}, point_id=point)
    hand_over(db, shop, by_staff, code_of(db, by_staff), PaymentMeans.CASH, point_id=point)
    hand_over(db, shop, by_operator, code_of(db, by_operator), PaymentMeans.CHEQUE)
    staff_parts = merchant_orders(db, by_staff)
    taken = sum(mo.total_incl_cents for mo in staff_parts)

    with db.uow() as uow:
        (held,) = held_at_points(uow.session, territory_id=shop.territory_id)
        assert held_at_points(uow.session, territory_id=shop.territory_id + 1) == []
        assert held_at_points(uow.session, territory_id=shop.territory_id, point_id=point + 1) == []
        receivers = {
            p.merchant_order_id: p.receiver for p in uow.session.scalars(select(OfflinePayment))
        }
        # The order is paid for the shopper; the money is at the town hall, not the platform.
        assert uow.session.get_one(Order, by_staff).payment_status is PaymentStatus.PAID
    assert (held.point_id, held.point_name, held.orders) == (point, "Mairie de Saint-Pol", 1)
    assert held.total_cents == taken and dict(held.means) == {PaymentMeans.CASH: taken}
    assert held.since == NOW
    assert {receivers[mo.id] for mo in staff_parts} == {Receiver.POINT}
    (operator_part,) = merchant_orders(db, by_operator)
    assert receivers[operator_part.id] is Receiver.PLATFORM  # the operator's team holds it

    # The baker cannot be paid for a month whose money is still at the point.
    november = NOW.date().replace(day=1)
    with db.uow() as uow, pytest.raises(ValidationError, match="aux points de retrait"):
        settle_month(
            uow=uow, territory_id=shop.territory_id, merchant_id=shop.baker_id, month=november,
            actor=STAFF, now=NOW,
        )  # fmt: skip

    with pytest.raises(NotFound):
        collect_from_point(db, shop, point, territory=shop.territory_id + 1)
    assert collect_from_point(db, shop, point) == taken
    with pytest.raises(ValidationError, match="pas d'argent à remettre"):
        collect_from_point(db, shop, point)  # a second click: nothing more
    with db.uow() as uow:
        assert held_at_points(uow.session, territory_id=shop.territory_id) == []
        handed = [payments_of(uow, mo.id) for mo in staff_parts]
        assert {(p.handed_in_at, p.handed_in_to_id) for p in handed} == {
            (NOW + dt.timedelta(days=2), shop.shopper_id)
        }
        (entry,) = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "payments.point_cash_handed_in")
        )
        assert entry.subject == "Mairie de Saint-Pol"
        assert entry.details == {"amount_cents": taken, "orders": 1}
        # Now the month can be settled with the baker.
        assert settle_month(
            uow=uow, territory_id=shop.territory_id, merchant_id=shop.baker_id, month=november,
            actor=STAFF, now=NOW,
        ) > 0  # fmt: skip


def payments_of(uow: UnitOfWork, merchant_order_id: int) -> OfflinePayment:
    return uow.session.scalars(
        select(OfflinePayment).where(OfflinePayment.merchant_order_id == merchant_order_id)
    ).one()


def test_two_clicks_at_once_collect_a_points_money_once(db: Database, shop: Shop) -> None:
    point = add_fleet(db, shop).point_id
    oid = at_point(db, shop, {shop.bread_id: 1}, point_id=point)
    hand_over(db, shop, oid, code_of(db, oid), PaymentMeans.CASH, point_id=point)

    outcomes = at_once(*[lambda: collect_from_point(db, shop, point)] * 3)

    refused = "refused: Ce point de retrait n'a pas d'argent à remettre."
    assert sorted(outcomes) == ["ok", refused, refused]
    with db.uow() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "payments.point_cash_handed_in")
        )
        assert len(list(entries)) == 1


def test_an_order_with_a_part_delivered_at_the_door_does_not_move_to_a_point(
    db: Database, shop: Shop
) -> None:
    """The bread reached Jeanne's door; the farm's parcel failed on another round. Sending
    the order to a point would list the bread there, for the point's staff to hand over a
    loaf Jeanne already has: refused, nothing changed; a later date is still possible."""
    fleet = add_fleet(db, shop)
    oid = order(db, shop, {shop.bread_id: 1, shop.apples_id: 1})
    bread, apples = merchant_orders(db, oid)
    S_ = MerchantOrderStatus
    for mo_id, steps in (
        (bread.id, (S_.ACCEPTED, S_.READY, S_.HANDED_TO_COURIER, S_.DELIVERED)),
        (apples.id, (S_.ACCEPTED, S_.READY, S_.HANDED_TO_COURIER, S_.DELIVERY_FAILED)),
    ):
        for target in steps:
            with db.uow() as uow:
                transition(
                    uow=uow, merchant_order_id=mo_id, target=target, actor=SYSTEM, now=NOW,
                    checked=shoppers_code(uow, mo_id), reason="Personne",
                )  # fmt: skip

    with db.uow() as uow, pytest.raises(InvalidDeliveryChoice, match="déjà livrée"):
        redirect_delivery(
            uow=uow, order_id=oid, actor=SYSTEM, pickup_point_id=fleet.point_id,
            date=NOW.date() + dt.timedelta(days=3),
        )  # fmt: skip

    with db.uow() as uow:
        kept = uow.session.get_one(Order, oid)
        assert (kept.delivery_method, kept.pickup_point_id) == (DeliveryMethod.HOME, None)
        assert kept.delivery_date == TUESDAY
    assert waiting(db, shop) == []
    later = TUESDAY + dt.timedelta(days=2)
    with db.uow() as uow:
        redirect_delivery(uow=uow, order_id=oid, actor=SYSTEM, date=later)
    with db.uow() as uow:
        assert uow.session.get_one(Order, oid).delivery_date == later
