"""Online payment records: one payment per order, one transfer per merchant order, refunds
per merchant order, and books that balance to the cent (on both databases)."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import func, select

from shop_core.accounts.services import delete_account
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.errors import NotFound
from shop_core.orders.model import (
    MerchantOrderStatus,
    Order,
    OrderLine,
    PaymentMethod,
    PaymentStatus,
)
from shop_core.orders.services import release_expired, set_final_weight, transition
from shop_core.payments import accounts
from shop_core.payments.events import IncomingEvent, failed_events, handle_event, replay
from shop_core.payments.model import (
    EventStatus,
    MerchantTransfer,
    OnlinePayment,
    OnlinePaymentStatus,
    PaymentEvent,
    TransferStatus,
)
from shop_core.payments.reconciliation import order_balance
from shop_core.payments.refunds import NotRefundable, RefundTooLarge, refund_merchant_order
from shop_core.payments.services import capture_if_ready, start_checkout
from shop_core.stock.model import ReservationStatus, StockReservation
from tests.integration.conftest import NOW, Shop, buy, deliver_all
from tests.payments_fake import FakeMarketplace

URLS = {"success_url": "https://shop.example/ok", "cancel_url": "https://shop.example/ko"}


def onboard(db: Database, gateway: FakeMarketplace, *merchant_ids: int) -> dict[int, str]:
    """Give each merchant an active connected account; returns merchant id → account id."""
    ids = {}
    with db.uow() as uow:
        for mid in merchant_ids:
            accounts.onboarding_link(
                uow=uow, gateway=gateway, merchant_id=mid, refresh_url="r", return_url="b"
            )
            account = accounts.account_of(uow, mid)
            assert account is not None
            gateway.activate(account.provider_account_id)
            accounts.refresh(uow=uow, gateway=gateway, merchant_id=mid)
            ids[mid] = account.provider_account_id
    return ids


def place_online(
    db: Database, shop: Shop, gateway: FakeMarketplace, items: dict[int, int]
) -> tuple[int, str]:
    order_id = buy(db, shop, items, payment_method=PaymentMethod.ONLINE)
    with db.uow() as uow:
        start_checkout(uow=uow, gateway=gateway, order_id=order_id, now=NOW, **URLS)
        payment = uow.session.scalar(
            select(OnlinePayment).where(OnlinePayment.order_id == order_id)
        )
        assert payment is not None and payment.checkout_id is not None
        return order_id, payment.checkout_id


def deliver(
    db: Database,
    gateway: FakeMarketplace,
    event_id: str,
    checkout_id: str,
    type_: str = "checkout.session.completed",
) -> str:
    with db.uow() as uow:
        result = handle_event(
            uow=uow,
            gateway=gateway,
            event=IncomingEvent(event_id, type_, checkout_id),
            now=NOW + dt.timedelta(minutes=5),
        )
    return result.outcome


def balance_holds(db: Database, order_id: int) -> None:
    with db.uow() as uow:
        balance = order_balance(uow.session, order_id)
        assert balance is not None
        assert balance.balanced, balance


def count(db: Database, model: type) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_paid_two_merchant_basket_makes_one_transfer_per_merchant_order(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    acct = onboard(db, gateway, shop.baker_id, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 2, shop.apples_id: 3})
    gateway.pay(checkout_id)

    assert deliver(db, gateway, "evt_1", checkout_id) == "processed"

    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert order.payment_status is PaymentStatus.PAID
        assert {mo.status for mo in order.merchant_orders} == {MerchantOrderStatus.PAID}
        shares = {
            mo.merchant_id: mo.total_incl_cents - mo.commission_cents
            for mo in order.merchant_orders
        }
    assert gateway.transferred_to(acct[shop.baker_id]) == shares[shop.baker_id]
    assert gateway.transferred_to(acct[shop.farmer_id]) == shares[shop.farmer_id]
    assert all(t["source_transaction"] for t in gateway.transfers.values())
    balance_holds(db, order_id)


def test_webhook_replayed_ten_times_yields_one_payment_and_one_set_of_transfers(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    onboard(db, gateway, shop.baker_id, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1, shop.apples_id: 1})
    gateway.pay(checkout_id)

    outcomes = [deliver(db, gateway, "evt_same", checkout_id) for _ in range(10)]
    # A different event about the same page, arriving late, changes nothing either.
    outcomes.append(
        deliver(db, gateway, "evt_other", checkout_id, "checkout.session.async_payment_succeeded")
    )

    assert outcomes[0] == "processed"
    assert outcomes[1:10] == ["duplicate"] * 9
    assert len(gateway.transfers) == 2
    assert count(db, MerchantTransfer) == 2
    assert count(db, PaymentEvent) == 2
    balance_holds(db, order_id)


def test_expired_event_arriving_after_the_payment_changes_nothing(db: Database, shop: Shop) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1})
    gateway.pay(checkout_id)
    deliver(db, gateway, "evt_paid", checkout_id)
    deliver(db, gateway, "evt_expired", checkout_id, "checkout.session.expired")
    with db.uow() as uow:
        assert uow.session.get_one(Order, order_id).payment_status is PaymentStatus.PAID


def test_expired_checkout_cancels_the_order_and_gives_the_stock_back(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.cake_id: 2})
    gateway.pay(checkout_id, state="expired")
    deliver(db, gateway, "evt_exp", checkout_id, "checkout.session.expired")
    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert order.payment_status is PaymentStatus.FAILED
        assert {mo.status for mo in order.merchant_orders} == {MerchantOrderStatus.CANCELLED}
        statuses = uow.session.scalars(select(StockReservation.status)).all()
        assert set(statuses) == {ReservationStatus.RELEASED}


def test_payment_arriving_after_the_stock_ran_out_is_refunded_automatically(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.cake_id: 2})
    # The reservation expires; someone else buys the last cakes.
    with db.uow() as uow:
        release_expired(uow=uow, now=NOW + dt.timedelta(hours=1))
    buy(db, shop, {shop.cake_id: 2})
    gateway.pay(checkout_id)

    assert deliver(db, gateway, "evt_late", checkout_id) == "processed"

    with db.uow() as uow:
        order = uow.session.get_one(Order, order_id)
        assert order.payment_status is PaymentStatus.REFUNDED
        payment = uow.session.scalar(
            select(OnlinePayment).where(OnlinePayment.order_id == order_id)
        )
        assert payment is not None and payment.status is OnlinePaymentStatus.REFUNDED
    assert [r["amount"] for r in gateway.refunds] == [2400]
    assert gateway.transfers == {}
    balance_holds(db, order_id)


def test_partial_refund_of_one_merchant_order_leaves_the_other_payout_intact(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    acct = onboard(db, gateway, shop.baker_id, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 3, shop.apples_id: 2})
    gateway.pay(checkout_id)
    deliver(db, gateway, "evt_1", checkout_id)
    farmer_before = gateway.transferred_to(acct[shop.farmer_id])
    baker_before = gateway.transferred_to(acct[shop.baker_id])
    with db.uow() as uow:
        baker_mo = next(
            mo
            for mo in uow.session.get_one(Order, order_id).merchant_orders
            if mo.merchant_id == shop.baker_id
        )
        refund_merchant_order(
            uow=uow,
            gateway=gateway,
            merchant_order_id=baker_mo.id,
            amount_cents=350,
            actor=Actor(user_id=None),
            reason="Pain trop cuit",
            merchant_id=shop.baker_id,
        )
    assert gateway.refunds[-1]["amount"] == 350
    # 5 % commission (53 cents on 10,50 €): the platform gives up 18 cents, the baker 332.
    assert gateway.reversals[-1]["amount"] == 332
    assert gateway.transferred_to(acct[shop.baker_id]) == baker_before - 332
    assert gateway.transferred_to(acct[shop.farmer_id]) == farmer_before
    balance_holds(db, order_id)


def test_refunds_cannot_exceed_the_merchant_order_and_the_last_one_balances_exactly(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    onboard(db, gateway, shop.baker_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 3})  # 10,50 €
    gateway.pay(checkout_id)
    deliver(db, gateway, "evt_1", checkout_id)
    with db.uow() as uow:
        mo_id = uow.session.get_one(Order, order_id).merchant_orders[0].id
        for amount in (333, 333):
            refund_merchant_order(
                uow=uow,
                gateway=gateway,
                merchant_order_id=mo_id,
                amount_cents=amount,
                actor=Actor.system(),
                reason="Geste",
            )
        with pytest.raises(RefundTooLarge):
            refund_merchant_order(
                uow=uow,
                gateway=gateway,
                merchant_order_id=mo_id,
                amount_cents=385,
                actor=Actor.system(),
                reason="Geste",
            )
        uow.rollback()
        refund_merchant_order(
            uow=uow,
            gateway=gateway,
            merchant_order_id=mo_id,
            amount_cents=384,
            actor=Actor.system(),
            reason="Geste",
        )
        balance = order_balance(uow.session, order_id)
    assert balance is not None and balance.balanced
    assert balance.transfers_cents == 0 and balance.commission_cents == 0
    assert sum(int(r["amount"]) for r in gateway.reversals) == 1050 - 53  # type: ignore[call-overload]


def test_another_merchant_cannot_refund_and_offline_orders_are_not_refundable(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    offline = buy(db, shop, {shop.bread_id: 1})
    with db.uow() as uow:
        mo = uow.session.get_one(Order, offline).merchant_orders[0]
        with pytest.raises(NotRefundable):
            refund_merchant_order(
                uow=uow,
                gateway=gateway,
                merchant_order_id=mo.id,
                amount_cents=100,
                actor=Actor.system(),
                reason="x",
            )
        uow.rollback()
        with pytest.raises(NotFound):
            refund_merchant_order(
                uow=uow,
                gateway=gateway,
                merchant_order_id=mo.id,
                amount_cents=100,
                actor=Actor.system(),
                reason="x",
                merchant_id=shop.farmer_id,
            )


def test_transfer_waits_for_the_merchant_account_then_leaves_once_active(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1})
    gateway.pay(checkout_id)
    deliver(db, gateway, "evt_1", checkout_id)
    assert gateway.transfers == {}
    with db.uow() as uow:
        accounts.onboarding_link(
            uow=uow, gateway=gateway, merchant_id=shop.baker_id, refresh_url="r", return_url="b"
        )
        account = accounts.account_of(uow, shop.baker_id)
        assert account is not None
        gateway.activate(account.provider_account_id)
    assert (
        deliver(db, gateway, "evt_acct", account.provider_account_id, "account.updated")
        == "processed"
    )
    assert len(gateway.transfers) == 1
    with db.uow() as uow:
        transfer = uow.session.scalars(select(MerchantTransfer)).one()
        assert transfer.status is TransferStatus.SENT
        assert transfer.idempotency_key == f"transfer:{order_id}:{shop.baker_id}"
    balance_holds(db, order_id)


def test_sold_by_weight_is_authorised_with_a_margin_and_captured_after_weighing(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    acct = onboard(db, gateway, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.roast_id: 1})
    session = gateway.sessions[checkout_id]
    assert session.request.manual_capture
    assert sum(ln.amount_cents for ln in session.request.lines) == 1890 + 284  # 15 % margin
    gateway.pay(checkout_id, state="authorized")
    deliver(db, gateway, "evt_auth", checkout_id)
    assert gateway.transfers == {}
    with db.uow() as uow:
        mo = uow.session.get_one(Order, order_id).merchant_orders[0]
        transition(
            uow=uow,
            merchant_order_id=mo.id,
            target=MerchantOrderStatus.ACCEPTED,
            actor=Actor.system(),
        )
        line = uow.session.scalars(select(OrderLine)).one()
        set_final_weight(uow=uow, line_id=line.id, weight_g=1100, actor=Actor.system())
        assert capture_if_ready(uow=uow, gateway=gateway, order_id=order_id)
        from shop_core.payments.refunds import settle

        settle(uow=uow, gateway=gateway, order_id=order_id)
    assert gateway.captures == [{"pi": session.payment_intent, "amount": 2079}]
    assert gateway.transferred_to(acct[shop.farmer_id]) == 2079 - 104
    balance_holds(db, order_id)


def test_refused_merchant_order_after_payment_is_refunded_in_full(db: Database, shop: Shop) -> None:
    gateway = FakeMarketplace()
    acct = onboard(db, gateway, shop.baker_id, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 2, shop.apples_id: 1})
    gateway.pay(checkout_id)
    deliver(db, gateway, "evt_1", checkout_id)
    with db.uow() as uow:
        mo = next(
            m
            for m in uow.session.get_one(Order, order_id).merchant_orders
            if m.merchant_id == shop.farmer_id
        )
        transition(
            uow=uow,
            merchant_order_id=mo.id,
            target=MerchantOrderStatus.REFUSED,
            actor=Actor.system(),
            reason="Plus de pommes",
        )
        from shop_core.payments.refunds import settle

        settle(uow=uow, gateway=gateway, order_id=order_id)
    assert gateway.refunds[-1]["amount"] == 290
    assert gateway.transferred_to(acct[shop.farmer_id]) == 0
    assert gateway.transferred_to(acct[shop.baker_id]) == 700 - 35
    balance_holds(db, order_id)


def test_failed_event_is_stored_and_can_be_replayed(db: Database, shop: Shop) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1})
    gateway.pay(checkout_id)
    gateway.fail_next.add("retrieve")
    assert deliver(db, gateway, "evt_1", checkout_id) == "failed"
    with db.uow() as uow:
        event = uow.session.scalars(select(PaymentEvent)).one()
        assert event.status is EventStatus.FAILED
        assert failed_events(uow, shop.territory_id) == [event]
        assert failed_events(uow, shop.territory_id + 1) == []
        with pytest.raises(NotFound):  # another territory's operator
            replay(uow=uow, gateway=gateway, event_id=event.id, territory_id=shop.territory_id + 1)
        result = replay(uow=uow, gateway=gateway, event_id=event.id, now=NOW)
        assert result.outcome == "processed"
        uow.session.refresh(event)
        assert event.status is EventStatus.PROCESSED and event.attempts == 2
        assert uow.session.get_one(Order, order_id).payment_status is PaymentStatus.PAID


def test_checkout_page_is_reused_and_unknown_events_are_ignored(db: Database, shop: Shop) -> None:
    gateway = FakeMarketplace()
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1})
    with db.uow() as uow:
        again = start_checkout(uow=uow, gateway=gateway, order_id=order_id, now=NOW, **URLS)
    assert again.endswith(checkout_id)
    assert len(gateway.sessions) == 1
    # The page closes with the 30-minute reservation, or as soon after as Stripe allows.
    expires = gateway.sessions[checkout_id].request.expires_at
    assert expires == int((NOW + dt.timedelta(minutes=31)).timestamp())
    assert deliver(db, gateway, "evt_x", "ch_1", "charge.succeeded") == "ignored"


def test_concurrent_deliveries_of_the_same_payment_pay_each_merchant_once(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    onboard(db, gateway, shop.baker_id, shop.farmer_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1, shop.apples_id: 1})
    gateway.pay(checkout_id)
    # The same event delivered three times and two other events about the same page, at once.
    ids = ["evt_a", "evt_a", "evt_a", "evt_b", "evt_c"]
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(ids))

    def deliver_now(event_id: str) -> None:
        try:
            start.wait(timeout=60)
            outcomes.append(deliver(db, gateway, event_id, checkout_id))
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=deliver_now, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert not errors, errors
    assert sorted(outcomes).count("duplicate") >= 2
    assert len(gateway.transfers) == 2
    assert count(db, MerchantTransfer) == 2
    assert count(db, PaymentEvent) == 3
    with db.uow() as uow:
        assert uow.session.get_one(Order, order_id).payment_status is PaymentStatus.PAID
    balance_holds(db, order_id)


def test_deleting_the_account_strips_the_payer_from_its_payment_events(
    db: Database, shop: Shop
) -> None:
    gateway = FakeMarketplace()
    onboard(db, gateway, shop.baker_id)
    order_id, checkout_id = place_online(db, shop, gateway, {shop.bread_id: 1})
    gateway.pay(checkout_id)
    payer = {"email": "jeanne@example.fr", "name": "Jeanne Martin", "phone": "0601020304"}
    session_object = {
        "id": checkout_id,
        "amount_total": 420,
        "customer_details": {**payer, "address": {"line1": "12 rue d'Arras"}},
        "metadata": {"order_id": str(order_id)},
    }
    payload = json.dumps({"id": "evt_p", "data": {"object": session_object}})
    with db.uow() as uow:
        event = IncomingEvent("evt_p", "checkout.session.completed", checkout_id, payload)
        result = handle_event(uow=uow, gateway=gateway, event=event, now=NOW)
    assert result.outcome == "processed"
    with db.uow() as uow:  # an event about somebody else's payment, which must stay whole
        uow.session.add(
            PaymentEvent(
                provider_event_id="evt_other",
                type="charge.succeeded",
                object_id="ch_other",
                payload=json.dumps({"billing_details": payer}),
                status=EventStatus.PROCESSED,
            )
        )
        uow.commit()
    deliver_all(db, order_id)

    with db.uow() as uow:
        delete_account(uow=uow, user_id=shop.shopper_id)

    with db.uow() as uow:
        stored = uow.session.scalar(
            select(PaymentEvent).where(PaymentEvent.provider_event_id == "evt_p")
        )
        other = uow.session.scalar(
            select(PaymentEvent).where(PaymentEvent.provider_event_id == "evt_other")
        )
        assert stored is not None and other is not None
        kept = json.loads(stored.payload)["data"]["object"]
        assert kept == {**session_object, "customer_details": None}
        assert "Jeanne" not in stored.payload and "jeanne@" not in stored.payload
        assert json.loads(other.payload) == {"billing_details": payer}
    balance_holds(db, order_id)
