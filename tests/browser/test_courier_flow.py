"""In Chromium, on a 360 px phone: the courier collects, delivers against the shopper's code
(a wrong one first), then reports a failed delivery; the operator sees it on the board."""

from __future__ import annotations

from typing import Any

import pytest

import delivery.model  # noqa: F401  (delivery tables and migrations)
from shop_core.database import Database
from shop_core.orders.model import DeliveryMethod, MerchantOrderStatus
from tests.web.backoffice import place_order
from tests.web.conftest import World
from tests.web.rounds_setup import (
    ON_THE_DAY,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    order_of,
    plan,
    statuses,
    stops,
)

from .conftest import DESKTOP, PHONE, LiveServer, log_in, shot

S = MerchantOrderStatus


@pytest.fixture(autouse=True)
def _delivery_app(live_app: Any) -> None:
    configure(live_app)
    live_app.config["FIXED_NOW"] = ON_THE_DAY  # the round's day: its stops can be recorded


def test_collect_deliver_and_fail_on_a_phone(
    server: LiveServer, page_factory: Any, db: Database, world: World
) -> None:
    add_fleet(db, world)
    first = place_order(db, world, {world.bread_id: 1})
    second = place_order(db, world, {world.cake_id: 1}, method=DeliveryMethod.PICKUP_POINT)
    make_ready(db, first)
    make_ready(db, second)
    plan(db, world)
    code = order_of(db, first).delivery_code
    page = page_factory(PHONE)
    log_in(page, server, world.courier_email)
    page.goto(f"{server.url}/livreur/?date={TUESDAY.isoformat()}")
    shot(page, "courier-round-360")

    page.get_by_role("button", name="Colis collectés (2)").click()
    page.wait_for_load_state()
    assert "Collecte enregistrée : 2 commandes à bord." in page.content()
    assert statuses(db, first) == [S.HANDED_TO_COURIER]

    drop = next(
        s
        for s in stops(db, world)
        if s.merchant_order.order_id == first and s.kind.value == "deliver"
    )
    card = page.locator(f"#arret-{drop.id}")
    wrong = f"{(int(code) + 1) % 10000:04d}"
    card.get_by_label("Code donné par le client").fill(wrong)
    card.get_by_role("button", name="Livré").click()
    page.wait_for_load_state()
    assert "Code incorrect" in page.content()
    card = page.locator(f"#arret-{drop.id}")
    assert card.get_by_label("Code donné par le client").input_value() == wrong
    card.get_by_label("Code donné par le client").fill(code)
    card.get_by_role("button", name="Livré").click()  # forgetting how it was paid
    page.wait_for_load_state()
    card = page.locator(f"#arret-{drop.id}")
    assert "Indiquez comment le client a payé : espèces ou chèque." in card.inner_text()
    assert card.get_by_label("Code donné par le client").input_value() == code
    assert statuses(db, first) == [S.HANDED_TO_COURIER]
    card.get_by_label("Chèque").check()
    card.get_by_role("button", name="Livré").click()
    page.wait_for_load_state()
    assert "Livraison enregistrée." in page.content()
    assert "Encaissé : 3,50\u00a0€ (Chèque)" in page.locator(f"#arret-{drop.id}").inner_text()
    assert statuses(db, first) == [S.DELIVERED]

    point = next(
        s
        for s in stops(db, world)
        if s.merchant_order.order_id == second and s.kind.value == "deliver"
    )
    page.locator(f"#arret-{point.id}").get_by_role("link", name="Absent ou problème").click()
    page.wait_for_load_state()
    page.get_by_label("Accès impossible (portail, chien, route barrée)").check()
    page.get_by_label("Précisions", exact=True).fill("Tiers-lieu fermé")
    page.get_by_role("button", name="Enregistrer l'échec").click()
    page.wait_for_load_state()
    assert "Échec noté." in page.content()
    assert statuses(db, second) == [S.DELIVERY_FAILED]
    shot(page, "courier-round-after-360")

    operator = page_factory(DESKTOP)
    log_in(operator, server, world.operator_email)
    operator.goto(f"{server.url}/admin/tournees?date={TUESDAY.isoformat()}")
    board = operator.content()
    assert "Fait" in board and "Échec" in board and "Tiers-lieu fermé" in board
    assert "Encaissé aux portes : 3,50\u00a0€ (Chèque 3,50\u00a0€)" in operator.inner_text("main")
    shot(operator, "round-board-1280")
    operator.get_by_role("button", name="J'ai reçu 3,50\u00a0€ du livreur").click()
    operator.wait_for_load_state()
    assert "3,50\u00a0€ reçus du livreur." in operator.inner_text("body")
