"""In Chromium: a shopper pays a two-merchant basket through the Stripe path (the local fake
Stripe server stands in for the hosted page), the webhook arrives, both merchants see a paid
order and the operator sees the payouts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from reference_app import create_app
from reference_app.payments.stripe_gateway import StripeGateway
from shop_core.catalogue.model import Product
from shop_core.database import Database
from shop_core.orders.model import Order, PaymentStatus
from shop_core.payments import accounts
from shop_core.payments.reconciliation import order_balance
from tests.fake_stripe import FakeStripe
from tests.web.conftest import PASSWORD, World

from .conftest import DESKTOP, LiveServer, shot

KEY = "sk_test_cabas"
SECRET = "whsec_browser"


@pytest.fixture
def fake() -> Iterator[FakeStripe]:
    server = FakeStripe(webhook_secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def live_app(db: Database, tmp_path: Path, fake: FakeStripe) -> Iterator[Any]:
    url = db.engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "MAIL_BACKEND": "memory",
            "RATELIMIT_ENABLED": False,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            "STRIPE_SECRET_KEY": KEY,
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "STRIPE_API_BASE": fake.url,
        }
    )
    yield app
    app.extensions["cabas_db"].dispose()


def _add(page: Any, server: LiveServer, db: Database, product_id: int) -> None:
    with db.uow() as uow:
        slug = uow.session.get_one(Product, product_id).slug
    page.goto(f"{server.url}/produits/{product_id}-{slug}")
    page.get_by_role("button", name="Ajouter au panier").click()
    page.wait_for_load_state()


def _log_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()


def test_shopper_pays_online_and_merchants_and_operator_see_it(
    db: Database, world: World, server: LiveServer, fake: FakeStripe, page_factory: Any
) -> None:
    fake.webhook_url = f"{server.url}/webhooks/stripe"
    gateway = StripeGateway(KEY, api_base=fake.url)
    with db.uow() as uow:
        for merchant_id in (world.baker_id, world.farmer_id):
            accounts.onboarding_link(
                uow=uow,
                gateway=gateway,
                merchant_id=merchant_id,
                refresh_url="http://x",
                return_url="http://y",
            )
            account = accounts.account_of(uow, merchant_id)
            assert account is not None
            fake.activate_account(account.provider_account_id, send_webhook=False)
            accounts.refresh(uow=uow, gateway=gateway, merchant_id=merchant_id)

    page = page_factory(DESKTOP)
    _log_in(page, server, world.shopper_email)
    for product_id in (world.bread_id, world.apples_id):
        _add(page, server, db, product_id)
    page.goto(f"{server.url}/commande")
    page.locator("input[name=where][value=home]").check()
    page.locator("input[name=address]").first.check()
    page.locator("input[name=slot]").first.check()
    page.locator("input[name=payment][value=online]").check()
    page.get_by_role("button", name="Valider ma commande").click()
    page.wait_for_load_state()

    assert page.url.startswith(fake.url + "/pay/cs_test_")
    shot(page, "stripe-hosted-page")
    page.get_by_role("button", name="Payer").click()
    page.wait_for_load_state()
    assert "/paiement" in page.url
    assert "Paiement reçu" in page.locator("#payment-state").inner_text()
    shot(page, "stripe-paid-waiting-page")

    with db.uow() as uow:
        order = uow.session.scalars(select(Order)).one()
        assert order.payment_status is PaymentStatus.PAID
        reference = order.reference
        balance = order_balance(uow.session, order.id)
        assert balance is not None and balance.balanced and balance.pending_transfers == 0
    assert len(fake.of_type("transfer")) == 2

    for email in (world.baker_email, world.farmer_email):
        merchant = page_factory(DESKTOP)
        _log_in(merchant, server, email)
        merchant.goto(f"{server.url}/boutique/commandes")
        row = merchant.locator("tr", has_text=reference)
        assert "À accepter" in row.inner_text()  # paid: the shop's turn (48081f3)
        row.get_by_role("link").first.click()
        assert "Payée en ligne" in merchant.locator("main").inner_text()

    operator = page_factory(DESKTOP)
    _log_in(operator, server, world.operator_email)
    operator.goto(f"{server.url}/admin/paiements")
    assert reference in operator.locator("#payouts").inner_text()
    assert "s'équilibrent" in operator.locator("#reconciliation").inner_text()
    shot(operator, "stripe-operator-payouts")
