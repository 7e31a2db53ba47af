"""In Chromium, on a phone: the network drops during the round; the courier's page is still
there, the taps are kept on the phone, and they reach the server once it is back."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import WSGIRequestHandler, make_server

import delivery.model  # noqa: F401  (delivery tables and migrations)
from delivery.returns import return_to_merchant
from shop_core.audit.services import Actor
from shop_core.database import Database
from shop_core.orders.model import MerchantOrderStatus, PaymentStatus
from shop_core.orders.returns import parcel_return
from tests.web.backoffice import dropped_at_point, place_order
from tests.web.conftest import World
from tests.web.rounds_setup import (
    ON_THE_DAY,
    TUESDAY,
    add_fleet,
    configure,
    make_ready,
    order_of,
    plan,
)
from tests.web.rounds_setup import statuses as statuses_of

from .conftest import PHONE, log_in, shot

S = MerchantOrderStatus


class _OneRequestPerConnection(WSGIRequestHandler):
    # No keep-alive: once the server is stopped, nothing reaches it any more.
    protocol_version = "HTTP/1.0"


class _Network:
    """The app on a fixed port, which the test can cut off and bring back."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port = 0
        self.server: Any = None
        self.up()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def up(self) -> None:
        self.server = make_server(
            "127.0.0.1", self.port, self.app, threaded=True,
            request_handler=_OneRequestPerConnection,
        )  # fmt: skip
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def until(page: Any, condition: str, seconds: float = 15) -> None:
    """Wait for ``condition`` (a JavaScript function) to hold on the page. Playwright's
    wait_for_function evaluates strings, which the pages' Content-Security-Policy forbids."""
    deadline = time.monotonic() + seconds
    while not _holds(page, condition):
        assert time.monotonic() < deadline, f"still false after {seconds} s: {condition}"
        time.sleep(0.1)


def _holds(page: Any, condition: str) -> bool:
    # The page reloads itself once its kept taps are sent: a condition evaluated while it
    # navigates loses its context, and is asked again on the new page.
    try:
        return bool(page.evaluate(condition))
    except PlaywrightError as error:
        if "context was destroyed" not in str(error) and "navigat" not in str(error):
            raise
        return False


@pytest.fixture
def network(live_app: Any) -> Any:
    configure(live_app)
    live_app.config["FIXED_NOW"] = ON_THE_DAY  # the round's day: its stops can be recorded
    net = _Network(live_app)
    yield net
    net.down()


def on_the_round(
    network: _Network, page_factory: Any, db: Database, world: World
) -> tuple[Any, str, int]:
    """Tuesday planned with one order paid on delivery; the courier's phone has the day's
    page open, its service worker installed and its copy kept. The page, its URL, the
    order's id."""
    add_fleet(db, world)
    oid = place_order(db, world, {world.bread_id: 1})
    make_ready(db, oid)
    plan(db, world)
    page, day = phone_on_the_day(network, page_factory, world)
    return page, day, oid


def phone_on_the_day(network: _Network, page_factory: Any, world: World) -> tuple[Any, str]:
    """The courier's phone with Tuesday's page open, its service worker installed and its
    copy kept: the page and its URL."""
    page = page_factory(PHONE)
    log_in(page, network, world.courier_email)
    day = f"{network.url}/livreur/?date={TUESDAY.isoformat()}"
    page.goto(day)
    until(page, "() => navigator.serviceWorker.ready.then(() => true)")
    page.goto(day)  # now through the service worker, which keeps a copy
    until(page, "() => navigator.serviceWorker.controller !== null")
    return page, day


