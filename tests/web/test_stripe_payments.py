"""Paying online through Stripe: the real ``stripe`` client talks to a local fake Stripe server,
and webhooks are signed locally and checked by the real ``stripe.Webhook.construct_event``."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from reference_app import create_app
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus, Order, PaymentStatus
from shop_core.orders.services import release_expired
from shop_core.payments.model import EventStatus, MerchantTransfer, OnlinePayment, PaymentEvent
from shop_core.payments.reconciliation import order_balance
from tests.fake_stripe import FakeStripe, sign

from .conftest import NOW, World, login
from .shopping import add, checkout_form, sent

SECRET = "whsec_cabas_test"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    server = FakeStripe(webhook_secret=SECRET).start()
    yield server
    server.stop()


def stripe_app(db: Database, tmp_path: Path, fake: FakeStripe, **extra: Any) -> Flask:
    url = db.engine.url.render_as_string(hide_password=False)
    config = {
        "TESTING": True,
        "DATABASE_URL": url,
        "MAIL_BACKEND": "memory",
        "RATELIMIT_ENABLED": False,
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "SERVER_NAME": None,
        "FIXED_NOW": NOW,
        "STRIPE_SECRET_KEY": "sk_test_cabas",
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_API_BASE": fake.url,
    }
    config.update(extra)
    return create_app(config)


@pytest.fixture
def app(db: Database, tmp_path: Path, fake: FakeStripe) -> Iterator[Flask]:
    application = stripe_app(db, tmp_path, fake)
    yield application
    application.extensions["cabas_db"].dispose()


def post_event(
    client: FlaskClient, event: dict[str, Any], *, secret: str = SECRET, at: int | None = None
) -> Any:
    payload = json.dumps(event)
    return client.post(
        "/webhooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret, at), "Content-Type": "application/json"},
    )


def activate(fake: FakeStripe, db: Database, *merchant_ids: int) -> None:
    """Merchants finished Stripe's onboarding (through the gateway, as the page would)."""
    from reference_app.payments.stripe_gateway import StripeGateway
    from shop_core.payments import accounts

    gateway = StripeGateway("sk_test_cabas", api_base=fake.url)
    with db.uow() as uow:
        for mid in merchant_ids:
            accounts.onboarding_link(
                uow=uow,
                gateway=gateway,
                merchant_id=mid,
                refresh_url="http://x",
                return_url="http://y",
            )
            account = accounts.account_of(uow, mid)
            assert account is not None
            fake.activate_account(account.provider_account_id, send_webhook=False)
            accounts.refresh(uow=uow, gateway=gateway, merchant_id=mid)


