"""Parcels waiting at a pickup point, handed to the shopper against the code and payment."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import NotFound, ValidationError
from shop_core.orders.model import MerchantOrderStatus, Order, PaymentStatus
from shop_core.orders.pickup_points import (
    WrongDeliveryCode,
    hand_over_at_point,
    waiting_at_points,
)
from shop_core.orders.services import transition
from shop_core.payments.model import OfflinePayment, PaymentMeans

from .at_once import at_once
from .conftest import NOW, Shop
from .delivery_setup import SYSTEM, add_fleet, merchant_orders, order

S = MerchantOrderStatus
STAFF = Actor(user_id=None)


def at_point(db: Database, shop: Shop, items: dict[int, int], *, dropped: int | None = None) -> int:
    """An order for the fleet's pickup point whose parcels the courier dropped there (all,
    or the first ``dropped`` merchant orders)."""
    fleet = add_fleet(db, shop)
    oid = order(db, shop, items, point_id=fleet.point_id)
    for mo in merchant_orders(db, oid)[:dropped]:
        with db.uow() as uow:
            for step in (S.ACCEPTED, S.READY, S.HANDED_TO_COURIER, S.DELIVERED):
                transition(uow=uow, merchant_order_id=mo.id, target=step, actor=SYSTEM, now=NOW)
    return oid


def code_of(db: Database, order_id: int) -> str:
    with db.uow() as uow:
        return uow.session.get_one(Order, order_id).delivery_code


def hand_over(
    db: Database, shop: Shop, order_id: int, code: str, means: PaymentMeans | None
) -> int:
    with db.uow() as uow:
        try:
            return hand_over_at_point(
                uow=uow, territory_id=shop.territory_id, order_id=order_id, code=code,
                means=means, actor=STAFF, now=NOW,
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


def test_nothing_changes_hands_without_the_code_or_the_payment(db: Database, shop: Shop) -> None:
    oid = at_point(db, shop, {shop.bread_id: 1})
    code = code_of(db, oid)
    wrong = f"{(int(code) + 1) % 10000:04d}"

    with pytest.raises(WrongDeliveryCode, match="Code incorrect"):
        hand_over(db, shop, oid, wrong, PaymentMeans.CASH)
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
