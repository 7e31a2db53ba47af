"""In Chromium, on the demo: the operator orders for a shopper over the phone — finds her,
acts for her, adds a product, checks out paying on delivery, reads out the code — then
ends acting."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from reference_app.demo import data, loader
from shop_core.accounts.model import User
from shop_core.database import Database
from shop_core.orders.model import Order

from .conftest import PHONE, LiveServer, log_in, shot

OPERATOR = "animation@ternois.demo"
SHOPPER = "jeanne.martin@ternois.demo"


@pytest.fixture
def demo(db: Database) -> None:
    loader.load(db)


@pytest.mark.usefixtures("demo")
def test_the_operator_orders_for_a_demo_shopper_and_reads_out_the_code(
    db: Database, server: LiveServer, page_factory: Any
) -> None:
    with db.uow() as uow:
        jeanne = uow.session.scalars(select(User).where(User.email == SHOPPER)).one()
        before = set(uow.session.scalars(select(Order.id).where(Order.user_id == jeanne.id)))
    page = page_factory(PHONE)
    log_in(page, server, OPERATOR, data.PASSWORD)
    page.goto(f"{server.url}/admin/clients")
    page.get_by_label("Nom, e-mail ou téléphone du client").fill("Jeanne Martin")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("button", name=re.compile("Commander pour ce client : Jeanne Martin")).click()
    page.wait_for_load_state()

    banner = page.get_by_role("status").filter(has_text="Vous commandez pour Jeanne Martin")
    assert banner.is_visible()
    box = banner.get_by_role("button", name=re.compile("Terminer")).bounding_box()
    assert box is not None and box["height"] >= 44

    page.goto(f"{server.url}/recherche?q=pain")
    page.locator("form[action='/panier/ajouter'] button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{server.url}/commande")
    assert page.get_by_text("Paiement par carte bancaire").count() == 0
    page.get_by_label("Retrait dans les boutiques").check()
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    assert "/confirmation" in page.url, page.url
    with db.uow() as uow:
        [order] = uow.session.scalars(
            select(Order).where(Order.user_id == jeanne.id, Order.id.not_in(before))
        ).all()
        assert order.placed_by_id is not None
    read_out = page.get_by_role("region", name="À lire à Jeanne Martin")
    assert " ".join(order.delivery_code) in read_out.inner_text()
    assert "en espèces ou par chèque" in read_out.inner_text()
    shot(page, "assisted-confirmation-phone")

    page.get_by_role("button", name=re.compile("Terminer")).click()
    page.wait_for_load_state()
    assert "/admin/clients" in page.url
    assert page.get_by_text("Vous commandez pour").count() == 0