def test_taps_made_without_network_reach_the_server_when_it_is_back(
    network: _Network, page_factory: Any, db: Database, world: World
) -> None:
    page, day, oid = on_the_round(network, page_factory, db, world)
    code = order_of(db, oid).delivery_code
    delivery = page.locator(".visit-deliver").first
    # The parcels are at the bakery: the door says to collect them first, not the code.
    assert delivery.locator(".visit-awaits").is_visible()
    assert delivery.get_by_role("button", name="Livré").is_hidden()

    network.down()
    page.get_by_role("button", name="Colis collectés (1)").click()
    page.wait_for_selector(".visit.is-kept")
    note = page.locator("[data-offline-note]")
    assert note.inner_text().startswith("Une action enregistrée sur le téléphone, sans réseau")
    # Collected on the phone: the door's form is offered, its tap sent after the collection.
    assert delivery.locator(".visit-awaits").is_hidden()
    delivery.get_by_label("Code donné par le client").fill(code)
    delivery.get_by_label("Espèces").check()
    delivery.get_by_role("button", name="Livré").click()
    until(page, "() => document.querySelector('[data-offline-note]').textContent.includes('2 ')")
    assert note.inner_text().startswith("2 actions enregistrées sur le téléphone, sans réseau")
    shot(page, "courier-offline-360")
    assert statuses_of(db, oid) == [S.READY]  # nothing reached the server

    network.up()
    page.goto(day)  # the courier opens the page again: the kept taps leave, in order
    deadline = time.monotonic() + 15
    while statuses_of(db, oid) != [S.DELIVERED]:
        assert time.monotonic() < deadline, statuses_of(db, oid)
        time.sleep(0.2)
    until(page, "() => document.querySelector('[data-offline-note]').hidden")
    assert order_of(db, oid).payment_status is PaymentStatus.PAID
    assert "Encaissé : 3,50\u00a0€ (Espèces)" in page.locator(".visit-deliver").first.inner_text()


def test_a_tap_the_server_refuses_later_is_named_on_the_page(
    network: _Network, page_factory: Any, db: Database, world: World
) -> None:
    page, day, oid = on_the_round(network, page_factory, db, world)
    code = order_of(db, oid).delivery_code
    wrong = f"{(int(code) + 1) % 10000:04d}"

    network.down()
    page.get_by_role("button", name="Colis collectés (1)").click()
    page.wait_for_selector(".visit.is-kept")
    delivery = page.locator(".visit-deliver").first
    delivery.get_by_label("Code donné par le client").fill(wrong)
    delivery.get_by_label("Chèque").check()
    delivery.get_by_role("button", name="Livré").click()
    until(page, "() => document.querySelector('[data-offline-note]').textContent.includes('2 ')")

    network.up()
    page.goto(day)
    deadline = time.monotonic() + 15
    while statuses_of(db, oid) != [S.HANDED_TO_COURIER]:
        assert time.monotonic() < deadline, statuses_of(db, oid)
        time.sleep(0.2)
    until(
        page, "() => document.querySelector('[data-offline-note]').textContent.includes('refusé')"
    )
    note = page.locator("[data-offline-note]").inner_text()
    # One stop: said in the singular (was « refusées (arrêts 2) »).
    assert "À l'arrêt 2, ce qui a été fait sans réseau a été refusé : voyez cet arrêt" in note
    assert order_of(db, oid).payment_status is PaymentStatus.UNPAID  # nothing taken


def test_returned_parcels_taken_back_and_given_back_without_network(
    network: _Network, page_factory: Any, db: Database, world: World
) -> None:
    # Jeanne never fetched her loaf at the tiers-lieu: sent back to the bakery, and
    # Tuesday's round takes it back there and gives it back at the shop.
    add_fleet(db, world)
    order = dropped_at_point(db, world)
    with db.uow() as uow:
        return_to_merchant(
            uow=uow, territory_id=world.territory_id, order_id=order.id,
            reason="Jamais venue", actor=Actor.system(),
        )  # fmt: skip
    (mo,) = order.merchant_orders
    plan(db, world)
    page, day = phone_on_the_day(network, page_factory, world)

    page.get_by_role("button", name="Colis repris (1)").click()
    page.wait_for_selector("text=Colis repris : 1 commande à rendre à sa boutique.")
    network.down()
    page.get_by_role("button", name="Colis rendus (1)").click()
    page.wait_for_selector(".visit-bring_back.is-kept")
    shot(page, "courier-return-offline-360")
    assert back_at(db, mo.id) is None

    network.up()
    page.goto(day)
    deadline = time.monotonic() + 15
    while back_at(db, mo.id) is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    until(page, "() => document.querySelector('[data-offline-note]').hidden")


def back_at(db: Database, mo_id: int) -> Any:
    with db.uow() as uow:
        way_back = parcel_return(uow.session, mo_id)
        assert way_back is not None
        return way_back.back_at
