"""Two taps on the same stop at once (a double tap, a phone sending its kept taps while the
courier taps again, two couriers' phones): one is recorded, the other is told it already
was, and nothing is recorded twice. Real threads and connections."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from delivery.cash import hand_in_run
from delivery.model import Stop, StopStatus
from delivery.stops import AfterFailure, collect, deliver, fail
from shop_core.audit.model import AuditEntry
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus, StatusChange
from shop_core.payments.model import OfflinePayment, PaymentMeans

from .at_once import at_once
from .conftest import Shop
from .delivery_setup import Fleet
from .test_delivery_stops import at, code_of, do, one_order, status

S = MerchantOrderStatus
TAPS = 4


def delivering(db: Database, shop: Shop, fleet: Fleet, drop: Stop, code: str) -> Callable[[], int]:
    """The courier's *Livré* tap, with the right code and the cash."""
    return lambda: do(
        deliver, db, shop, fleet, drop, code=code, means=PaymentMeans.CASH, now=at(9, 30)
    )


def test_a_delivery_tapped_several_times_at_once_is_recorded_and_paid_once(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    code = code_of(db, oid)

    outcomes = at_once(*[delivering(db, shop, fleet, drop, code)] * TAPS)

    assert outcomes == ["ok"] + ["refused: Cette livraison est déjà enregistrée."] * (TAPS - 1)
    assert status(db, oid) is S.DELIVERED
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count(OfflinePayment.id))) == 1
        delivered = select(func.count(StatusChange.id)).where(StatusChange.to_status == S.DELIVERED)
        assert uow.session.scalar(delivered) == 1


def test_a_collection_tapped_several_times_at_once_is_recorded_once(
    db: Database, shop: Shop
) -> None:
    fleet, oid, pickup, _ = one_order(db, shop)

    outcomes = at_once(*[lambda: do(collect, db, shop, fleet, pickup, now=at(9))] * TAPS)

    assert outcomes == ["ok"] + ["refused: Cette collecte est déjà enregistrée."] * (TAPS - 1)
    assert status(db, oid) is S.HANDED_TO_COURIER


def test_a_delivery_and_a_failure_at_once_leave_one_of_them(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    code = code_of(db, oid)

    def failing() -> None:
        do(fail, db, shop, fleet, drop, reason="Absent", then=AfterFailure.NEXT_ROUND,
           now=at(9, 30))  # fmt: skip

    outcomes = at_once(delivering(db, shop, fleet, drop, code), failing)

    assert outcomes == ["ok", "refused: Cette livraison est déjà enregistrée."]
    with db.uow() as uow:
        stop = uow.session.get_one(Stop, drop.id)
        paid = uow.session.scalar(select(func.count(OfflinePayment.id)))
    if stop.status is StopStatus.DONE:
        assert (status(db, oid), paid) == (S.DELIVERED, 1)
    else:
        assert (stop.status, status(db, oid), paid) == (StopStatus.FAILED, S.DELIVERY_FAILED, 0)


def test_the_money_of_a_run_is_handed_in_once(db: Database, shop: Shop) -> None:
    fleet, oid, pickup, drop = one_order(db, shop)
    do(collect, db, shop, fleet, pickup, now=at(9))
    do(deliver, db, shop, fleet, drop, code=code_of(db, oid), means=PaymentMeans.CASH,
       now=at(9, 30))  # fmt: skip
    operator = Actor(user_id=fleet.couriers[1])

    def hand_in() -> None:
        with db.uow() as uow:
            hand_in_run(uow=uow, territory_id=shop.territory_id, run_id=drop.run_id,
                        actor=operator, now=at(14))  # fmt: skip

    outcomes = at_once(hand_in, hand_in)

    assert outcomes[0] == "ok"
    assert outcomes[1].startswith("refused: ") and "rien à remettre" in outcomes[1]
    with db.uow() as uow:
        handed = select(func.count(AuditEntry.id)).where(
            AuditEntry.action == "delivery.cash_handed_in"
        )
        assert uow.session.scalar(handed) == 1