def pay_online(client: FlaskClient, world: World, items: dict[int, int]) -> str:
    """Fill the basket, choose online payment; returns the Checkout Session id."""
    login(client, world.shopper_email)
    for pid, qty in items.items():
        add(client, pid, qty)
    response = client.post("/commande", data=checkout_form(client, payment="online"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    match = re.search(r"/pay/(cs_test_\w+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def the_order(db: Database) -> Order:
    with db.uow() as uow:
        order = uow.session.scalars(select(Order)).one()
        _ = [(mo.merchant_id, mo.status) for mo in order.merchant_orders]
        return order


def count(db: Database, model: type) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_checkout_session_asks_stripe_for_one_page_per_basket(
    client: FlaskClient, world: World, fake: FakeStripe
) -> None:
    session_id = pay_online(client, world, {world.bread_id: 2, world.apples_id: 3})
    method, path, params = next(c for c in fake.calls if c[1] == "/v1/checkout/sessions")
    assert params["mode"] == "payment"
    assert params["payment_intent_data"]["capture_method"] == "automatic"
    assert params["payment_intent_data"]["transfer_group"] == params["metadata"]["reference"]
    assert [int(li["price_data"]["unit_amount"]) for li in params["line_items"]] == [700, 870]
    assert session_id in fake.objects
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "Payez en ligne ou à la réception" in home and "Rien n'est payé en ligne" not in home


def test_two_merchant_basket_paid_by_webhook_pays_each_merchant_once(
    client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    activate(fake, db, world.baker_id, world.farmer_id)
    session_id = pay_online(client, world, {world.bread_id: 2, world.apples_id: 3})
    order = the_order(db)
    waiting = client.get(f"/commande/{order.reference}/paiement").get_data(as_text=True)
    assert "Nous attendons la confirmation" in waiting
    english = client.get(f"/commande/{order.reference}/paiement?lang=en").get_data(as_text=True)
    assert "We are waiting for your payment" in english
    client.get("/?lang=fr")
    assert order.payment_status is PaymentStatus.PENDING

    fake.complete_checkout(session_id, send_webhook=False)
    event = fake.event("checkout.session.completed", fake.objects[session_id])
    responses = [post_event(client, event).status_code for _ in range(10)]

    assert responses == [200] * 10
    order = the_order(db)
    assert order.payment_status is PaymentStatus.PAID
    assert {mo.status for mo in order.merchant_orders} == {MerchantOrderStatus.PAID}
    transfers = fake.of_type("transfer")
    assert sorted(t["amount"] for t in transfers) == sorted(
        mo.total_incl_cents - mo.commission_cents for mo in order.merchant_orders
    )
    charge = fake.objects[fake.objects[session_id]["payment_intent"]]["latest_charge"]
    assert {t["source_transaction"] for t in transfers} == {charge}
    assert {t["transfer_group"] for t in transfers} == {order.reference}
    keys = {k for (path, k) in fake.idempotent if path == "/v1/transfers"}
    assert keys == {
        f"transfer:{order.id}:{world.baker_id}",
        f"transfer:{order.id}:{world.farmer_id}",
    }
    assert count(db, PaymentEvent) == 1 and count(db, OnlinePayment) == 1
    assert "Paiement reçu" in client.get(f"/commande/{order.reference}/paiement").get_data(
        as_text=True
    )
    with db.uow() as uow:
        balance = order_balance(uow.session, order.id)
        assert balance is not None and balance.balanced


def test_reordered_events_yield_one_payment_and_one_set_of_transfers(
    client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    activate(fake, db, world.baker_id, world.farmer_id)
    session_id = pay_online(client, world, {world.bread_id: 1, world.apples_id: 1})
    fake.complete_checkout(session_id, send_webhook=False)
    session = fake.objects[session_id]
    later = fake.event("checkout.session.async_payment_succeeded", session)
    first = fake.event("checkout.session.completed", session)
    expired = fake.event("checkout.session.expired", {**session, "status": "expired"})
    for event in (expired, later, first, later, first):
        assert post_event(client, event).status_code == 200
    assert len(fake.of_type("transfer")) == 2
    assert count(db, MerchantTransfer) == 2
    assert the_order(db).payment_status is PaymentStatus.PAID


def test_tampered_stale_or_unsigned_webhooks_are_refused_and_change_nothing(
    client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    session_id = pay_online(client, world, {world.bread_id: 1})
    fake.complete_checkout(session_id, send_webhook=False)
    event = fake.event("checkout.session.completed", fake.objects[session_id])
    payload = json.dumps(event)
    tampered = payload.replace('"livemode": false', '"livemode": true')
    header = sign(payload, SECRET)
    assert (
        client.post(
            "/webhooks/stripe", data=tampered, headers={"Stripe-Signature": header}
        ).status_code
        == 400
    )
    assert post_event(client, event, at=int(time.time()) - 1000).status_code == 400
    assert post_event(client, event, secret="whsec_other").status_code == 400
    assert client.post("/webhooks/stripe", data=payload).status_code == 400
    assert count(db, PaymentEvent) == 0
    assert the_order(db).payment_status is PaymentStatus.PENDING


def test_webhook_is_the_only_route_without_csrf(
    db: Database, tmp_path: Path, fake: FakeStripe, world: World
) -> None:
    """The only view exempted from CSRF (the JSON API, with bearer tokens and no cookies, is
    exempted as a whole blueprint)."""
    application = stripe_app(db, tmp_path, fake, WTF_CSRF_ENABLED=True)
    try:
        client = application.test_client()
        event = fake.event("customer.created", {"id": "cus_1", "object": "customer"})
        assert post_event(client, event).status_code == 200
        refused = client.post("/panier/ajouter", data={"product_id": world.bread_id, "quantity": 1})
        assert refused.status_code == 400
        exempt = [
            name
            for name, view in application.view_functions.items()
            if f"{view.__module__}.{view.__name__}" in application.extensions["csrf"]._exempt_views  # type: ignore[attr-defined]
        ]
        assert exempt == ["payments.stripe_webhook"]
    finally:
        application.extensions["cabas_db"].dispose()


def test_merchant_refunds_part_of_its_order_and_the_other_payout_is_intact(
    app: Flask, client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    activate(fake, db, world.baker_id, world.farmer_id)
    session_id = pay_online(client, world, {world.bread_id: 2, world.apples_id: 3})
    fake.complete_checkout(session_id, send_webhook=False)
    post_event(client, fake.event("checkout.session.completed", fake.objects[session_id]))
    order = the_order(db)
    baker_mo = next(mo for mo in order.merchant_orders if mo.merchant_id == world.baker_id)
    farmer_mo = next(mo for mo in order.merchant_orders if mo.merchant_id == world.farmer_id)

    client = app.test_client()
    login(client, world.baker_email)
    page = client.get(f"/boutique/commandes/{baker_mo.id}/remboursement")
    assert page.status_code == 200 and "Reste remboursable" in page.get_data(as_text=True)
    too_much = client.post(
        f"/boutique/commandes/{baker_mo.id}/remboursement", data={"amount": "99", "reason": "x"}
    )
    assert too_much.status_code == 422
    assert "dépasse" in too_much.get_data(as_text=True)
    bad = client.post(
        f"/boutique/commandes/{baker_mo.id}/remboursement", data={"amount": "abc", "reason": "x"}
    )
    assert bad.status_code == 422
    done = client.post(
        f"/boutique/commandes/{baker_mo.id}/remboursement",
        data={"amount": "3,50", "reason": "Pain rassis"},
    )
    assert done.status_code == 302
    # Another merchant's order looks like one that does not exist.
    assert client.get(f"/boutique/commandes/{farmer_mo.id}/remboursement").status_code == 404

    assert [r["amount"] for r in fake.of_type("refund")] == [350]
    assert [r["amount"] for r in fake.of_type("transfer_reversal")] == [332]
    farmer_transfer = next(
        t for t in fake.of_type("transfer") if t["description"] == farmer_mo.reference
    )
    assert farmer_transfer["amount_reversed"] == 0
    with db.uow() as uow:
        balance = order_balance(uow.session, order.id)
        assert balance is not None and balance.balanced
        assert balance.refunded_cents == 350

    shopper = app.test_client()
    login(shopper, world.shopper_email)
    told = html.unescape(
        shopper.get(f"/commande/{order.reference}/paiement").get_data(as_text=True)
    )
    assert "Pain rassis" in told and "3,50" in told

    client = app.test_client()
    login(client, world.operator_email)
    admin = html.unescape(client.get("/admin/paiements").get_data(as_text=True))
    assert order.reference in admin
    assert "Toutes les commandes s'équilibrent" in admin
    assert farmer_mo.reference in admin and baker_mo.reference in admin


def test_merchant_onboards_an_express_account_through_account_links(
    client: FlaskClient, world: World, fake: FakeStripe
) -> None:
    login(client, world.baker_email)
    page = client.get("/boutique/paiements").get_data(as_text=True)
    assert "Ouvrir mon compte de paiement" in page
    started = client.post("/boutique/paiements/compte")
    assert started.status_code == 303
    link = started.headers["Location"]
    assert link.startswith(fake.url + "/connect/acct_")
    account_id = link.rsplit("/", 1)[1]
    assert fake.objects[account_id]["type"] == "express"
    assert 'data-status="pending"' in client.get("/boutique/paiements").get_data(as_text=True)

    # The merchant finishes on Stripe's page, which sends them back.
    fake.activate_account(account_id, send_webhook=False)
    back = client.get("/boutique/paiements/retour")
    assert back.status_code == 302
    assert 'data-status="active"' in client.get("/boutique/paiements").get_data(as_text=True)


def test_sold_by_weight_is_held_with_a_margin_and_captured_after_weighing(
    app: Flask, client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    activate(fake, db, world.farmer_id)
    session_id = pay_online(client, world, {world.roast_id: 1})
    fake.complete_checkout(session_id, send_webhook=False)
    post_event(client, fake.event("checkout.session.completed", fake.objects[session_id]))
    intent = fake.objects[fake.objects[session_id]["payment_intent"]]
    assert intent["status"] == "requires_capture"
    assert fake.of_type("transfer") == []
    order = the_order(db)
    mo = order.merchant_orders[0]
    assert intent["amount"] > mo.total_incl_cents
    with db.uow() as uow:
        line = uow.session.get_one(Order, order.id).merchant_orders[0].lines[0]
        line_id, estimated = line.id, line.estimated_weight_g
    assert estimated

    client = app.test_client()
    login(client, world.farmer_email)
    assert client.post(f"/boutique/commandes/{mo.id}/accepter").status_code == 302
    weighed = client.post(
        f"/boutique/commandes/{mo.id}/pesee", data={f"poids-{line_id}": str(estimated)}
    )
    assert weighed.status_code == 302, weighed.get_data(as_text=True)[:2000]
    order = the_order(db)
    assert intent["status"] == "succeeded"
    assert intent["amount_received"] == order.merchant_orders[0].total_incl_cents
    assert len(fake.of_type("transfer")) == 1
    with db.uow() as uow:
        balance = order_balance(uow.session, order.id)
        assert balance is not None and balance.balanced


def test_failed_event_is_stored_and_replayed_by_the_operator(
    app: Flask, client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    session_id = pay_online(client, world, {world.bread_id: 1})
    fake.complete_checkout(session_id, send_webhook=False)
    session = fake.objects.pop(session_id)  # Stripe cannot be reached about it for now
    event = fake.event("checkout.session.completed", session)
    assert post_event(client, event).status_code == 500
    with db.uow() as uow:
        stored = uow.session.scalars(select(PaymentEvent)).one()
        assert stored.status is EventStatus.FAILED
    fake.objects[session_id] = session

    client = app.test_client()
    login(client, world.operator_email)
    assert event["id"] in client.get("/admin/paiements").get_data(as_text=True)
    replayed = client.post(f"/admin/paiements/evenements/{stored.id}/rejouer")
    assert replayed.status_code == 302
    assert the_order(db).payment_status is PaymentStatus.PAID


def test_without_keys_only_offline_payment_is_offered(
    db: Database, tmp_path: Path, world: World
) -> None:
    url = db.engine.url.render_as_string(hide_password=False)
    application = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "MAIL_BACKEND": "memory",
            "FIXED_NOW": NOW,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": None,
        }
    )
    try:
        client = application.test_client()
        assert client.post("/webhooks/stripe", data="{}").status_code == 404
        login(client, world.shopper_email)
        add(client, world.bread_id, 1)
        page = client.get("/commande").get_data(as_text=True)
        assert 'value="offline"' in page and 'value="online"' not in page
        assert "Rien n'est payé en ligne" in html.unescape(client.get("/").get_data(as_text=True))
    finally:
        application.extensions["cabas_db"].dispose()


def test_payment_after_the_stock_ran_out_is_refunded_and_the_shopper_told(
    app: Flask, client: FlaskClient, world: World, fake: FakeStripe, db: Database
) -> None:
    session_id = pay_online(client, world, {world.cake_id: 2})
    order = the_order(db)
    # The reservation runs out, and another shopper buys the last two cakes meanwhile.
    with db.uow() as uow:
        release_expired(uow=uow, now=NOW + dt.timedelta(hours=2))
    other = app.test_client()
    login(other, world.shopper2_email)
    add(other, world.cake_id, 2)
    bought = other.post(
        "/commande", data=checkout_form(other, where=f"point-{world.pickup_point_id}")
    )
    assert bought.status_code == 302, bought.get_data(as_text=True)[:2000]

    fake.complete_checkout(session_id, send_webhook=False)
    assert (
        post_event(
            client, fake.event("checkout.session.completed", fake.objects[session_id])
        ).status_code
        == 200
    )

    intent_id = fake.objects[session_id]["payment_intent"]
    assert [(r["payment_intent"], r["amount"]) for r in fake.of_type("refund")] == [
        (intent_id, 2400)
    ]
    assert fake.of_type("transfer") == []
    told = html.unescape(client.get(f"/commande/{order.reference}/paiement").get_data(as_text=True))
    assert "intégralement remboursé" in told
    mails = [m for m in sent(app) if m.to == world.shopper_email]
    told_by_mail = [m for m in mails if "remboursé" in m.subject]
    assert len(told_by_mail) == 1 and "24,00" in told_by_mail[0].body
    with db.uow() as uow:
        balance = order_balance(uow.session, order.id)
        assert balance is not None and balance.balanced and balance.refunded_cents == 2400


def test_events_of_the_platform_and_of_connect_endpoints_are_both_verified(
    db: Database, tmp_path: Path, fake: FakeStripe, world: World
) -> None:
    application = stripe_app(db, tmp_path, fake, STRIPE_WEBHOOK_SECRET=f"whsec_platform, {SECRET}")
    try:
        client = application.test_client()
        event = fake.event("customer.created", {"id": "cus_1", "object": "customer"})
        assert post_event(client, event, secret="whsec_platform").status_code == 200
        other = fake.event("customer.created", {"id": "cus_2", "object": "customer"})
        assert post_event(client, other, secret=SECRET).status_code == 200
        third = fake.event("customer.created", {"id": "cus_3", "object": "customer"})
        assert post_event(client, third, secret="whsec_nobody").status_code == 400
    finally:
        application.extensions["cabas_db"].dispose()
